import DeriveStore
import Foundation
import Testing

/// A fresh directory per test, removed afterwards.
final class TemporaryDirectory {
    let url: URL

    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("derive-test-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

@Suite struct FileBlobStoreTests {
    @Test func putStoresUnderTheContentHashInAShardedPath() async throws {
        let directory = TemporaryDirectory()
        let store = try FileBlobStore(root: directory.url)
        let bytes = Array("hello derive".utf8)
        let hash = try await store.put(bytes)
        #expect(hash == ContentHash.sha256Hex(bytes))
        // echo -n "hello derive" | sha256sum
        #expect(hash == "de7736ac92565cb7981eac9c79fd2a79101e4f1f4a980c8f3f237487dd857a6d")
        let path = store.path(of: hash)
        #expect(path.hasSuffix("blobs/\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))/\(hash)"))
        #expect(try await store.get(hash) == bytes)
        #expect(try await store.contains(hash))
    }

    @Test func identicalBytesShareOneBlob() async throws {
        let directory = TemporaryDirectory()
        let store = try FileBlobStore(root: directory.url)
        let first = try await store.put(Array(repeating: 7, count: 1000))
        let second = try await store.put(Array(repeating: 7, count: 1000))
        #expect(first == second)
        #expect(try await store.list().count == 1)
    }

    @Test func aBlobIsNeverVisibleUnderItsNameBeforeItIsComplete() async throws {
        // Writes go to tmp/ and are renamed into place: the final name either does not exist or
        // holds every byte. Race a reader against many writers and check every observation.
        let directory = TemporaryDirectory()
        let store = try FileBlobStore(root: directory.url)
        let payloads = (0..<40).map { seed in [UInt8]((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* (seed + 3)) })
        }
        let hashes = payloads.map(ContentHash.sha256Hex)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for payload in payloads { _ = try await store.put(payload) }
            }
            group.addTask {
                var seen = 0
                while seen < hashes.count {
                    seen = 0
                    for (index, hash) in hashes.enumerated() {
                        if let data = FileManager.default.contents(atPath: store.path(of: hash)) {
                            #expect(data.count == payloads[index].count)
                            #expect(ContentHash.sha256Hex([UInt8](data)) == hash)
                            seen += 1
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: directory.url.appendingPathComponent("tmp").path)
        #expect(leftovers.isEmpty)
    }

    @Test func removeIsIdempotentAndGetReportsMissingBlobs() async throws {
        let directory = TemporaryDirectory()
        let store = try FileBlobStore(root: directory.url)
        let hash = try await store.put([1, 2, 3])
        try await store.remove(hash)
        try await store.remove(hash)
        await #expect(throws: StoreError.blobNotFound(hash)) { try await store.get(hash) }
        await #expect(throws: StoreError.invalidHash("../etc/passwd")) { try await store.get("../etc/passwd") }
    }
}
