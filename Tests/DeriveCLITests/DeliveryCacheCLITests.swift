import Derive
import DeriveRender
import Foundation
import Testing

/// A delivering process remembers answers in memory; changes made by another process (the CLI)
/// on the same catalog must be seen by its very next request.
@Suite struct DeliveryCacheCLITests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("derive-dcc-\(UUID().uuidString)")

    func run(_ arguments: [String]) async throws {
        let result = try await CLI.run(arguments + ["--data", data.path])
        #expect(result.status == 0, "derive \(arguments.joined(separator: " ")): \(result.stderr)")
    }

    /// ETag and whether it was rendered now, or the error.
    func deliver(_ derive: Derive, _ path: String) async -> (etag: String, hit: Bool)? {
        guard let delivery = try? await derive.deliver(path: path, hints: ClientHints()) else { return nil }
        return (delivery.result.etag, delivery.result.hit)
    }

    @Test func changesByTheCLIAreSeenByTheNextDelivery() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        try await run(["upload", CLI.image("photo_coffee.png"), "--public-id", "item"])
        try await run(["transformation", "create", "card", "c_fill,w_80,h_80"])
        var configuration = Configuration(dataDirectory: data)
        configuration.renderThreads = 1
        configuration.lifecycle.deliverNotificationURLs = false
        let derive = try await Derive.open(configuration)
        do {
            try await exercise(derive)
        } catch {
            await derive.shutdown()
            throw error
        }
        await derive.shutdown()
    }

    private func exercise(_ derive: Derive) async throws {
        let fill = "/demo/image/upload/c_fill,w_100,h_100/item.jpg"
        let named = "/demo/image/upload/t_card/item.jpg"

        let first = try #require(await deliver(derive, fill))
        let again = try #require(await deliver(derive, fill))
        #expect(again.etag == first.etag && again.hit)
        let fromMemory = derive.deliveryCacheStatistics.answeredFromMemory
        #expect(fromMemory >= 1, "the repeated request came from memory")

        // Derivatives deleted by another process: rendered again, not served from memory.
        let details = try #require(try await derive.resource(publicID: "item"))
        try await run(["delete", "--derived"] + details.derived.map(\.id))
        let rerendered = try #require(await deliver(derive, fill))
        #expect(!rerendered.hit, "the derivative deleted by the CLI was rendered again")

        // Overwritten by another process: the new image.
        try await run(["upload", CLI.image("alpha_logo_skimage.png"), "--public-id", "item"])
        let overwritten = try #require(await deliver(derive, fill))
        #expect(overwritten.etag != first.etag && !overwritten.hit)

        // A named transformation changed by another process (deleting what it rendered).
        let card = try #require(await deliver(derive, named))
        _ = await deliver(derive, named)
        try await run(["transformation", "update", "card", "--definition", "c_fill,w_40,h_40", "--delete-derived"])
        let newCard = try #require(await deliver(derive, named))
        #expect(newCard.etag != card.etag && !newCard.hit)

        // Deleted by another process: gone at once.
        _ = await deliver(derive, fill)
        try await run(["delete", "item"])
        #expect(await deliver(derive, fill) == nil, "a deleted original is not delivered from memory")
        #expect(await deliver(derive, named) == nil)
    }
}
