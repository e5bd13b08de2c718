import DeriveRender
import Foundation
import Testing

@testable import Derive

/// Originals kept opened for rendering (`SourceCache`) must change no answer: renders after an
/// overwrite or a delete by another instance are what an instance without the cache gives.
@Suite struct SourceCacheTests {
    static let photo = LifecycleFixture.image("photo_coffee.png")
    static let logo = LifecycleFixture.image("alpha_logo_skimage.png")

    /// Runs `body` with an instance that keeps opened originals, one that keeps none, and a third
    /// that makes the changes, all on one data directory.
    static func withInstances(_ body: (Derive, Derive, Derive) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derive-sc-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        func open(sourceCacheBytes: Int) async throws -> Derive {
            var configuration = Configuration(dataDirectory: directory)
            configuration.renderThreads = 1
            configuration.lifecycle.deliverNotificationURLs = false
            configuration.deliveryCache.maxURLs = 0
            configuration.deliveryCache.maxBlobBytes = 0
            configuration.deliveryCache.maxSourceBytes = sourceCacheBytes
            return try await Derive.open(configuration)
        }
        let instances = [
            try await open(sourceCacheBytes: 32 << 20), try await open(sourceCacheBytes: 0),
            try await open(sourceCacheBytes: 0),
        ]
        do {
            try await body(instances[0], instances[1], instances[2])
        } catch {
            for derive in instances { await derive.shutdown() }
            throw error
        }
        for derive in instances { await derive.shutdown() }
    }

    static func render(_ derive: Derive, _ transformation: String) async -> String {
        do {
            let delivery = try await derive.deliver(
                path: "/demo/image/upload/\(transformation)/item.png",
                hints: ClientHints(accept: nil, dprHeader: nil, widthHeader: nil))
            return delivery.result.etag
        } catch {
            return "\(error)"
        }
    }

    @Test func rendersAfterOverwriteAndDeleteMatchAnInstanceWithoutIt() async throws {
        try await Self.withInstances { cached, uncached, other in
            let first = try await other.upload(Self.photo, publicID: "item").resource.blob
            #expect(await Self.render(cached, "w_40") == Self.render(uncached, "w_40"))
            #expect(cached.sourceCache.source(first) != nil, "the original is kept opened after its first render")
            #expect(uncached.sourceCache.source(first) == nil, "a zero-sized cache keeps nothing")
            // A second variant of the same original renders from the kept one, to the same bytes.
            #expect(await Self.render(cached, "w_30") == Self.render(uncached, "w_30"))

            let second = try await other.upload(Self.logo, publicID: "item").resource.blob
            #expect(second != first)
            let afterOverwrite = await Self.render(cached, "w_20")
            #expect(afterOverwrite == (await Self.render(uncached, "w_20")), "the overwrite's bytes are rendered")
            #expect(cached.sourceCache.source(second) != nil)

            try await other.delete(publicID: "item")
            #expect(await Self.render(cached, "w_10") == "\(DeriveError.notFound("item"))")
        }
    }
}
