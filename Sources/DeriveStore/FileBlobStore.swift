import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blobs as files under `root/blobs/ab/cd/<sha256>`. A blob is written to `root/tmp/`, fsynced,
/// renamed into place and its directory fsynced, so a crash leaves either the whole blob or an
/// orphan temp file, never a partial blob under its final name.
public struct FileBlobStore: BlobStore {
    public let root: URL

    public init(root: URL) throws(StoreError) {
        self.root = root
        for folder in ["blobs", "tmp"] {
            do {
                try FileManager.default.createDirectory(
                    at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            } catch {
                throw .io("cannot create \(root.path)/\(folder): \(error.localizedDescription)")
            }
        }
    }

    /// Where a blob lives (exposed for tests and consistency checks).
    public func path(of hash: String) -> String {
        let a = hash.prefix(2)
        let b = hash.dropFirst(2).prefix(2)
        return root.appendingPathComponent("blobs/\(a)/\(b)/\(hash)").path
    }

    public func put(_ bytes: [UInt8]) async throws(StoreError) -> String {
        let hash = ContentHash.sha256Hex(bytes)
        let final = path(of: hash)
        if FileManager.default.fileExists(atPath: final) {
            // Write-once: the bytes are already there. Refresh the time so GC's grace period
            // protects a blob that is about to be referenced again.
            utimes(final, nil)
            return hash
        }
        let directory = (final as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create \(directory): \(error.localizedDescription)")
        }
        let temporary = root.appendingPathComponent("tmp/\(hash).\(UUID().uuidString)").path
        try Self.writeDurably(bytes, to: temporary)
        guard rename(temporary, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .io("rename to \(final): \(reason)")
        }
        try Self.syncDirectory(directory)
        return hash
    }

    public func get(_ hash: String) async throws(StoreError) -> [UInt8] {
        guard ContentHash.isValid(hash) else { throw .invalidHash(hash) }
        guard let data = FileManager.default.contents(atPath: path(of: hash)) else { throw .blobNotFound(hash) }
        return [UInt8](data)
    }

    public func contains(_ hash: String) async throws(StoreError) -> Bool {
        ContentHash.isValid(hash) && FileManager.default.fileExists(atPath: path(of: hash))
    }

    public func remove(_ hash: String) async throws(StoreError) {
        guard ContentHash.isValid(hash) else { throw .invalidHash(hash) }
        if unlink(path(of: hash)) != 0 && errno != ENOENT {
            throw .io("unlink \(hash): \(String(cString: strerror(errno)))")
        }
    }

    public func list() async throws(StoreError) -> [StoredBlob] {
        let base = root.appendingPathComponent("blobs")
        guard
            let walker = FileManager.default.enumerator(
                at: base, includingPropertiesForKeys: [.contentModificationDateKey, .fileSizeKey, .isRegularFileKey])
        else { return [] }
        var blobs: [StoredBlob] = []
        for case let url as URL in walker {
            let values = try? url.resourceValues(forKeys: [.contentModificationDateKey, .fileSizeKey, .isRegularFileKey])
            guard values?.isRegularFile == true, ContentHash.isValid(url.lastPathComponent) else { continue }
            blobs.append(
                StoredBlob(
                    hash: url.lastPathComponent, bytes: values?.fileSize ?? 0,
                    modified: values?.contentModificationDate ?? .distantPast))
        }
        return blobs
    }

    /// Temp files older than `age` are leftovers of interrupted writes.
    public func removeStaleTemporaryFiles(olderThan age: TimeInterval) -> Int {
        let folder = root.appendingPathComponent("tmp")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var removed = 0
        for name in names {
            let file = folder.appendingPathComponent(name).path
            let modified = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate]) as? Date
            if let modified, Date().timeIntervalSince(modified) > age, unlink(file) == 0 { removed += 1 }
        }
        return removed
    }

    private static func writeDurably(_ bytes: [UInt8], to path: String) throws(StoreError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else { throw .io("open \(path): \(String(cString: strerror(errno)))") }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = "write \(path): \(String(cString: strerror(errno)))"
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(descriptor) != 0 { failure = "fsync \(path): \(String(cString: strerror(errno)))" }
        close(descriptor)
        if let failure {
            unlink(path)
            throw .io(failure)
        }
    }

    private static func syncDirectory(_ path: String) throws(StoreError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw .io("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io("fsync \(path): \(String(cString: strerror(errno)))") }
    }
}
