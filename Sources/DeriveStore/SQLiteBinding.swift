import GRDB
import GRDBSQLite

/// Runs a prepared GRDB statement through the SQLite C API: bind, step, reset. For the inserts a
/// bulk delete makes by the hundred thousand (its events), where building `StatementArguments`
/// (one boxed value per column) cost as much as SQLite's own work. The statement stays GRDB's: it
/// is reset and its bindings cleared after use, and it runs inside GRDB's transaction.
struct SQLiteBinding {
    private let handle: OpaquePointer
    private let connection: OpaquePointer?

    /// `keepingArguments`: the statement's arguments were already set through GRDB.
    init(_ statement: Statement, in db: Database, keepingArguments: Bool = false) {
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
        sqlite3_reset(handle)
        if !keepingArguments { sqlite3_clear_bindings(handle) }
    }

    /// `sqlite3_bind_text` copies the bytes (SQLITE_TRANSIENT), so `value` need not outlive the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ index: Int32, _ value: String?) throws {
        guard var value else { return try check(sqlite3_bind_null(handle, index)) }
        try check(
            value.withUTF8 { utf8 in
                guard let base = utf8.baseAddress, !utf8.isEmpty else {
                    return sqlite3_bind_text(handle, index, "", 0, nil)
                }
                let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                return sqlite3_bind_text(handle, index, text, Int32(utf8.count), Self.transient)
            })
    }

    func bind(_ index: Int32, _ value: Int?) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index)) }
        try check(sqlite3_bind_int64(handle, index, Int64(value)))
    }

    func bind(_ index: Int32, _ value: Double) throws {
        try check(sqlite3_bind_double(handle, index, value))
    }

    /// Executes the statement with the current bindings, then resets it for the next row.
    func step() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else { return try check(code) }
    }

    private func check(_ code: Int32) throws {
        guard code != SQLITE_OK else { return }
        let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "unknown error"
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }

    /// Steps through the rows the statement returns, handing each to `body` while it is current.
    func forEachRow(_ body: (SQLiteRow) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { return try check(code) }
            try body(SQLiteRow(handle: handle))
        }
    }

    /// Leaves the statement as GRDB expects to find it.
    func finish() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }
}

/// The current row of a statement: column values read in place (valid only inside `forEachRow`).
struct SQLiteRow {
    fileprivate let handle: OpaquePointer

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func double(_ column: Int32) -> Double { sqlite3_column_double(handle, column) }

    /// Text (NULL reads as ""), decoded from the length SQLite reports rather than by `strlen`.
    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
}
