import Foundation
import Synchronization
import Testing

@testable import DeriveStore

/// The delivery generation is read on every delivery request. While the wal-index header is
/// unchanged the kept value answers; any commit, by any connection, must still be seen at once.
@Suite struct DeliveryGenerationReaderTests {
    let directory = TemporaryDirectory()
    var path: String { directory.url.appendingPathComponent("catalog.sqlite").path }

    func record(_ id: String, version: Int) -> ResourceRecord {
        ResourceRecord(
            key: ResourceKey(publicID: id), version: version, blob: String(repeating: "b", count: 64), format: "jpg",
            width: 40, height: 30, bytes: 1234, createdAt: Date())
    }

    @Test func anUnchangedHeaderAnswersWithoutReadingTheDatabase() async throws {
        let catalog = try SQLiteCatalog(path: path)
        _ = try await catalog.saveResource(record("a", version: 1), overwrite: true)
        let first = try #require(try catalog.deliveryGeneration())
        let reads = catalog.deliveryGenerationDatabaseReads
        for _ in 0..<1_000 { #expect(try catalog.deliveryGeneration() == first) }
        #expect(catalog.deliveryGenerationDatabaseReads == reads, "no commit, no read")
    }

    /// Two catalogs on one file: two sets of connections, as two processes have.
    @Test func commitsThroughAnotherConnectionAreSeenByTheNextRead() async throws {
        let server = try SQLiteCatalog(path: path)
        let other = try SQLiteCatalog(path: path)
        let start = try #require(try server.deliveryGeneration())

        _ = try await other.saveResource(record("a", version: 1), overwrite: true)
        let created = try #require(try server.deliveryGeneration())
        #expect(created.creations > start.creations, "a new id, committed elsewhere")

        _ = try await other.saveResource(record("a", version: 2), overwrite: true)
        let overwritten = try #require(try server.deliveryGeneration())
        #expect(overwritten.changes > created.changes, "an overwrite, committed elsewhere")

        // A commit that does not move the generation (a new derivative) costs one read, then the
        // header answers again.
        let derivative = DerivativeRecord(
            key: ResourceKey(publicID: "a"), version: 2, transformation: "w_10", format: "jpg",
            blob: String(repeating: "c", count: 64), bytes: 10, width: 10, height: 8, renderer: "test",
            createdAt: Date())
        _ = try await other.insertDerivative(derivative)
        let reads = server.deliveryGenerationDatabaseReads
        #expect(try server.deliveryGeneration() == overwritten)
        #expect(try server.deliveryGeneration() == overwritten)
        #expect(server.deliveryGenerationDatabaseReads == reads + 1)
    }

    /// Readers racing a writer: once an overwrite's commit has returned, no read may give a
    /// generation from before it.
    @Test func readsRacingCommitsNeverGoBack() async throws {
        let server = try SQLiteCatalog(path: path)
        let writer = try SQLiteCatalog(path: path)
        _ = try await writer.saveResource(record("a", version: 1), overwrite: true)
        let stop = ManagedFlag()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    var last: Int64 = 0
                    while !stop.isSet {
                        let now = try #require(try server.deliveryGeneration()).changes
                        #expect(now >= last, "a reader saw the generation go back")
                        last = now
                        await Task.yield()
                    }
                }
            }
            for version in 2...200 {
                _ = try await writer.saveResource(record("a", version: version), overwrite: true)
                let committed = try #require(try writer.deliveryGeneration()).changes
                #expect(try #require(try server.deliveryGeneration()).changes >= committed)
            }
            stop.set()
            try await group.waitForAll()
        }
    }

    @Test func noSharedIndexMeansNoMapping() throws {
        #expect(WALIndexMapping(databasePath: directory.url.appendingPathComponent("missing.sqlite").path) == nil)
        // A file too short to hold the headers (SQLite would rebuild it; we only read).
        let short = directory.url.appendingPathComponent("short.sqlite")
        try Data(repeating: 0, count: 64).write(to: URL(fileURLWithPath: short.path + "-shm"))
        #expect(WALIndexMapping(databasePath: short.path) == nil)
        // Long enough but never initialised by SQLite.
        let blank = directory.url.appendingPathComponent("blank.sqlite")
        try Data(repeating: 0, count: 32_768).write(to: URL(fileURLWithPath: blank.path + "-shm"))
        #expect(WALIndexMapping(databasePath: blank.path) == nil)
    }
}

/// A flag set once, read from other tasks.
private final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
