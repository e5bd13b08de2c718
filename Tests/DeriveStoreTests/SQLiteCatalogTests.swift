import Foundation
import Testing

@testable import DeriveStore

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

    /// The README promises that an acknowledged change survives a power loss: the connection that
    /// commits must run `synchronous = FULL` (GRDB's WAL set-up would leave it at NORMAL).
    @Test func theWriterCommitsDurably() throws {
        #expect(try catalog().writerSynchronousMode() == 2)
    }

    /// Derivative inserts commit with NORMAL (they can be rendered again); the writer must be FULL
    /// again afterwards, also after a failed insert.
    @Test func theWriterIsDurableAgainAfterDerivativeInserts() async throws {
        let catalog = try catalog()
        let original = try await catalog.saveResource(resource("cat"), overwrite: true).stored
        let blob = String(repeating: "b", count: 64)
        _ = try await catalog.insertDerivative(derivative(of: original, "w_3", blob: blob))
        #expect(try catalog.writerSynchronousMode() == 2)
        var gone = derivative(of: original, "w_4", blob: blob)
        gone.version += 1
        await #expect(throws: StoreError.self) { try await catalog.insertDerivative(gone) }
        #expect(try catalog.writerSynchronousMode() == 2)
        #expect(try await catalog.derivatives(of: original.key).map(\.transformation) == ["w_3"])
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

    /// Deletes that select derivatives by id or by named transformation read rows of several
    /// originals interleaved; each original's list must still come back whole, in creation order.
    @Test func deletedDerivativesOfInterleavedOriginalsComeBackPerOriginalInCreationOrder() async throws {
        let catalog = try catalog()
        try await catalog.createNamedTransformation(
            NamedTransformationRecord(
                name: "thumb", definition: "w_10", allowedForStrict: true, createdAt: Date(), updatedAt: Date()))
        let originals = [
            try await catalog.saveResource(resource("a"), overwrite: true).stored,
            try await catalog.saveResource(resource("b"), overwrite: true).stored,
        ]
        var created: [String: [String]] = [:]
        for width in (1...6).reversed() {  // creation order differs from transformation order
            for original in originals {
                let blob = String(format: "%064x", width * 10 + (original.key.publicID == "a" ? 1 : 2))
                let stored = try await catalog.insertDerivative(
                    derivative(of: original, "t_thumb/w_\(width)", blob: blob), namedTransformations: ["thumb"],
                    recorder: recordNothing)
                created[original.key.publicID, default: []].append(stored.id)
            }
        }
        // By id: the first two of each original, asked for in scrambled order.
        let someIDs = [created["b"]![1], created["a"]![0], created["b"]![0], created["a"]![1]]
        let byID = try await catalog.deleteDerivatives(ids: someIDs, recorder: recordNothing)
        #expect(Set(byID.map(\.id)) == Set(someIDs))
        // By named transformation: the rest, rows selected by `seq` (a and b alternate).
        let deleted = try #require(try await catalog.deleteNamedTransformation("thumb", recorder: recordNothing))
        #expect(deleted.deleted.map(\.key.publicID) == ["a", "b"])
        for deletion in deleted.deleted {
            #expect(deletion.derivatives.map(\.id) == Array(created[deletion.key.publicID]![2...]))
        }
        #expect(try await catalog.derivatives(of: originals[0].key).isEmpty)
        #expect(try await catalog.derivatives(of: originals[1].key).isEmpty)
    }

    /// A large batch's events are built on another thread while its rows are deleted; a recorder
    /// that fails there must still roll everything back, and one that succeeds must log its events.
    @Test func aBatchRecordedConcurrentlyCommitsOrRollsBackAsAWhole() async throws {
        struct Refused: Error {}
        let catalog = try catalog()
        let entries = (0..<100).map { n in
            let record = resource(String(format: "r%03d", n), blob: String(format: "%064x", n))
            return (
                record,
                (1...3).map { derivative(of: record, "w_\($0)", blob: String(format: "%064x", 1_000 + n * 3 + $0)) }
            )
        }
        try await catalog.importResources(entries)
        let keys = entries.map(\.0.key)
        #expect(100 + 300 >= SQLiteCatalog.concurrentRecordingThreshold)
        await #expect(throws: StoreError.self) {
            try await catalog.deleteResources(keys, keepOriginal: false, filter: nil) { _ in throw Refused() }
        }
        #expect(try await catalog.resources(keys).count == 100)
        #expect(try await catalog.derivatives(of: keys[99]).count == 3)
        #expect(try await catalog.lastEventSequence() == 0)

        let deleted = try await catalog.deleteResources(keys, keepOriginal: false, filter: nil) { changes in
            changes.map { EventDraft(kind: "delete", key: $0.resource.key, version: 100, payload: "{}") }
        }
        #expect(deleted.map(\.derivatives.count) == Array(repeating: 3, count: 100))
        #expect(try await catalog.resources(keys).isEmpty)
        let events = try await catalog.events(after: 0, limit: 500, notificationsOnly: false)
        #expect(events.map(\.key) == keys)
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
