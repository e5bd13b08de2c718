import Foundation

/// Content-addressed, write-once byte storage. Putting the same bytes twice is harmless, which is
/// what makes a plain object-store `PUT` as safe as a local temp-file-and-rename.
public protocol BlobStore: Sendable {
    /// Stores `bytes` durably under their SHA-256 and returns the hash. When this returns, the
    /// blob is complete on stable storage and a catalog row may point at it.
    func put(_ bytes: [UInt8]) async throws(StoreError) -> String
    func get(_ hash: String) async throws(StoreError) -> [UInt8]
    func contains(_ hash: String) async throws(StoreError) -> Bool
    /// Removes a blob; removing a missing blob is not an error.
    func remove(_ hash: String) async throws(StoreError)
    /// Every stored blob with its last write time (for garbage collection).
    func list() async throws(StoreError) -> [StoredBlob]
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

    public var description: String {
        switch self {
        case .blobNotFound(let hash): "blob \(hash) not found"
        case .io(let detail): "storage I/O failed: \(detail)"
        case .database(let detail): "catalog failed: \(detail)"
        case .invalidHash(let hash): "not a content hash: \(hash)"
        }
    }
}
