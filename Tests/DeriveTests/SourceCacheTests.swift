import Testing

@testable import Derive

/// Originals kept opened for rendering (`SourceCache`) must change no answer: renders after an
/// overwrite or a delete by another instance are what an instance without the cache gives
/// (`DeliveryCacheTests.withTrio`: the cached instance has every cache, the other two none).
@Suite struct SourceCacheTests {
    static let photo = LifecycleFixture.image("photo_coffee.png")
    static let logo = LifecycleFixture.image("alpha_logo_skimage.png")

    static func render(_ derive: Derive, _ transformation: String) async -> DeliveryCacheTests.Outcome {
        await DeliveryCacheTests.outcome(derive, "/demo/image/upload/\(transformation)/item.png")
    }

    @Test func rendersAfterOverwriteAndDeleteMatchAnInstanceWithoutIt() async throws {
        try await DeliveryCacheTests.withTrio { trio in
            let (cached, uncached, other) = (trio.cached, trio.reference, trio.other)
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
            #expect(await Self.render(cached, "w_10") == .failed("\(DeriveError.notFound("item"))"))
        }
    }
}
