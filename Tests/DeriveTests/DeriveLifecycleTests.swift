import Derive
import DeriveStore
import Foundation
import Testing

/// A `Derive` on a fresh data directory, removed afterwards.
final class DeriveFixture: Sendable {
    let directory: URL
    let derive: Derive

    /// Runs `body` with a fresh fixture and always cleans up.
    static func with(_ body: (DeriveFixture) async throws -> Void) async throws {
        let fixture = try await DeriveFixture()
        do {
            try await body(fixture)
            await fixture.close()
        } catch {
            await fixture.close()
            throw error
        }
    }

    private init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "derive-test-\(UUID().uuidString)")
        var configuration = Configuration(dataDirectory: directory)
        configuration.renderThreads = 2
        derive = try await Derive.open(configuration)
    }

    func close() async {
        await derive.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Blob files on disk.
    var blobFiles: [String] {
        let root = directory.appendingPathComponent("blobs").path
        let walker = FileManager.default.enumerator(atPath: root)
        return (walker?.allObjects as? [String] ?? []).filter { $0.split(separator: "/").count == 3 }
    }

    static func image(_ name: String) -> [UInt8] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TestImages")
        return [UInt8](FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)!)
    }
}

@Suite struct DeriveLifecycleTests {
    @Test func uploadRenderHitAndCascadeDelete() async throws {
        try await DeriveFixture.with { fixture in
            let derive = fixture.derive
            let upload = try await derive.upload(
                DeriveFixture.image("photo_coffee.png"), publicID: "folder/coffee")
            #expect(
                upload.resource.width == 600 && upload.resource.height == 400
                    && upload.resource.format == "png")

            let first = try await derive.render(
                publicID: "folder/coffee", transformation: "w_300,c_fill,h_200", format: "jpg")
            #expect(!first.hit && first.contentType == "image/jpeg")
            let second = try await derive.render(
                publicID: "folder/coffee", transformation: "c_fill,h_200,w_300", format: "jpg")
            #expect(second.hit && second.bytes == first.bytes && second.etag == first.etag)
            #expect(derive.renderCount == 1)
            _ = try await derive.render(
                publicID: "folder/coffee", transformation: "c_fill,h_200,w_300", format: "webp")
            #expect(fixture.blobFiles.count == 3)

            let details = try #require(try await derive.resource(publicID: "folder/coffee"))
            #expect(
                details.derived.map(\.transformation) == ["c_fill,h_200,w_300", "c_fill,h_200,w_300"])
            #expect(Set(details.derived.map(\.format)) == ["jpg", "webp"])

            let deleted = try #require(try await derive.delete(publicID: "folder/coffee"))
            #expect(deleted.derivatives.count == 2)
            #expect(fixture.blobFiles.isEmpty)
            await #expect(throws: DeriveError.self) {
                try await derive.render(publicID: "folder/coffee", transformation: "w_10", format: "jpg")
            }
        }
    }

    @Test func identicalOutputsShareOneBlob() async throws {
        try await DeriveFixture.with { fixture in
            let bytes = DeriveFixture.image("photo_coffee.png")
            try await fixture.derive.upload(bytes, publicID: "a")
            try await fixture.derive.upload(bytes, publicID: "b")
            let a = try await fixture.derive.render(publicID: "a", transformation: "w_60", format: "png")
            let b = try await fixture.derive.render(publicID: "b", transformation: "w_60", format: "png")
            #expect(a.blob == b.blob)
            #expect(fixture.blobFiles.count == 2)  // one original, one derivative
            try await fixture.derive.delete(publicID: "a")
            #expect(fixture.blobFiles.count == 2)  // b still needs both
            try await fixture.derive.delete(publicID: "b")
            #expect(fixture.blobFiles.isEmpty)
        }
    }

    @Test func concurrentIdenticalRequestsRenderOnce() async throws {
        try await DeriveFixture.with { fixture in
            try await fixture.derive.upload(
                DeriveFixture.image("photo_1600_progressive.jpg"), publicID: "p")
            let derive = fixture.derive
            let etags = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        try await derive.render(
                            publicID: "p", transformation: "c_fill,w_64,h_64", format: "jpg"
                        ).etag
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(etags.count == 1)
            #expect(derive.renderCount == 1)
        }
    }

    @Test func overwriteMakesANewVersionAndDropsOldDerivatives() async throws {
        try await DeriveFixture.with { fixture in
            let derive = fixture.derive
            let v1 = try await derive.upload(DeriveFixture.image("photo_coffee.png"), publicID: "x")
                .resource
            _ = try await derive.render(publicID: "x", transformation: "w_50", format: "jpg")
            let v2 = try await derive.upload(DeriveFixture.image("photo_chelsea.png"), publicID: "x")
            #expect(v2.overwritten && v2.resource.version > v1.version)
            #expect(try await derive.resource(publicID: "x")?.derived.isEmpty == true)
            #expect(fixture.blobFiles.count == 1)
            let kept = try await derive.upload(
                DeriveFixture.image("photo_coffee.png"), publicID: "x", overwrite: false)
            #expect(kept.existing && kept.resource.version == v2.resource.version)
            #expect(fixture.blobFiles.count == 1)
        }
    }

    @Test(arguments: ["", "/abs", "a//b", "../etc/passwd", "a/./b", "a\u{0}b", "trailing/"])
    func pathTricksInPublicIDsAreRefused(id: String) async throws {
        try await DeriveFixture.with { fixture in
            await #expect(throws: DeriveError.self) {
                try await fixture.derive.upload(DeriveFixture.image("tiny_1x1.png"), publicID: id)
            }
        }
    }

    @Test func hostileUploadsAreRefusedAndNothingIsStored() async throws {
        try await DeriveFixture.with { fixture in
            for name in [
                "broken_zero_bytes.jpg", "broken_not_an_image.jpg", "bomb_50000x50000_header_only.png",
            ] {
                await #expect(throws: DeriveError.self) {
                    try await fixture.derive.upload(DeriveFixture.image(name), publicID: "bad")
                }
            }
            #expect(fixture.blobFiles.isEmpty)
            let stored = try await fixture.derive.resource(publicID: "bad")
            #expect(stored == nil)
        }
    }
}
