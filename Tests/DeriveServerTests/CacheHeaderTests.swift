import Derive
import DeriveRender
import Foundation
import HTTPTypes
import Testing

/// `Vary`, `Cache-Control` and the bound on derivatives per URL under varied client hints.
@Suite struct CacheHeaderTests {
    @Test func varyListsExactlyTheHeadersThatShapedTheResponse() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            let cases: [(String, String?)] = [
                ("w_100/coffee.jpg", nil),
                ("f_auto,w_100/coffee", "Accept"),
                ("dpr_auto,w_100/coffee.jpg", "DPR, Sec-CH-DPR"),
                ("w_auto:100/coffee.jpg", "Width, Sec-CH-Width"),
                ("h_auto:100/coffee.jpg", "Width, Sec-CH-Width"),
                ("f_auto,dpr_auto,w_auto/coffee", "Accept, DPR, Sec-CH-DPR, Width, Sec-CH-Width"),
            ]
            for (path, vary) in cases {
                let response = try await ServerFixture.get(
                    client, "/demo/image/upload/\(path)", headers: [.accept: "image/webp", .dpr: "2", .width: "333"])
                #expect(response.status == .ok, "\(path)")
                #expect(response.headers[.vary] == vary, "\(path)")
            }
        }
    }

    @Test func cacheControlByTypeAndVersion() async throws {
        try await ServerFixture.withServer(configure: {
            $0.delivery.signingSecrets = ["s"]
            $0.delivery.mutableMaxAge = 600
        }) { derive, client in
            let uploaded = try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "shop/coffee")
            let version = uploaded.resource.version
            let current = try await ServerFixture.get(client, "/demo/image/upload/w_100/v\(version)/shop/coffee.jpg")
            #expect(current.headers[.cacheControl] == "public, max-age=31536000, immutable")
            let v1 = try await ServerFixture.get(client, "/demo/image/upload/w_100/v1/shop/coffee.jpg")
            #expect(v1.headers[.cacheControl] == "public, max-age=600")
            let unversioned = try await ServerFixture.get(client, "/demo/image/upload/w_100/shop/coffee.jpg")
            #expect(unversioned.headers[.cacheControl] == "public, max-age=600")
            // After an overwrite the old version's URL is no longer the current one.
            let second = try await derive.upload(ServerFixture.image("photo_chelsea.png"), publicID: "shop/coffee")
            #expect(second.resource.version != version)
            let old = try await ServerFixture.get(client, "/demo/image/upload/w_100/v\(version)/shop/coffee.jpg")
            #expect(old.headers[.cacheControl] == "public, max-age=600")
            // Default images stand in for a missing original: short-lived.
            let fallback = try await ServerFixture.get(
                client, "/demo/image/upload/d_shop:coffee.png,w_50/v\(second.resource.version)/missing.jpg")
            #expect(fallback.status == .ok)
            #expect(fallback.headers[.cacheControl] == "public, max-age=600")
            // Errors are not cached.
            let missing = try await ServerFixture.get(client, "/demo/image/upload/w_100/nothing.jpg")
            #expect(missing.status == .notFound)
            #expect(missing.headers[.cacheControl] == "no-store")
        }
    }

    @Test func variedHintsMakeABoundedNumberOfDerivatives() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            var etags: Set<String> = []
            for dpr in stride(from: 0.5, through: 9.5, by: 0.37) {
                let response = try await ServerFixture.get(
                    client, "/demo/image/upload/dpr_auto,w_50/coffee.jpg", headers: [.dpr: String(dpr)])
                #expect(response.status == .ok)
                etags.insert(response.headers[.eTag] ?? "")
            }
            for width in stride(from: 1, through: 9_000, by: 97) {
                let response = try await ServerFixture.get(
                    client, "/demo/image/upload/w_auto:200,c_limit/coffee.jpg", headers: [.width: String(width)])
                #expect(response.status == .ok)
            }
            let details = try #require(try await derive.resource(publicID: "coffee"))
            let dprKeys = details.derived.filter { $0.transformation.contains("dpr=") }
            let widthKeys = details.derived.filter { $0.transformation.contains("width=") }
            // DPR: one of 1, 1.5, 2, 3, 4. Width: steps of 200 up to the 4096 cap.
            #expect(dprKeys.count <= ClientHintPolicy.dprSteps.count)
            #expect(widthKeys.count <= 4_096 / 200 + 1)
            #expect(Set(dprKeys.map(\.transformation)).count == dprKeys.count)
        }
    }

    @Test func storedImagesAreStreamedAndNotModifiedIsAnsweredFirst() async throws {
        try await ServerFixture.withServer { derive, client in
            try await derive.upload(ServerFixture.image("photo_12mp.jpg"), publicID: "photo")
            let original = try await ServerFixture.get(client, "/demo/image/upload/photo.jpg")
            #expect(original.status == .ok)
            #expect(original.body.readableBytes == ServerFixture.image("photo_12mp.jpg").count)
            #expect(Array(buffer: original.body) == ServerFixture.image("photo_12mp.jpg"))
            let delivery = try await derive.deliver(path: "/demo/image/upload/photo.jpg", hints: ClientHints())
            guard case .stored(let reader)? = delivery.body else {
                Issue.record("a stored original is streamed")
                return
            }
            #expect(reader.length == original.body.readableBytes)
            let etag = try #require(original.headers[.eTag])
            let notModified = try await derive.deliver(
                path: "/demo/image/upload/photo.jpg", hints: ClientHints(), ifNoneMatch: "\"x\", \(etag)")
            #expect(notModified.body == nil)
        }
    }
}
