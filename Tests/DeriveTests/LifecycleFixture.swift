import Derive
import DeriveStore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A `Derive` on a fresh data directory with a configurable lifecycle, plus direct access to the
/// same catalog file and blob folder for seeding thousands of records quickly. Removed afterwards.
final class LifecycleFixture: Sendable {
    let directory: URL
    let derive: Derive
    let catalog: SQLiteCatalog
    let blobs: FileBlobStore

    static func with(
        configure: (inout Configuration) -> Void = { _ in }, _ body: (LifecycleFixture) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derive-lc-\(UUID().uuidString)")
        var configuration = Configuration(dataDirectory: directory)
        configuration.renderThreads = 2
        configuration.lifecycle.deliverNotificationURLs = false
        configure(&configuration)
        let fixture = try await LifecycleFixture(directory: directory, configuration: configuration)
        do {
            try await body(fixture)
            await fixture.derive.shutdown()
            try? FileManager.default.removeItem(at: directory)
        } catch {
            await fixture.derive.shutdown()
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    private init(directory: URL, configuration: Configuration) async throws {
        self.directory = directory
        derive = try await Derive.open(configuration)
        catalog = try SQLiteCatalog(path: directory.appendingPathComponent("catalog.sqlite").path)
        blobs = try FileBlobStore(root: directory)
    }

    /// Blob files on disk.
    var blobFiles: Set<String> {
        let root = directory.appendingPathComponent("blobs").path
        let walker = FileManager.default.enumerator(atPath: root)
        return Set(
            (walker?.allObjects as? [String] ?? []).filter { $0.split(separator: "/").count == 3 }
                .map { String($0.split(separator: "/")[2]) })
    }

    /// Writes a blob file directly (test set-up: no fsync) and returns its hash.
    func writeBlob(_ text: String) throws -> String {
        let bytes = Array(text.utf8)
        let hash = ContentHash.sha256Hex(bytes)
        let path = blobs.path(of: hash)
        let folder = (path as NSString).deletingLastPathComponent
        if access(folder, F_OK) != 0 {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        // Plain POSIX writes: `Data.write` fsyncs, which makes seeding thousands of blobs slow.
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(descriptor) }
        guard bytes.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            throw CocoaError(.fileWriteUnknown)
        }
        return hash
    }

    static let transformations = ["c_scale,w_10", "c_scale,w_20", "c_fill,h_10,w_10"]
    static let formats = ["jpg", "webp", "jpg"]

    /// Imports `count` originals `<prefix><index, 5 digits>` with `derivatives` derivatives each.
    /// Originals have their own blobs; derivative blobs are shared by groups of ten (index / 10),
    /// so reclaiming must check references. Returns the records in index order.
    @discardableResult
    func seed(
        _ prefix: String, count: Int, derivatives: Int = 3, type: String = "upload", from start: Int = 0,
        tags: @escaping @Sendable (Int) -> [String] = { _ in [] }
    ) async throws -> [(ResourceRecord, [DerivativeRecord])] {
        // Thousands of file writes: on a thread of their own, not on one of the two cooperative
        // threads every other test in this process is waiting for.
        let entries = try await onOwnThread { [self] in
            try records(prefix, count: count, derivatives: derivatives, type: type, from: start, tags: tags)
        }
        try await catalog.importResources(entries)
        return entries
    }

    private func records(
        _ prefix: String, count: Int, derivatives: Int, type: String, from start: Int, tags: (Int) -> [String]
    ) throws -> [(ResourceRecord, [DerivativeRecord])] {
        var entries: [(ResourceRecord, [DerivativeRecord])] = []
        for index in start..<(start + count) {
            let id = prefix + String(format: "%05d", index)
            let key = ResourceKey(type: type, publicID: id)
            let resource = ResourceRecord(
                key: key, version: 1_700_000_000 + index, blob: try writeBlob("original \(type) \(id)"),
                format: "jpg", width: 40, height: 30, bytes: 100,
                createdAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(index)), tags: tags(index))
            let derived = try (0..<derivatives).map { t in
                DerivativeRecord(
                    key: key, version: resource.version, transformation: Self.transformations[t % 3],
                    format: Self.formats[t % 3], blob: try writeBlob("derived \(prefix) \(index / 10) \(t)"), bytes: 10,
                    width: 10, height: 10, renderer: "test", createdAt: resource.createdAt)
            }
            entries.append((resource, derived))
        }
        return entries
    }

    /// Every original of a listing, following cursors.
    func listAll(_ query: ResourceQuery) async throws -> [ResourceRecord] {
        var query = query
        var all: [ResourceRecord] = []
        repeat {
            let page = try await derive.listResources(query)
            all += page.resources
            query.cursor = page.nextCursor
        } while query.cursor != nil
        return all
    }

    /// Every event so far.
    func events() async throws -> [DeriveEvent] {
        var events: [DeriveEvent] = []
        for try await event in derive.events(after: 0, follow: false) { events.append(event) }
        return events
    }

    /// After `gc` with no grace period: no row without its blob, no blob without a row, and the blob
    /// folder holds exactly what the catalog references.
    func expectCleanAfterGC(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        _ = try await derive.collectGarbage(gracePeriod: 0)
        let report = try await derive.checkConsistency()
        #expect(report.missingBlobs.isEmpty, sourceLocation: sourceLocation)
        #expect(report.orphanBlobs.isEmpty, sourceLocation: sourceLocation)
        #expect(blobFiles == (try await catalog.referencedBlobs()), sourceLocation: sourceLocation)
    }

    /// Blobs the given records point at.
    static func blobs(of entries: [(ResourceRecord, [DerivativeRecord])]) -> Set<String> {
        entries.reduce(into: Set<String>()) { set, entry in
            set.insert(entry.0.blob)
            set.formUnion(entry.1.map(\.blob))
        }
    }

    static func image(_ name: String) -> [UInt8] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TestImages")
        return [UInt8](FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)!)
    }
}

/// Runs blocking work on a thread of its own, off the cooperative pool (two threads here) that
/// every test in this process shares.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}
