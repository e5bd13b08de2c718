import Derive
import DeriveRender
import Foundation
import NIOCore
import Testing

/// The delivery cache must be invisible: after any change, through any `Derive` on the same
/// catalog, a cached instance answers exactly what an instance without a cache answers.
@Suite struct DeliveryCacheTests {
    /// What a delivery answered, comparable across instances.
    enum Outcome: Equatable, CustomStringConvertible {
        case image(etag: String, format: String, bytes: [UInt8])
        case notModified(etag: String)
        case failed(String)

        var description: String {
            switch self {
            case .image(let etag, let format, let bytes): "\(format) \(etag) (\(bytes.count) bytes)"
            case .notModified(let etag): "304 \(etag)"
            case .failed(let message): "error: \(message)"
            }
        }

        var etag: String? {
            switch self {
            case .image(let etag, _, _), .notModified(let etag): etag
            case .failed: nil
            }
        }
    }

    static func outcome(
        _ derive: Derive, _ path: String, accept: String? = nil, ifNoneMatch: String? = nil
    ) async -> Outcome {
        do {
            let delivery = try await derive.deliver(
                path: path, hints: ClientHints(accept: accept, dprHeader: nil, widthHeader: nil),
                ifNoneMatch: ifNoneMatch)
            let etag = delivery.result.etag
            switch delivery.body {
            case nil: return .notModified(etag: etag)
            case .bytes(let bytes)?: return .image(etag: etag, format: delivery.result.format.rawValue, bytes: bytes)
            case .buffer(let buffer)?:
                return .image(
                    etag: etag, format: delivery.result.format.rawValue, bytes: Array(buffer.readableBytesView))
            case .stored(let reader)?:
                var bytes = [UInt8](repeating: 0, count: reader.length)
                var offset = 0
                while offset < reader.length {
                    let count = try bytes.withUnsafeMutableBytes { raw in
                        try reader.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw[offset...]))
                    }
                    if count == 0 { break }
                    offset += count
                }
                return .image(etag: etag, format: delivery.result.format.rawValue, bytes: bytes)
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// A cached `Derive` and an uncached one on the same data directory (two catalog connections
    /// pools, as two processes would have), plus a third that makes the changes.
    struct Trio {
        let cached: Derive
        let reference: Derive
        let other: Derive

        /// Asks `path` twice of the cached instance (the second answer comes from memory) and
        /// checks both against the reference.
        func expectSame(
            _ path: String, accept: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
        ) async -> Outcome {
            let expected = await DeliveryCacheTests.outcome(reference, path, accept: accept)
            let before = cached.deliveryCacheStatistics.answeredFromMemory
            let first = await DeliveryCacheTests.outcome(cached, path, accept: accept)
            let second = await DeliveryCacheTests.outcome(cached, path, accept: accept)
            #expect(first == expected, "first answer of \(path)", sourceLocation: sourceLocation)
            #expect(second == expected, "second answer of \(path)", sourceLocation: sourceLocation)
            if case .image = expected {
                #expect(
                    cached.deliveryCacheStatistics.answeredFromMemory > before,
                    "a repeated request for \(path) is answered from memory", sourceLocation: sourceLocation)
            }
            return expected
        }
    }

    static func withTrio(
        configure: @escaping (inout Configuration) -> Void = { _ in }, _ body: (Trio) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derive-dc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        func open(cache: Bool) async throws -> Derive {
            var configuration = Configuration(dataDirectory: directory)
            configuration.renderThreads = 1
            configuration.lifecycle.deliverNotificationURLs = false
            configure(&configuration)
            if !cache {
                configuration.deliveryCache.maxURLs = 0
                configuration.deliveryCache.maxBlobBytes = 0
                configuration.deliveryCache.maxSourceBytes = 0
            }
            return try await Derive.open(configuration)
        }
        let trio = Trio(
            cached: try await open(cache: true), reference: try await open(cache: false),
            other: try await open(cache: false))
        do {
            try await body(trio)
        } catch {
            for derive in [trio.cached, trio.reference, trio.other] { await derive.shutdown() }
            throw error
        }
        for derive in [trio.cached, trio.reference, trio.other] { await derive.shutdown() }
    }

