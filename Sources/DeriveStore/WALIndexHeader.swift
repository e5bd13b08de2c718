import Foundation

#if canImport(Glibc)
    import Glibc
#endif

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

/// A read-only shared mapping of a WAL database's `-shm` file, for its header.
///
/// Safe to keep while a connection of this process has the database open: SQLite truncates or
/// unlinks the file only as the first or last connection of all processes (it holds the
/// "DMS" lock for that), and an open connection here keeps a shared hold on that lock.
final class WALIndexMapping: @unchecked Sendable {
    // Immutable after init; the mapped bytes change under us, which is the point.
    private let base: UnsafeRawPointer
    private let length: Int

    /// The size SQLite gives the file before anything reads it (the two headers, the checkpoint
    /// information and the lock bytes).
    private static let minimumSize = 136

    /// Nil when the file is missing, too short, or not in the known format (a database not in WAL
    /// mode, or in exclusive locking mode, has no shared index): callers then read the database.
    init?(databasePath: String) {
        let descriptor = open(databasePath + "-shm", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_size >= Self.minimumSize else { return nil }
        // One page: mapping bytes past the end of the file would fault on access (SIGBUS).
        let length = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let mapped = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor, 0), mapped != MAP_FAILED else {
            return nil
        }
        base = UnsafeRawPointer(mapped)
        self.length = length
        guard header() != nil else {
            munmap(UnsafeMutableRawPointer(mutating: base), length)
            return nil
        }
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), length)
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
