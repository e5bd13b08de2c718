import Derive
import DeriveRender
import Foundation
import HTTPTypes
import Testing

/// The stored-image path over HTTP: answers from memory, conditional requests, `HEAD`, byte
/// ranges, and large images streamed.
@Suite struct HitPathTests {
    static let fill = "/demo/image/upload/c_fill,w_120,h_80/item.jpg"

    @Test func repeatedRequestsAreAnsweredFromMemoryWithTheSameBytes() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "item")
            let first = try await ServerFixture.get(client, Self.fill)
            #expect(first.status == .ok && first.headers[.derivedCache] == "miss")
            #expect(first.headers[.acceptRanges] == "bytes")
            let before = derive.deliveryCacheStatistics.answeredFromMemory
            for _ in 0..<3 {
                let again = try await ServerFixture.get(client, Self.fill)
                #expect(again.status == .ok && again.headers[.derivedCache] == "hit")
                #expect(again.body == first.body && again.headers[.eTag] == first.headers[.eTag])
                #expect(again.headers[.contentLength] == String(first.body.readableBytes))
            }
            #expect(derive.deliveryCacheStatistics.answeredFromMemory == before + 3)
            let etag = try #require(first.headers[.eTag])
            let conditional = try await ServerFixture.get(client, Self.fill, headers: [.ifNoneMatch: etag])
            #expect(conditional.status == .notModified && conditional.body.readableBytes == 0)
            #expect(conditional.headers[.eTag] == etag)
        }
    }

    @Test func headSendsTheHeadersOnly() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "item")
            let get = try await ServerFixture.get(client, Self.fill)
            for _ in 0..<2 {
                let head = try await client.execute(uri: Self.fill, method: .head) { ($0.status, $0.headers, $0.body) }
                #expect(head.0 == .ok && head.2.readableBytes == 0)
                #expect(head.1[.contentLength] == String(get.body.readableBytes))
                #expect(head.1[.eTag] == get.headers[.eTag])
            }
        }
    }

    @Test func byteRanges() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "item")
            let whole = try await ServerFixture.get(client, Self.fill)
            let bytes = Array(whole.body.readableBytesView)
            let n = bytes.count
            let etag = try #require(whole.headers[.eTag])
            let cases: [(String, ClosedRange<Int>?)] = [
                ("bytes=0-99", 0...99),
                ("bytes=100-", 100...(n - 1)),
                ("bytes=-50", (n - 50)...(n - 1)),
                ("bytes=10-\(n + 1000)", 10...(n - 1)),
                ("bytes=-\(n + 5)", 0...(n - 1)),
                (" bytes = 5 - 9 ", nil),  // `bytes =` is not the unit token: ignored
            ]
            for (header, range) in cases {
                let response = try await ServerFixture.get(client, Self.fill, headers: [.range: header])
                guard let range else {
                    #expect(response.status == .ok && response.body.readableBytes == n, "\(header)")
                    continue
                }
                #expect(response.status == .partialContent, "\(header)")
                #expect(Array(response.body.readableBytesView) == Array(bytes[range]), "\(header)")
                #expect(response.headers[.contentRange] == "bytes \(range.lowerBound)-\(range.upperBound)/\(n)")
                #expect(response.headers[.contentLength] == String(range.count))
            }
            // Ignored, whole body: several ranges, nonsense, a stale If-Range, reversed bounds, overflow.
            for header in ["bytes=0-1,5-6", "pages=1-2", "bytes=abc", "bytes=9-3", "bytes=99999999999999999999999-"] {
                let response = try await ServerFixture.get(client, Self.fill, headers: [.range: header])
                #expect(response.status == .ok && response.body.readableBytes == n, "\(header)")
            }
            let stale = try await ServerFixture.get(
                client, Self.fill, headers: [.range: "bytes=0-9", .ifRange: "\"another\""])
            #expect(stale.status == .ok && stale.body.readableBytes == n)
            let fresh = try await ServerFixture.get(client, Self.fill, headers: [.range: "bytes=0-9", .ifRange: etag])
            #expect(fresh.status == .partialContent && fresh.body.readableBytes == 10)
            for header in ["bytes=\(n)-", "bytes=-0"] {
                let response = try await ServerFixture.get(client, Self.fill, headers: [.range: header])
                #expect(response.status == .rangeNotSatisfiable, "\(header)")
                #expect(response.headers[.contentRange] == "bytes */\(n)")
                #expect(ServerFixture.message(response.body) != nil)
            }
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func largeStoredImagesAreStreamedWholeAndInRanges() async throws {
        try await ServerFixture.withServer(configure: { $0.deliveryCache.maxBlobSize = 100_000 }) { derive, client in
            let original = ServerFixture.image("photo_12mp.jpg")
            try await derive.upload(original, publicID: "big")
            let path = "/demo/image/upload/big.jpg"
            for _ in 0..<2 {
                let whole = try await ServerFixture.get(client, path)
                #expect(whole.status == .ok && Array(whole.body.readableBytesView) == original)
            }
            // A range across several 64 KiB chunks of the stream.
            let lower = 70_000
            let upper = 300_000
            let part = try await ServerFixture.get(client, path, headers: [.range: "bytes=\(lower)-\(upper)"])
            #expect(part.status == .partialContent)
            #expect(Array(part.body.readableBytesView) == Array(original[lower...upper]))
        }
    }
}
