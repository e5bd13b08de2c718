import GRDBSQLite
import Synchronization

/// Reads the catalog's delivery generation (schema v6) on a connection of its own, through the
/// SQLite C API with one statement prepared once: the check a delivery cache makes on every
/// request, so it must cost microseconds. GRDB's pool would compile the SQL through its
/// authorizer and hop through a dispatch queue for each read (measured: a third of a hit's CPU).
///
/// A read in WAL mode sees every transaction committed before it starts, by any connection of any
/// process, so a value read after a commit returned is at least that commit's.
///
/// Most requests need no read at all: the value is kept with the wal-index header it was read at
/// (``WALIndexHeader``), and while the shared header is unchanged no transaction has committed
/// since, so the kept value is still the current one.
final class DeliveryGenerationReader: Sendable {
    private struct Handles: @unchecked Sendable {
        // Only touched with the mutex held.
        var connection: OpaquePointer?
        var statement: OpaquePointer?
    }

    private let handles: Mutex<Handles>
    private let index: WALIndexMapping?
    /// The last value read with the header it was read at.
    private let kept = Mutex<(header: WALIndexHeader, generation: DeliveryGeneration)?>(nil)
    /// Reads that went to the database (the rest were answered by an unchanged header).
    let databaseReads = Atomic<Int>(0)

    init(path: String) throws(StoreError) {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &connection, flags, nil) == SQLITE_OK, let connection else {
            let reason = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "out of memory"
            sqlite3_close(connection)
            throw .database("cannot open \(path) to read the delivery generation: \(reason)")
        }
        sqlite3_busy_timeout(connection, 10_000)
        var statement: OpaquePointer?
        let sql = """
            SELECT (SELECT value FROM catalog_counters WHERE name = 'delivery_generation'),
                (SELECT value FROM catalog_counters WHERE name = 'creation_generation')
            """
        guard sqlite3_prepare_v3(connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK
        else {
            let reason = String(cString: sqlite3_errmsg(connection))
            sqlite3_close(connection)
            throw .database("cannot prepare the delivery generation read: \(reason)")
        }
        // The index is taken after a first read, which builds it; a database that is not in WAL
        // mode has none. It is SQLite's mapping for this connection, closed only in deinit.
        let handles = Handles(connection: connection, statement: statement)
        do { _ = try Self.step(handles) } catch {
            sqlite3_finalize(statement)
            sqlite3_close(connection)
            throw error
        }
        self.handles = Mutex(handles)
        index = WALIndexMapping(connection: connection)
    }

    deinit {
        handles.withLock { handles in
            sqlite3_finalize(handles.statement)
            sqlite3_close(handles.connection)
        }
    }

    /// The current generation.
    func read() throws(StoreError) -> DeliveryGeneration {
        let before = index?.header()
        if let before, let kept = kept.withLock({ $0 }), kept.header == before { return kept.generation }
        databaseReads.add(1, ordering: .relaxed)
        let generation = try handles.withLock { handles throws(StoreError) in try Self.step(handles) }
        guard let index else { return generation }
        // Kept only when no commit came between the two looks at the header: the read then saw
        // exactly the state that header names.
        if let before, index.header() == before { kept.withLock { $0 = (before, generation) } }
        return generation
    }

    /// One read transaction; the caller holds the connection (the mutex, or sole ownership in init).
    private static func step(_ handles: Handles) throws(StoreError) -> DeliveryGeneration {
        let statement = handles.statement
        defer { sqlite3_reset(statement) }
        let code = sqlite3_step(statement)
        guard code == SQLITE_ROW else {
            let reason = String(cString: sqlite3_errmsg(handles.connection))
            throw .database("reading the delivery generation: \(reason) (\(code))")
        }
        return DeliveryGeneration(
            changes: sqlite3_column_int64(statement, 0), creations: sqlite3_column_int64(statement, 1))
    }
}
