// The lifecycle benchmarks' data sets, shared by LifecycleBenchmarks (package-benchmark) and
// DeleteLoop (a plain executable to run under `perf`).

import Derive
import DeriveStore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A Derive on a fresh temporary directory, with direct catalog access for bulk set-up.
public final class Store: @unchecked Sendable {
    public let directory: URL
    public let derive: Derive
    public let catalog: SQLiteCatalog
    public let blobs: FileBlobStore

    public init(reclaim: LifecycleConfiguration.BlobReclaim, directory path: URL? = nil) async throws {
        let directory =
            path ?? FileManager.default.temporaryDirectory.appendingPathComponent("derive-bench-\(UUID().uuidString)")
        self.directory = directory
        var configuration = Configuration(dataDirectory: directory)
        configuration.renderThreads = 1
        configuration.lifecycle.blobReclaim = reclaim
        configuration.lifecycle.deliverWebhooks = false
        derive = try await Derive.open(configuration)
        catalog = try SQLiteCatalog(path: directory.appendingPathComponent("catalog.sqlite").path)
        blobs = try FileBlobStore(root: directory)
    }

    public func close() async {
        await derive.shutdown()
        try? FileManager.default.removeItem(at: directory)
    }

    /// A valid, unique content address without hashing (the blob need not exist unless `write`).
    /// The leading digits are spread like a real SHA-256's, so blobs spread over the `blobs/ab/cd/`
    /// folders and the catalog's lookup keys as they do in production.
    public func blob(_ n: Int, write writeFile: Bool) -> String {
        let hash = String(format: "%016llx", UInt64(n) &* 0x9E37_79B9_7F4A_7C15) + String(repeating: "0", count: 48)
        if writeFile {
            let path = blobs.path(of: hash)
            let folder = (path as NSString).deletingLastPathComponent
            if access(folder, F_OK) != 0 {
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = Glibc.write(descriptor, "x", 1)
            _ = Glibc.close(descriptor)
        }
        return hash
    }

    /// Imports originals `<prefix><n>` for n in `range`, each with `derivatives` derivatives.
    public func seed(_ prefix: String, _ range: Range<Int>, derivatives: Int, writeBlobs: Bool) async throws {
        var entries: [(ResourceRecord, [DerivativeRecord])] = []
        entries.reserveCapacity(10_000)
        for n in range {
            let key = ResourceKey(publicID: prefix + String(n))
            let created = Date(timeIntervalSince1970: 1_700_000_000 + Double(n))
            let resource = ResourceRecord(
                key: key, version: 1_700_000_000, blob: blob(n * 8, write: writeBlobs), format: "jpg", width: 4000,
                height: 3000, bytes: 2_000_000, createdAt: created)
            let derived = (0..<derivatives).map { d in
                DerivativeRecord(
                    key: key, version: 1_700_000_000, transformation: "c_fill,h_\(100 + d),w_\(100 + d)",
                    format: "jpg", blob: blob(n * 8 + 1 + d, write: writeBlobs), bytes: 9_000, width: 100 + d,
                    height: 100 + d, renderer: "bench", createdAt: created)
            }
            entries.append((resource, derived))
            if entries.count == 10_000 {
                try await catalog.importResources(entries, batchSize: 10_000)
                entries.removeAll(keepingCapacity: true)
            }
        }
        try await catalog.importResources(entries, batchSize: 10_000)
        // Set-up is not measured: copy the import out of the WAL now, not during the benchmark.
        try await catalog.checkpoint()
    }

    /// Deletes everything through the batched API (1000 originals per call); returns derivative count.
    public func deleteAll() async throws -> Int {
        var options = DeleteOptions()
        var derived = 0
        repeat {
            let result = try await derive.deleteResources(matching: .all, options: options)
            derived += result.derivedDeleted
            options.cursor = result.nextCursor
        } while options.cursor != nil
        return derived
    }
}
