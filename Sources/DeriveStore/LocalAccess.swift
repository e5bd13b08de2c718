/// Blob reads a store can answer on the calling thread (a local file in the page cache). The
/// render path reads the original this way on the render thread itself, just before decoding it,
/// instead of hopping to an I/O thread and back. Remote stores (an object store) do not conform;
/// callers fall back to ``BlobStore/get(_:)``.
public protocol LocalBlobAccess: Sendable {
    /// ``BlobStore/get(_:)``, read here.
    func getNow(_ hash: String) throws(StoreError) -> [UInt8]
}
