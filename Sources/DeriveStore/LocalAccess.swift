/// Calls a store answers on the calling thread, for the stores that can: a point read of the
/// embedded catalog, a stat or a read from the local page cache. Each costs microseconds, less
/// than the two thread hops of the async form (out to a queue or an I/O thread and back onto
/// Swift's cooperative pool), which added about 2 ms of waiting to every render miss. Remote
/// stores (a database server, an object store) do not conform; callers fall back to the async
/// calls of ``Catalog`` and ``BlobStore``.

/// Point reads of the catalog answered on the calling thread.
public protocol LocalCatalogReads: Sendable {
    /// ``Catalog/resource(_:)``, answered here.
    func resourceNow(_ key: ResourceKey) throws(StoreError) -> ResourceRecord?
    /// ``Catalog/derivative(_:version:transformation:format:)``, answered here.
    func derivativeNow(_ key: ResourceKey, version: Int, transformation: String, format: String)
        throws(StoreError) -> DerivativeRecord?
}

/// Blob reads and checks answered on the calling thread.
public protocol LocalBlobAccess: Sendable {
    /// ``BlobStore/get(_:)``, read here.
    func getNow(_ hash: String) throws(StoreError) -> [UInt8]
    /// Whether the blob exists; when it does, refreshes it as ``BlobStore/put(_:hash:)`` does for
    /// existing bytes (garbage collection's grace period starts again), so the caller can skip
    /// the put. False means the caller still has to put the bytes.
    func refreshIfPresentNow(_ hash: String) -> Bool
    /// Whether the blob exists (one metadata lookup).
    func containsNow(_ hash: String) -> Bool
}
