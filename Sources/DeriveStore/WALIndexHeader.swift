import GRDBSQLite

/// The wal-index header of a SQLite database in WAL mode, as it lies at the start of the
/// `<database>-shm` file that every connection of every process shares
/// (<https://www.sqlite.org/walformat.html>, "The WAL-Index Header"): 48 bytes, kept twice.
///
/// Every committed write transaction, by any connection of any process, advances the header's
/// `iChange` counter and rewrites both copies before its commit returns (SQLite's `walFrames`
/// and `walIndexWriteHdr`). So a header equal byte for byte to one seen before means that no
/// transaction committed in between, and anything read from the database at that header still
/// holds: the check costs a few memory loads instead of a read transaction (two `fcntl` lock
/// calls and a statement).
struct WALIndexHeader: Equatable, Sendable {
    private var words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    fileprivate init(_ base: UnsafeRawPointer) {
        words = (
            base.load(fromByteOffset: 0, as: UInt64.self), base.load(fromByteOffset: 8, as: UInt64.self),
            base.load(fromByteOffset: 16, as: UInt64.self), base.load(fromByteOffset: 24, as: UInt64.self),
            base.load(fromByteOffset: 32, as: UInt64.self), base.load(fromByteOffset: 40, as: UInt64.self)
        )
    }

    static func == (left: Self, right: Self) -> Bool {
        left.words.0 == right.words.0 && left.words.1 == right.words.1 && left.words.2 == right.words.2
            && left.words.3 == right.words.3 && left.words.4 == right.words.4 && left.words.5 == right.words.5
    }

    /// `iVersion` (bytes 0–3, native order): 3007000 is the only wal-index format there is.
    fileprivate var isKnownFormat: Bool { UInt32(truncatingIfNeeded: words.0) == 3_007_000 }

    /// `isInit` (byte 12): zero until a connection has built the index.
    fileprivate var isInitialised: Bool {
        withUnsafeBytes(of: words) { $0[12] } != 0
    }
}

/// The wal-index header as SQLite itself maps it for one connection: region 0 of the connection's
/// shared memory, obtained through the VFS (`SQLITE_FCNTL_FILE_POINTER`, then the file's `xShmMap`).
///
/// Not a mapping of our own: opening and closing a second descriptor on the `-shm` file would drop
/// every POSIX lock this process holds on it (they belong to the process, not the descriptor),
/// SQLite's own included; another process would then find the index unused, truncate it, and a
/// mapping of it would fault (SIGBUS: the soak test caught exactly that). SQLite's mapping stays
/// valid, and the file whole, while the connection is open.
final class WALIndexMapping: @unchecked Sendable {
    // Immutable after init; the mapped bytes change under us, which is the point. Owned by the
    // connection it came from, which must outlive this object.
    private let base: UnsafeRawPointer

    /// Nil unless `connection` reads a database in WAL mode through a VFS with shared memory, and
    /// has read it once (so its index is built); callers then read the database every time (as
    /// they do while ``header()`` is nil).
    init?(connection: OpaquePointer) {
        guard Self.isWAL(connection) else { return nil }
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(connection, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK,
            let methods = file?.pointee.pMethods, methods.pointee.iVersion >= 2,
            let map = methods.pointee.xShmMap
        else { return nil }
        // Region 0 (SQLite maps 32 KiB regions), not extended: it exists once the connection has read.
        var region: UnsafeMutableRawPointer?
        guard map(file, 0, 32_768, 0, &region) == SQLITE_OK, let region else { return nil }
        base = UnsafeRawPointer(region)
    }

    private static func isWAL(_ connection: OpaquePointer) -> Bool {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(connection, "PRAGMA journal_mode", -1, &statement, nil) == SQLITE_OK else {
            return false
        }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW, let text = sqlite3_column_text(statement, 0) else { return false }
        return String(cString: text).lowercased() == "wal"
    }

    /// The current header, or nil while a commit is rewriting it (the two copies differ) or
    /// when the index is not initialised.
    func header() -> WALIndexHeader? {
        // SQLite writes the second copy first and the first copy last, and reads them in the
        // opposite order: equal copies are a header some commit wrote whole.
        let first = WALIndexHeader(base)
        let second = WALIndexHeader(base + 48)
        guard first == second, first.isKnownFormat, first.isInitialised else { return nil }
        return first
    }
}
