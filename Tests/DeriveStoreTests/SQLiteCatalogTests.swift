import DeriveStore
import Foundation
import Testing

@Suite struct SQLiteCatalogTests {
    let directory = TemporaryDirectory()

    func catalog() throws -> SQLiteCatalog {
        try SQLiteCatalog(path: directory.url.appendingPathComponent("catalog.sqlite").path)
    }

    func resource(_ id: String, version: Int = 100, blob: String = String(repeating: "a", count: 64)) -> ResourceRecord
    {
        ResourceRecord(
            key: ResourceKey(publicID: id), version: version, blob: blob, format: "jpg", width: 40, height: 30,
            bytes: 1234, createdAt: Date())
    }

    func derivative(of record: ResourceRecord, _ transformation: String, blob: String) -> DerivativeRecord {
        DerivativeRecord(
            key: record.key, version: record.version, transformation: transformation, format: "jpg", blob: blob,
            bytes: 10, width: 4, height: 3, renderer: "test", createdAt: Date())
    }

    @Test func derivativesAreKeyedByVersionTransformationAndFormat() async throws {
        let catalog = try catalog()
        let original = try await catalog.saveResource(resource("cat"), overwrite: true).stored
        let blob = String(repeating: "b", count: 64)
        let first = try await catalog.insertDerivative(derivative(of: original, "c_fill,h_2,w_3", blob: blob))
        let again = try await catalog.insertDerivative(derivative(of: original, "c_fill,h_2,w_3", blob: blob))
        #expect(first.id == again.id)
        #expect(first.id.count == 32)
        #expect(try await catalog.derivatives(of: original.key).count == 1)
        let found = try await catalog.derivative(
            original.key, version: original.version, transformation: "c_fill,h_2,w_3", format: "jpg")
        #expect(found?.blob == blob)
        #expect(
            try await catalog.derivative(
                original.key, version: original.version, transformation: "c_fill,h_2,w_3", format: "png") == nil)
    }

    @Test func overwriteMakesAStrictlyNewerVersionAndDropsOldDerivatives() async throws {
        let catalog = try catalog()
        let original = try await catalog.saveResource(resource("cat", version: 500), overwrite: true).stored
        _ = try await catalog.insertDerivative(
            derivative(of: original, "w_10", blob: String(repeating: "c", count: 64)))
        let outcome = try await catalog.saveResource(
            resource("cat", version: 500, blob: String(repeating: "d", count: 64)), overwrite: true)
        #expect(outcome.stored.version == 501)
        #expect(outcome.replaced?.version == 500)
        #expect(outcome.removedDerivatives.map(\.transformation) == ["w_10"])
        #expect(outcome.releasedBlobs == [String(repeating: "a", count: 64), String(repeating: "c", count: 64)])
        #expect(try await catalog.derivatives(of: original.key).isEmpty)
    }

    @Test func noOverwriteKeepsTheExistingOriginal() async throws {
        let catalog = try catalog()
        _ = try await catalog.saveResource(resource("cat", version: 7), overwrite: true)
        let outcome = try await catalog.saveResource(
            resource("cat", version: 9, blob: String(repeating: "e", count: 64)), overwrite: false)
        #expect(outcome.keptExisting)
        #expect(outcome.stored.version == 7)
        #expect(try await catalog.resource(ResourceKey(publicID: "cat"))?.blob == String(repeating: "a", count: 64))
    }

    @Test func aDerivativeOfAReplacedVersionIsRefused() async throws {
        let catalog = try catalog()
        let old = try await catalog.saveResource(resource("cat", version: 1), overwrite: true).stored
        _ = try await catalog.saveResource(resource("cat", version: 2), overwrite: true)
        await #expect(throws: StoreError.resourceGone(old.key, version: 1)) {
            try await catalog.insertDerivative(derivative(of: old, "w_1", blob: String(repeating: "f", count: 64)))
        }
    }

    @Test func deleteCascadesToEveryDerivative() async throws {
        let catalog = try catalog()
        let original = try await catalog.saveResource(resource("dog"), overwrite: true).stored
        let shared = String(repeating: "9", count: 64)
        for width in 1...5 {
            _ = try await catalog.insertDerivative(derivative(of: original, "w_\(width)", blob: shared))
        }
        let deleted = try #require(try await catalog.deleteResource(original.key))
        #expect(deleted.derivatives.count == 5)
        #expect(deleted.releasedBlobs == [original.blob, shared])
        #expect(try await catalog.resource(original.key) == nil)
        #expect(try await catalog.derivatives(of: original.key).isEmpty)
        #expect(try await catalog.referencedBlobs().isEmpty)
        #expect(try await !catalog.isReferenced(shared))
        #expect(try await catalog.deleteResource(original.key) == nil)
    }

    @Test func theCatalogSurvivesReopening() async throws {
        do {
            let catalog = try catalog()
            _ = try await catalog.saveResource(resource("persisted"), overwrite: true)
        }
        let reopened = try catalog()
        #expect(try await reopened.resource(ResourceKey(publicID: "persisted"))?.width == 40)
    }
}
