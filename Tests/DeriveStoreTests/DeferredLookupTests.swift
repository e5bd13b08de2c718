import DeriveStore
import Foundation
import GRDB
import Testing

/// Derivatives are found by id and by blob through lookup tables that deletes leave stale
/// (schema v3). Stale entries must never be answers, and they must go away on their own.
@Suite struct DeferredLookupTests {
    let directory = TemporaryDirectory()
    var path: String { directory.url.appendingPathComponent("catalog.sqlite").path }

    static func hash(_ n: Int) -> String {
        String(format: "%016llx", UInt64(n) &* 0x9E37_79B9_7F4A_7C15) + String(repeating: "0", count: 48)
    }

    func original(_ id: String, blob: Int) -> ResourceRecord {
        ResourceRecord(
            key: ResourceKey(publicID: id), version: 1, blob: Self.hash(blob), format: "jpg", width: 1, height: 1,
            bytes: 1, createdAt: Date())
    }

    func derivative(_ id: String, width: Int, blob: Int) -> DerivativeRecord {
        DerivativeRecord(
            key: ResourceKey(publicID: id), version: 1, transformation: "w_\(width)", format: "jpg",
            blob: Self.hash(blob), bytes: 1, width: width, height: 1, renderer: "test", createdAt: Date())
    }

