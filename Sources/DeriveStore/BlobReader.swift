import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An open stored blob, read in chunks so a large blob is never held in memory whole. Opening it
/// pins the bytes: a blob reclaimed while it is being read stays readable until the reader is gone
/// (an open file survives its unlink), and content-addressed blobs never change.
public final class BlobReader: Sendable {
    /// Total length in bytes.
    public let length: Int
    private let descriptor: Int32

    init(descriptor: Int32, length: Int) {
        self.descriptor = descriptor
        self.length = length
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count` bytes at `offset`; returns how many (0 at the end).
    public func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) -> Int {
        guard offset < length, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        while true {
            let count = pread(descriptor, base, min(buffer.count, length - offset), off_t(offset))
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .io("reading a blob: \(String(cString: strerror(errno)))")
        }
    }
}

extension FileBlobStore {
    /// Opens a blob for reading in chunks.
    public func open(_ hash: String) async throws(StoreError) -> BlobReader {
        guard ContentHash.isValid(hash) else { throw .invalidHash(hash) }
        let descriptor = Glibc.open(path(of: hash), O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .blobNotFound(hash) }
            throw .io("opening blob \(hash): \(String(cString: strerror(errno)))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .io("reading blob \(hash): \(reason)")
        }
        return BlobReader(descriptor: descriptor, length: Int(status.st_size))
    }
}
