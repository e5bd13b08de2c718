import GRDBSQLite
import Synchronization

/// Reads the catalog's delivery generation (schema v6) on a connection of its own, through the
/// SQLite C API with one statement prepared once: the check a delivery cache makes on every
/// request, so it must cost microseconds. GRDB's pool would compile the SQL through its
/// authorizer and hop through a dispatch queue for each read (measured: a third of a hit's CPU).
///
/// A read in WAL mode sees every transaction committed before it starts, by any connection of any
/// process, so a value read after a commit returned is at least that commit's.
final class DeliveryGenerationReader: Sendable {
    private struct Handles: @unchecked Sendable {
        // Only touched with the mutex held.
        var connection: OpaquePointer?
        var statement: OpaquePointer?
    }

    private let handles: Mutex<Handles>

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
        handles = Mutex(Handles(connection: connection, statement: statement))
    }

    deinit {
        handles.withLock { handles in
            sqlite3_finalize(handles.statement)
            sqlite3_close(handles.connection)
        }
    }

    /// The current generation.
    func read() throws(StoreError) -> DeliveryGeneration {
        let outcome: Result<DeliveryGeneration, StoreError> = handles.withLock { handles in
            let statement = handles.statement
            defer { sqlite3_reset(statement) }
            let code = sqlite3_step(statement)
            guard code == SQLITE_ROW else {
                let reason = String(cString: sqlite3_errmsg(handles.connection))
                return .failure(.database("reading the delivery generation: \(reason) (\(code))"))
            }
            return .success(
                DeliveryGeneration(
                    changes: sqlite3_column_int64(statement, 0), creations: sqlite3_column_int64(statement, 1)))
        }
        return try outcome.get()
    }
}
