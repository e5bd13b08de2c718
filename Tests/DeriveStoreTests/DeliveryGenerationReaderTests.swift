import Foundation
import GRDBSQLite
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

    @Test func noWALIndexMeansNoMapping() throws {
        // A database in rollback-journal mode has no shared index, and asking must not make one.
        let plain = directory.url.appendingPathComponent("plain.sqlite").path
        var connection: OpaquePointer?
        #expect(sqlite3_open_v2(plain, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK)
        defer { sqlite3_close(connection) }
        let setUp = "PRAGMA journal_mode = DELETE; CREATE TABLE t (x); INSERT INTO t VALUES (1)"
        #expect(sqlite3_exec(connection, setUp, nil, nil, nil) == SQLITE_OK)
        #expect(WALIndexMapping(connection: try #require(connection)) == nil)
        #expect(!FileManager.default.fileExists(atPath: plain + "-shm"))
    }

    /// POSIX locks belong to the process: closing any descriptor of the `-shm` file drops SQLite's
    /// hold on it, and another process then truncates the index under the mapping (the server died
    /// of SIGBUS in the soak test when the reader opened and closed the file itself). Another
    /// process must still see this one's "DMS" lock (byte 128) once the reader is set up.
    @Test func theIndexIsTakenWithoutDroppingSQLitesLocks() throws {
        let catalog = try SQLiteCatalog(path: path)
        _ = try catalog.deliveryGeneration()
        let probe = """
            import fcntl, os, struct, sys
            fd = os.open(sys.argv[1], os.O_RDWR)
            request = struct.pack("hhqqixxxx", fcntl.F_WRLCK, os.SEEK_SET, 128, 1, 0)
            answer = fcntl.fcntl(fd, fcntl.F_GETLK, request)
            print("free" if struct.unpack("hhqqixxxx", answer)[0] == fcntl.F_UNLCK else "held")
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", probe, path + "-shm"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(answer.trimmingCharacters(in: .whitespacesAndNewlines) == "held")
        withExtendedLifetime(catalog) {}
    }
}

/// A flag set once, read from other tasks.
private final class ManagedFlag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}