    static let photo = LifecycleFixture.image("photo_coffee.png")
    static let logo = LifecycleFixture.image("alpha_logo_skimage.png")
    static let fill = "/demo/image/upload/c_fill,w_120,h_80/shop/item.jpg"

    @Test func overwriteAndDeleteByAnotherInstanceAreSeenAtOnce() async throws {
        try await Self.withTrio { trio in
            try await trio.other.upload(Self.photo, publicID: "shop/item")
            let first = await trio.expectSame(Self.fill)
            try await trio.other.upload(Self.logo, publicID: "shop/item")
            let second = await trio.expectSame(Self.fill)
            #expect(first.etag != nil && second.etag != nil && first != second, "the overwrite changed the image")
            try await trio.other.delete(publicID: "shop/item")
            let gone = await trio.expectSame(Self.fill)
            #expect(gone == .failed("\(DeriveError.notFound("shop/item"))"))
        }
    }

    @Test func derivativeDeletesRenderAgain() async throws {
        try await Self.withTrio { trio in
            try await trio.other.upload(Self.photo, publicID: "shop/item")
            _ = await trio.expectSame(Self.fill)
            // The cached instance asks first now: it must render, not answer the deleted one.
            let details = try #require(try await trio.other.resource(publicID: "shop/item"))
            _ = try await trio.other.deleteDerivedResources(ids: details.derived.map(\.id))
            let renders = trio.cached.renderCount
            _ = await Self.outcome(trio.cached, Self.fill)
            #expect(trio.cached.renderCount == renders + 1, "the deleted derivative was rendered again")
            _ = await trio.expectSame(Self.fill)
            var options = DeleteOptions()
            options.keepOriginal = true
            _ = try await trio.other.deleteResources(publicIDs: ["shop/item"], options: options)
            _ = await Self.outcome(trio.cached, Self.fill)
            #expect(trio.cached.renderCount == renders + 2, "derivatives deleted with keep_original render again")
            _ = await trio.expectSame(Self.fill)
        }
    }

    @Test func namedTransformationChangesAreSeen() async throws {
        try await Self.withTrio { trio in
            try await trio.other.upload(Self.photo, publicID: "shop/item")
            try await trio.other.createNamedTransformation("card", definition: "c_fill,w_100,h_100")
            let path = "/demo/image/upload/t_card/shop/item.jpg"
            let before = await trio.expectSame(path)
            try await trio.other.updateNamedTransformation("card", definition: "c_fill,w_60,h_40")
            _ = await trio.expectSame(path)
            try await trio.other.updateNamedTransformation("card", definition: "c_fill,w_50,h_50", deleteDerived: true)
            let after = await trio.expectSame(path)
            #expect(before != after)
            try await trio.other.deleteNamedTransformation("card")
            let gone = await trio.expectSame(path)
            #expect(gone.etag == nil, "a deleted named transformation no longer delivers: \(gone)")
        }
    }

    @Test func defaultImageGivesWayWhenTheOriginalArrives() async throws {
        try await Self.withTrio { trio in
            try await trio.other.upload(Self.logo, publicID: "placeholder")
            let path = "/demo/image/upload/d_placeholder.png,c_fill,w_50,h_50/shop/late.png"
            let fallback = await trio.expectSame(path)
            try await trio.other.upload(Self.photo, publicID: "shop/late")
            let real = await trio.expectSame(path)
            #expect(fallback.etag != nil && real.etag != nil && fallback != real)
        }
    }

