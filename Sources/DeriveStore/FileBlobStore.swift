import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Blobs as files under `root/blobs/ab/cd/<sha256>`. A blob is written to `root/tmp/`, fsynced,
/// renamed into place and its directory fsynced, so a crash leaves either the whole blob or an
/// orphan temp file, never a partial blob under its final name. Reclaiming moves a blob to
/// `root/trash/` before deleting it, so it can be put back if a row turned out to point at it.
public struct FileBlobStore: BlobStore {
    public let root: URL
    /// `root` as a path ending in `/`. Paths are built as strings: `URL.appendingPathComponent`
    /// stats the file system on every call, which dominated reclaiming thousands of blobs.
    private let base: String

    public init(root: URL) throws(StoreError) {
        self.root = root
        base = root.path.hasSuffix("/") ? root.path : root.path + "/"
        for folder in ["blobs", "tmp", "trash"] {
            do {
                try FileManager.default.createDirectory(
                    at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            } catch {
                throw .io("cannot create \(root.path)/\(folder): \(error.localizedDescription)")
            }
        }
    }

    public func checkWritable() async throws(StoreError) {
        for folder in ["blobs", "tmp"] where access(base + folder, W_OK | X_OK) != 0 {
            throw .io("\(base)\(folder) is not writable: \(String(cString: strerror(errno)))")
        }
    }

    /// Where a blob lives (exposed for tests and consistency checks).
    public func path(of hash: String) -> String {
        let a = hash.prefix(2)
        let b = hash.dropFirst(2).prefix(2)
        return base + "blobs/\(a)/\(b)/\(hash)"
    }

    public func put(_ bytes: [UInt8]) async throws(StoreError) -> String {
        try await BlockingIO.run { () throws(StoreError) in try putNow(bytes, hash: ContentHash.sha256Hex(bytes)) }
    }

    public func put(_ bytes: [UInt8], hash: String) async throws(StoreError) {
        guard ContentHash.isValid(hash) else { throw .invalidHash(hash) }
        // Bytes already stored (an identical image) only get their time refreshed, here: a
        // `utimes` costs less than the hop to an I/O thread and back.
        if refreshIfPresent(hash) { return }
        _ = try await BlockingIO.run { () throws(StoreError) in try putNow(bytes, hash: hash) }
    }

    @discardableResult
    private func putNow(_ bytes: [UInt8], hash: String) throws(StoreError) -> String {
        let final = path(of: hash)
        // Write-once: when the bytes are already there, only their time is refreshed.
        if refreshIfPresent(hash) { return hash }
        let directory = (final as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create \(directory): \(error.localizedDescription)")
        }
        let temporary = base + "tmp/\(hash).\(UUID().uuidString)"
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
        let file = path(of: hash)
        return try await BlockingIO.run { () throws(StoreError) in try Self.readWhole(file, hash: hash) }
    }

    public func contains(_ hash: String) async throws(StoreError) -> Bool {
        exists(hash)
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
            let values = try? url.resourceValues(forKeys: [
                .contentModificationDateKey, .fileSizeKey, .isRegularFileKey,
            ])
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
        let folder = base + "tmp/"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        var removed = 0
        for name in names {
            let file = folder + name
            if Self.age(of: file).map({ $0 >= age }) == true, unlink(file) == 0 { removed += 1 }
        }
        return removed
    }

    public func reclaim(
        _ hashes: [String], unlessReferenced referenced: @Sendable ([String]) async throws(StoreError) -> Set<String>
    ) async throws(StoreError) -> [String] {
        let moved = try await BlockingIO.run { () throws(StoreError) in try quarantine(hashes) }
        guard !moved.isEmpty else { return [] }
        let stillReferenced: Set<String>
        do {
            stillReferenced = try await referenced(moved.map(\.hash))
        } catch {
            try restoreAll(moved)
            throw error
        }
        return try await BlockingIO.run { () throws(StoreError) in
            var removed: [String] = []
            for entry in moved where !stillReferenced.contains(entry.hash) {
                unlink(entry.trash)
                removed.append(entry.hash)
            }
            try restoreAll(moved.filter { stillReferenced.contains($0.hash) })
            return removed
        }
    }

    /// Moves each blob to `trash/` (the first step of reclaiming it).
    private func quarantine(_ hashes: [String]) throws(StoreError) -> [(hash: String, trash: String)] {
        var moved: [(hash: String, trash: String)] = []
        for hash in Set(hashes) where ContentHash.isValid(hash) {
            let trash = base + "trash/\(hash).\(UUID().uuidString)"
            if rename(path(of: hash), trash) == 0 {
                moved.append((hash, trash))
            } else if errno != ENOENT {
                let reason = String(cString: strerror(errno))
                try restoreAll(moved)
                throw .io("quarantine \(hash): \(reason)")
            }
        }
        return moved
    }

    public func ensure(_ hash: String, bytes: [UInt8]) async throws(StoreError) {
        // The stat is done here (microseconds); only a rewrite goes to an I/O thread.
        guard !exists(hash) else { return }
        try await BlockingIO.run { () throws(StoreError) in
            if !exists(hash) { try putNow(bytes, hash: hash) }
        }
    }

    public func recover(
        olderThan age: TimeInterval, referenced: @Sendable ([String]) async throws(StoreError) -> Set<String>
    ) async throws(StoreError) -> BlobRecovery {
        var recovery = BlobRecovery(incompleteRemoved: removeStaleTemporaryFiles(olderThan: age))
        let folder = base + "trash/"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        let entries = names.compactMap { name -> (hash: String, file: String)? in
            let hash = String(name.prefix(while: { $0 != "." }))
            guard ContentHash.isValid(hash) else { return nil }
            return (hash, folder + name)
        }
        guard !entries.isEmpty else { return recovery }
        let stillReferenced = try await referenced(Array(Set(entries.map(\.hash))))
        for entry in entries {
            if stillReferenced.contains(entry.hash) {
                if let failure = restore(entry.hash, from: entry.file) { throw .io(failure) }
                recovery.restored.append(entry.hash)
            } else if Self.age(of: entry.file).map({ $0 >= age }) == true, unlink(entry.file) == 0 {
                recovery.discarded += 1
            }
        }
        return recovery
    }

    /// Puts a quarantined blob back (a no-op when another process already did or removed it).
    /// Returns why it failed otherwise: a row may point at the blob, so the caller must report it
    /// (the next `recover` retries, since the blob stays in `trash/`).
    @discardableResult
    private func restore(_ hash: String, from trash: String) -> String? {
        let final = path(of: hash)
        let directory = (final as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            return "cannot create \(directory): \(error.localizedDescription)"
        }
        guard rename(trash, final) == 0 else {
            return errno == ENOENT ? nil : "restore \(hash): \(String(cString: strerror(errno)))"
        }
        do { try Self.syncDirectory(directory) } catch { return error.description }
        return nil
    }

    /// Restores `entries`, throwing the first failure after trying them all.
    private func restoreAll(_ entries: [(hash: String, trash: String)]) throws(StoreError) {
        let failures = entries.compactMap { restore($0.hash, from: $0.trash) }
        if let first = failures.first {
            throw .io("\(first) (\(failures.count) blob(s) left in trash/; `derive gc` puts them back)")
        }
    }

    private static func age(of path: String) -> TimeInterval? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
            let time = info.st_mtimespec
        #else
            let time = info.st_mtim
        #endif
        let modified = Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
        return Date().timeIntervalSince1970 - modified
    }