    func rows(_ table: String) throws -> Int {
        try DatabaseQueue(path: path).read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0 }
    }

    @Test func staleEntriesAreNeverAnswersEvenWhenRowNumbersAreReused() async throws {
        let catalog = try SQLiteCatalog(path: path)
        _ = try await catalog.saveResource(original("a", blob: 1), overwrite: true)
        let first = try await catalog.insertDerivative(derivative("a", width: 10, blob: 2))
        _ = try await catalog.deleteDerivatives(ids: [first.id], recorder: recordNothing)

        // Gone by id, by key and by blob, though its lookup entries are still there.
        #expect(try await catalog.staleLookupEntries() == 1)
        #expect(try await catalog.derivatives(ids: [first.id]).isEmpty)
        #expect(try await catalog.derivative(first.key, version: 1, transformation: "w_10", format: "jpg") == nil)
        #expect(try await !catalog.isReferenced(Self.hash(2)))
        #expect(try await catalog.references(to: Self.hash(2)).derivatives.isEmpty)
        #expect(try await catalog.referencedBlobs() == [Self.hash(1)])

        // The next row takes the deleted row's number (SQLite reuses the largest rowid): the stale
        // entries point at a row with another id and blob, and must still not match.
        let second = try await catalog.insertDerivative(derivative("a", width: 20, blob: 3))
        #expect(try rows("derivative_ids") == 2)  // the stale entry and the new one
        #expect(try await catalog.derivatives(ids: [first.id]).isEmpty)
        #expect(try await catalog.derivatives(ids: [first.id, second.id]).map(\.id) == [second.id])
        #expect(try await !catalog.isReferenced(Self.hash(2)))
        #expect(try await catalog.referencedAmong([Self.hash(2), Self.hash(3)]) == [Self.hash(3)])
        #expect(Set(try await catalog.referencedBlobs()) == [Self.hash(1), Self.hash(3)])

        // The first derivative rendered again: found once, by id and by blob.
        let again = try await catalog.insertDerivative(derivative("a", width: 10, blob: 2))
        #expect(again.id == first.id)
        #expect(try await catalog.derivatives(ids: [first.id]).count == 1)
        #expect(try await catalog.references(to: Self.hash(2)).derivatives == [first.id])

        // Garbage collection's compaction removes the stale entries and keeps the live ones.
        #expect(try await catalog.compactLookups() == 1)
        #expect(try await catalog.staleLookupEntries() == 0)
        #expect(try rows("derivative_ids") == 2 && rows("derivative_blobs") == 2)
        #expect(try await catalog.derivatives(ids: [first.id, second.id]).count == 2)
        #expect(Set(try await catalog.referencedBlobs()) == [Self.hash(1), Self.hash(2), Self.hash(3)])
    }

    @Test func bulkDeletesRebuildTheLookupTablesOnceStaleEntriesAreThreeTimesTheLiveOnes() async throws {
        let catalog = try SQLiteCatalog(path: path)
        // 300 originals with 5 derivatives each: 1,500 live entries per lookup table.
        let entries = (0..<300).map { n in
            (original("p\(n)", blob: n * 10), (1...5).map { derivative("p\(n)", width: $0, blob: n * 10 + $0) })
        }
        try await catalog.importResources(entries)
        let keys = entries.map(\.0.key)
        _ = try await catalog.deleteResources(
            Array(keys[0..<100]), keepOriginal: false, filter: nil, recorder: recordNothing)
        #expect(try await catalog.staleLookupEntries() == 600)  // 500 derivatives, 100 originals
        #expect(try rows("derivative_ids") == 1_500 && rows("resource_blobs") == 300)
        // 1,350 stale, three times the 450 live: this delete rebuilds the tables from the live rows.
        _ = try await catalog.deleteResources(
            Array(keys[100..<225]), keepOriginal: false, filter: nil, recorder: recordNothing)
        #expect(try await catalog.staleLookupEntries() == 0)
        #expect(try rows("derivative_ids") == 375 && rows("derivative_blobs") == 375 && rows("resource_blobs") == 75)
        // Everything left is still found; nothing deleted is.
        let kept = entries[225...].flatMap(\.1)
        #expect(try await catalog.derivatives(ids: kept.map(\.id)).count == kept.count)
        #expect(try await catalog.referencedAmong(kept.map(\.blob)) == Set(kept.map(\.blob)))
        let deleted = entries[..<225].flatMap(\.1)
        #expect(try await catalog.derivatives(ids: deleted.map(\.id)).isEmpty)
        #expect(try await catalog.referencedAmong(deleted.map(\.blob)).isEmpty)
        #expect(try await catalog.referencedAmong(entries.map(\.0.blob)) == Set(entries[225...].map(\.0.blob)))
    }

    @Test func deletesRemoveTagsAndNamedTransformationLinksThemselves() async throws {
        let catalog = try SQLiteCatalog(path: path)
        try await catalog.createNamedTransformation(
            NamedTransformationRecord(
                name: "thumb", definition: "w_10", allowedForStrict: true, createdAt: Date(), updatedAt: Date()))
        for id in ["a", "b"] {
            var record = original(id, blob: id == "a" ? 1 : 2)
            record.tags = ["red", "big"]
            _ = try await catalog.saveResource(record, overwrite: true)
            for width in [10, 20] {
                _ = try await catalog.insertDerivative(
                    derivative(id, width: width, blob: (id == "a" ? 10 : 20) + width), namedTransformations: ["thumb"],
                    recorder: recordNothing)
            }
        }
        #expect(try rows("resource_tags") == 4 && rows("derivative_names") == 4)
        // Derivatives only, then the whole original: no link may outlive its row (row numbers are
        // reused, so a leftover would attach to the next row that gets the number).
        _ = try await catalog.deleteDerivatives(
            ids: [derivative("a", width: 10, blob: 0).id], recorder: recordNothing)
        #expect(try rows("derivative_names") == 3)
        _ = try await catalog.deleteResources(
            [ResourceKey(publicID: "a")], keepOriginal: false, filter: nil, recorder: recordNothing)
        #expect(try rows("resource_tags") == 2 && rows("derivative_names") == 2)
        #expect(try await catalog.derivativeCount(usingNamed: "thumb") == 2)
        _ = try await catalog.deleteNamedTransformation("thumb", recorder: recordNothing)
        #expect(try rows("derivative_names") == 0)
    }

    @Test func aCheckpointEmptiesTheWriteAheadLog() async throws {
        let catalog = try SQLiteCatalog(path: path)
        try await catalog.importResources([(original("a", blob: 1), [derivative("a", width: 10, blob: 2)])])
        let wal = path + "-wal"
        #expect(try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int ?? 0 > 0)
        try await catalog.checkpoint()
        #expect(try FileManager.default.attributesOfItem(atPath: wal)[.size] as? Int == 0)
        #expect(try await catalog.derivatives(ids: [derivative("a", width: 10, blob: 2).id]).count == 1)
    }

    @Test func anOverwrittenOriginalIsFoundByItsNewBlobOnly() async throws {
        let catalog = try SQLiteCatalog(path: path)
        _ = try await catalog.saveResource(original("a", blob: 1), overwrite: true)
        var replacement = original("a", blob: 2)
        replacement.version = 2
        _ = try await catalog.saveResource(replacement, overwrite: true)
        #expect(try await catalog.staleLookupEntries() == 1)
        #expect(try rows("resource_blobs") == 2)  // the old blob's entry is stale, not gone
        #expect(try await !catalog.isReferenced(Self.hash(1)))
        #expect(try await catalog.references(to: Self.hash(1)).resources.isEmpty)
        #expect(try await catalog.references(to: Self.hash(2)).resources == [ResourceKey(publicID: "a")])
        #expect(try await catalog.referencedBlobs() == [Self.hash(2)])
        #expect(try await catalog.compactLookups() == 1)
        #expect(try rows("resource_blobs") == 1)
        #expect(try await catalog.referencedAmong([Self.hash(1), Self.hash(2)]) == [Self.hash(2)])
    }
}
