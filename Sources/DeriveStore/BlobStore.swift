import Foundation

/// Content-addressed, write-once byte storage. Putting the same bytes twice is harmless, which is
/// what makes a plain object-store `PUT` as safe as a local temp-file-and-rename.
public protocol BlobStore: Sendable {
    /// Stores `bytes` durably under their SHA-256 and returns the hash. When this returns, the
    /// blob is complete on stable storage and a catalog row may point at it.
    func put(_ bytes: [UInt8]) async throws(StoreError) -> String
    /// ``put(_:)`` for bytes whose SHA-256 the caller has just computed (renders hash their output
    /// on the render thread): the store need not hash them again.
    func put(_ bytes: [UInt8], hash: String) async throws(StoreError)
    func get(_ hash: String) async throws(StoreError) -> [UInt8]
    /// Opens a blob to be read in chunks (delivery streams stored images without loading them whole).
    func open(_ hash: String) async throws(StoreError) -> BlobReader
    func contains(_ hash: String) async throws(StoreError) -> Bool
    /// Removes a blob; removing a missing blob is not an error.
    func remove(_ hash: String) async throws(StoreError)
    /// Every stored blob with its last write time (for garbage collection).
    func list() async throws(StoreError) -> [StoredBlob]

    /// Removes the blobs among `hashes` that nothing references, safely against concurrent writers
    /// in any process: each blob is first moved aside (quarantined), then `referenced` is asked
    /// which of them rows point at, and those are put back; the rest are deleted. A writer that
    /// records a row for a blob calls ``ensure(_:bytes:)`` after committing, so a blob quarantined
    /// between its `put` and its commit is either put back here or rewritten there.
    /// Returns the hashes removed.
    func reclaim(
        _ hashes: [String], unlessReferenced referenced: @Sendable ([String]) async throws(StoreError) -> Set<String>
    ) async throws(StoreError) -> [String]

    /// Makes sure a blob a committed row points at exists, rewriting it from `bytes` if a
    /// concurrent reclaim removed it. Cheap when it exists (one metadata lookup).
    func ensure(_ hash: String, bytes: [UInt8]) async throws(StoreError)

    /// Cleans up after interrupted writes and reclaims: removes incomplete writes and quarantined
    /// blobs older than `age` that nothing references, and puts back quarantined blobs that rows
    /// still point at (whatever their age). Returns what it did.
    func recover(
        olderThan age: TimeInterval, referenced: @Sendable ([String]) async throws(StoreError) -> Set<String>
    ) async throws(StoreError) -> BlobRecovery

    /// Throws unless the store can be written now (a health check: cheap, no blob written).
    func checkWritable() async throws(StoreError)
}

/// What ``BlobStore/recover(olderThan:referenced:)`` did.
public struct BlobRecovery: Sendable, Hashable {
    /// Incomplete writes removed.
    public var incompleteRemoved: Int
    /// Quarantined blobs put back because rows point at them.
    public var restored: [String]
    /// Quarantined blobs deleted.
    public var discarded: Int

    public init(incompleteRemoved: Int = 0, restored: [String] = [], discarded: Int = 0) {
        self.incompleteRemoved = incompleteRemoved
        self.restored = restored
        self.discarded = discarded
    }
}

public struct StoredBlob: Sendable, Hashable {
    public var hash: String
    public var bytes: Int
    public var modified: Date

    public init(hash: String, bytes: Int, modified: Date) {
        self.hash = hash
        self.bytes = bytes
        self.modified = modified
    }
}

/// Storage failures.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    case blobNotFound(String)
    case io(String)
    case database(String)
    case invalidHash(String)
    /// A unique name is taken (e.g. a named transformation).
    case conflict(String)
    /// A cursor, limit or name the catalog cannot use.
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .blobNotFound(let hash): "blob \(hash) not found"
        case .io(let detail): "storage I/O failed: \(detail)"
        case .database(let detail): "catalog failed: \(detail)"
        case .invalidHash(let hash): "not a content hash: \(hash)"
        case .conflict(let detail): detail
        case .invalidArgument(let detail): detail
        }
    }
}

extension BlobStore {
    public func put(_ bytes: [UInt8], hash: String) async throws(StoreError) {
        let stored = try await put(bytes)
        guard stored == hash else { throw .invalidHash("\(hash) is not the hash of the bytes given (\(stored))") }
    }
}