    private static func writeDurably(_ bytes: [UInt8], to path: String) throws(StoreError) {
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
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
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { throw .io("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw .io("fsync \(path): \(String(cString: strerror(errno)))") }
    }

    /// Reads a file into an array with one copy (Foundation's `Data` and then an array made two, of
    /// a multi-megabyte original on every render).
    static func readWhole(_ file: String, hash: String) throws(StoreError) -> [UInt8] {
        #if canImport(Glibc)
            let descriptor = Glibc.open(file, O_RDONLY | O_CLOEXEC)
        #else
            let descriptor = Darwin.open(file, O_RDONLY | O_CLOEXEC)
        #endif
        guard descriptor >= 0 else {
            if errno == ENOENT { throw .blobNotFound(hash) }
            throw .io("open \(file): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw .io("stat \(file): \(String(cString: strerror(errno)))") }
        let size = Int(status.st_size)
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            var offset = 0
            while offset < size {
                let got = read(descriptor, buffer.baseAddress! + offset, size - offset)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else {
                    failure = got == 0 ? "\(file) is shorter than its size" : String(cString: strerror(errno))
                    break
                }
                offset += got
            }
            count = offset
        }
        if let failure { throw .io("read \(file): \(failure)") }
        return bytes
    }
}

extension FileBlobStore: LocalBlobAccess {
    public func getNow(_ hash: String) throws(StoreError) -> [UInt8] {
        guard ContentHash.isValid(hash) else { throw .invalidHash(hash) }
        return try Self.readWhole(path(of: hash), hash: hash)
    }
}

extension FileBlobStore {
    /// Whether the blob exists; when it does, refreshes its time, so GC's grace period protects a
    /// blob that is about to be referenced again.
    private func refreshIfPresent(_ hash: String) -> Bool {
        ContentHash.isValid(hash) && utimes(path(of: hash), nil) == 0
    }

    private func exists(_ hash: String) -> Bool {
        ContentHash.isValid(hash) && access(path(of: hash), F_OK) == 0
    }
}