    @Test func uploadsOfNewIdsKeepOtherAnswersInMemoryButEndDefaultImages() async throws {
        try await Self.withTrio { trio in
            try await trio.other.upload(Self.photo, publicID: "shop/item")
            try await trio.other.upload(Self.logo, publicID: "placeholder")
            let fallbackPath = "/demo/image/upload/d_placeholder.png,c_fill,w_50,h_50/shop/later.png"
            _ = await trio.expectSame(Self.fill)
            let fallback = await trio.expectSame(fallbackPath)
            // Another process uploads an unrelated new id: the fill is still answered from memory.
            try await trio.other.upload(Self.logo, publicID: "unrelated")
            let before = trio.cached.deliveryCacheStatistics
            _ = await trio.expectSame(Self.fill)
            #expect(trio.cached.deliveryCacheStatistics.computed == before.computed, "no catalog query for the fill")
            // The default image's answer depended on `shop/later` missing: it is computed again,
            // and once `shop/later` arrives it gives way.
            _ = await Self.outcome(trio.cached, fallbackPath)
            #expect(trio.cached.deliveryCacheStatistics.computed > before.computed)
            try await trio.other.upload(Self.photo, publicID: "shop/later")
            let real = await trio.expectSame(fallbackPath)
            #expect(fallback != real && real.etag != nil)
        }
    }

    @Test func formatNegotiationAndConditionalRequestsFromMemory() async throws {
        try await Self.withTrio { trio in
            try await trio.other.upload(Self.photo, publicID: "shop/item")
            let path = "/demo/image/upload/f_auto,c_fill,w_90,h_60/shop/item"
            let webp = await trio.expectSame(path, accept: "image/webp,*/*")
            let fallback = await trio.expectSame(path, accept: "image/jpeg")
            guard case .image(let etag, "webp", _) = webp, case .image(_, let other, _) = fallback else {
                Issue.record("f_auto answered \(webp) and \(fallback)")
                return
            }
            #expect(other != "webp")
            let answered = trio.cached.deliveryCacheStatistics.answeredFromMemory
            let conditional = await Self.outcome(trio.cached, path, accept: "image/webp", ifNoneMatch: etag)
            #expect(conditional == .notModified(etag: etag))
            #expect(trio.cached.deliveryCacheStatistics.answeredFromMemory == answered + 1)
        }
    }

    @Test func largeImagesAreStreamedNotHeld() async throws {
        try await Self.withTrio(configure: { $0.deliveryCache.maxBlobSize = 1_000 }) { trio in
            try await trio.other.upload(Self.photo, publicID: "shop/item")
            let path = "/demo/image/upload/c_fill,w_300,h_300/shop/item.png"
            _ = await trio.expectSame(path)
            let delivery = try await trio.cached.deliver(path: path, hints: ClientHints())
            guard case .stored(let reader)? = delivery.body else {
                Issue.record("a \(delivery.contentLength)-byte image over the 1,000-byte limit was not streamed")
                return
            }
            #expect(reader.length > 1_000)
        }
    }

    @Test func theGenerationAdvancesWithEveryChangeButNotWithNewDerivatives() async throws {
        try await LifecycleFixture.with { fixture in
            let start = try #require(try fixture.catalog.deliveryGeneration())
            try await fixture.derive.upload(Self.photo, publicID: "a")
            let uploaded = try #require(try fixture.catalog.deliveryGeneration())
            #expect(uploaded.creations > start.creations && uploaded.changes == start.changes, "a new id is a creation")
            _ = try await fixture.derive.render(publicID: "a", transformation: "w_40", format: "jpg")
            #expect(try fixture.catalog.deliveryGeneration() == uploaded, "a new derivative changes no answer")
            try await fixture.derive.upload(Self.photo, publicID: "a", overwrite: false)
            #expect(try fixture.catalog.deliveryGeneration() == uploaded, "keeping the existing changes nothing")
            try await fixture.derive.upload(Self.photo, publicID: "a")
            let overwritten = try #require(try fixture.catalog.deliveryGeneration())
            #expect(overwritten.changes > uploaded.changes && overwritten.creations == uploaded.creations)
            try await fixture.derive.updateTags(.add, tags: ["x"], publicIDs: ["a"])
            let tagged = try #require(try fixture.catalog.deliveryGeneration())
            #expect(tagged.changes > overwritten.changes)
            try await fixture.derive.delete(publicID: "a")
            #expect(try #require(try fixture.catalog.deliveryGeneration()).changes > tagged.changes)
        }
    }
}
