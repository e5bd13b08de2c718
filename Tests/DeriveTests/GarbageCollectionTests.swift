import Derive
import DeriveStore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Garbage collection with a grace period, the consistency check, and the reclaim protocol that
/// keeps a blob a concurrent writer is about to reference.
@Suite struct GarbageCollectionTests {
    /// Sets a file's modification time `seconds` into the past.
    func age(_ path: String, by seconds: Int) {
        let past = time(nil) - seconds
        var times = [timeval(tv_sec: past, tv_usec: 0), timeval(tv_sec: past, tv_usec: 0)]
        utimes(path, &times)
    }

    @Test func unreferencedBlobsGoAfterTheGracePeriodOnly() async throws {
        try await LifecycleFixture.with { fixture in
            let kept = try await fixture.seed("g/", count: 3)
            let young = try await fixture.blobs.put(Array("a render in flight".utf8))
            let old = try await fixture.blobs.put(Array("left by a crash".utf8))
            age(fixture.blobs.path(of: old), by: 7_200)
            let temporary = fixture.directory.appendingPathComponent("tmp/\(old).interrupted").path
            #expect(FileManager.default.createFile(atPath: temporary, contents: Data("partial".utf8)))
            age(temporary, by: 7_200)

            let dryRun = try await fixture.derive.collectGarbage(dryRun: true)
            #expect(dryRun.candidates == [old] && dryRun.youngUnreferencedBlobs == 1 && dryRun.reclaimedBlobs == 0)
            #expect(fixture.blobFiles.contains(old))

            let report = try await fixture.derive.collectGarbage()
            #expect(report.reclaimedBlobs == 1 && report.unreferencedBytes == 15 && report.incompleteWritesRemoved == 1)
            #expect(fixture.blobFiles == LifecycleFixture.blobs(of: kept).union([young]))
            #expect(!FileManager.default.fileExists(atPath: temporary))

            #expect(try await fixture.derive.collectGarbage(gracePeriod: 0).reclaimedBlobs == 1)
            #expect(fixture.blobFiles == LifecycleFixture.blobs(of: kept))
        }
    }

    @Test func garbageCollectionCompactsTheCatalogLookups() async throws {
        try await LifecycleFixture.with { fixture in
            let seeded = try await fixture.seed("k/", count: 10, derivatives: 3)
            _ = try await fixture.derive.deleteResources(
                publicIDs: seeded.prefix(4).map(\.0.key.publicID), options: DeleteOptions(keepOriginal: true))
            let report = try await fixture.derive.collectGarbage(gracePeriod: 0)
            #expect(report.staleLookupEntriesRemoved == 12)  // 4 originals' 3 derivatives each
            #expect(try await fixture.derive.collectGarbage(gracePeriod: 0).staleLookupEntriesRemoved == 0)
            // Everything that is left is still found by id.
            let kept = seeded[4...].flatMap(\.1).map(\.id)
            let deleted = try await fixture.derive.deleteDerivedResources(ids: Array(kept.prefix(5)))
            #expect(deleted.values.allSatisfy { $0 == .deleted } && deleted.count == 5)
        }
    }

    @Test func theConsistencyCheckFindsRowsWithoutBlobsAndRepairsDerivatives() async throws {
        try await LifecycleFixture.with { fixture in
            let seeded = try await fixture.seed("c/", count: 20, derivatives: 1)
            let orphan = try await fixture.blobs.put(Array("nobody's".utf8))
            #expect(try await fixture.derive.checkConsistency().orphanBlobs == [orphan])

            // A derivative blob (shared by c/00010…c/00019) and an original blob vanish.
            let derivative = seeded[10].1[0]
            try FileManager.default.removeItem(atPath: fixture.blobs.path(of: derivative.blob))
            try FileManager.default.removeItem(atPath: fixture.blobs.path(of: seeded[0].0.blob))
            let report = try await fixture.derive.checkConsistency()
            #expect(!report.isConsistent && report.missingBlobs.count == 2)
            let missing = try #require(report.missingBlobs.first { $0.hash == derivative.blob })
            #expect(Set(missing.derivatives) == Set(seeded[10..<20].map { $0.1[0].id }))

            let repaired = try await fixture.derive.checkConsistency(repair: true)
            #expect(repaired.repairedDerivatives == 10)
            #expect(repaired.missingBlobs.map(\.resources) == [["image/upload/c/00000"]])
            #expect(try await fixture.derive.resource(publicID: "c/00015")?.derived.isEmpty == true)
        }
    }

    @Test func aBlobSetAsideByAnInterruptedReclaimIsPutBack() async throws {
        try await LifecycleFixture.with { fixture in
            let seeded = try await fixture.seed("q/", count: 2, derivatives: 0)
            let hash = seeded[0].0.blob
            let trash = fixture.directory.appendingPathComponent("trash/\(hash).crashed").path
            #expect(rename(fixture.blobs.path(of: hash), trash) == 0)
            let report = try await fixture.derive.checkConsistency()
            #expect(report.isConsistent && FileManager.default.fileExists(atPath: fixture.blobs.path(of: hash)))
            #expect(!FileManager.default.fileExists(atPath: trash))
        }
    }

    @Test func reclaimPutsBackABlobThatARowStartedPointingAt() async throws {
        try await LifecycleFixture.with { fixture in
            let store = fixture.blobs
            let bytes = Array("shared bytes".utf8)
            let hash = try await store.put(bytes)
            let other = try await store.put(Array("really unreferenced".utf8))
            // Between the quarantine and the re-check, a writer commits a row for `hash`.
            let removed = try await store.reclaim([hash, other]) { candidates throws(StoreError) in
                Set(candidates.filter { $0 == hash })
            }
            #expect(removed == [other])
            #expect(try await store.get(hash) == bytes)
            #expect(try await !store.contains(other))
            // And a writer that committed after a reclaim removed the blob rewrites it.
            _ = try await store.reclaim([hash]) { _ throws(StoreError) in [] }
            #expect(try await !store.contains(hash))
            try await store.ensure(hash, bytes: bytes)
            #expect(try await store.get(hash) == bytes)
        }
    }

    /// Polls `condition` every 50 ms for up to `seconds`.
    func eventually(within seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    @Test func theBackgroundCollectorRemovesOrphansWithoutBeingCalled() async throws {
        try await LifecycleFixture.with(configure: {
            $0.lifecycle.gcInterval = 0.5
            $0.lifecycle.gcGracePeriod = 600  // the seeded blobs are young while their rows are written
        }) { fixture in
            let kept = try await fixture.seed("k/", count: 2)
            let orphan = try fixture.writeBlob("left behind by a crash")
            age(fixture.blobs.path(of: orphan), by: 7_200)
            #expect(await eventually(within: 30) { !fixture.blobFiles.contains(orphan) })
            #expect(fixture.blobFiles == LifecycleFixture.blobs(of: kept))
            // The last run is kept in the catalog (recorded once the run is done); it is not a
            // webhook position.
            #expect(
                try await eventually(within: 30) {
                    try await fixture.catalog.subscriptionPositions()["maintenance:gc"] ?? 0 > 0
                })
            #expect(try await fixture.derive.webhookPositions().isEmpty)
        }
    }

    @Test func aRestartDoesNotCollectBeforeItIsDueAndOneProcessCollectsAtATime() async throws {
        try await LifecycleFixture.with(configure: {
            $0.lifecycle.gcInterval = 3_600
            $0.lifecycle.gcGracePeriod = 0
        }) { fixture in
            // A fresh catalog has never been collected: the collector runs at start-up.
            #expect(
                try await eventually(within: 30) {
                    try await fixture.catalog.subscriptionPositions()["maintenance:gc"] ?? 0 > 0
                })
            let orphan = try fixture.writeBlob("orphan")
            // Another process (or a restart) on the same data: the hourly run is not due yet.
            var configuration = fixture.derive.configuration
            configuration.lifecycle.deliverWebhooks = false
            let restarted = try await Derive.open(configuration)
            try await Task.sleep(for: .seconds(1))
            #expect(fixture.blobFiles.contains(orphan))
            #expect(try await restarted.collectGarbageIfDue(interval: 3_600, owner: "restarted") == nil)
            // While one process holds the lease, another does not collect, even when due.
            // (The servers' own collectors hold it for a moment each minute: retry until it is free.)
            #expect(
                try await eventually(within: 30) {
                    try await fixture.catalog.claimSubscription(
                        "maintenance:gc", owner: "holder", leaseSeconds: 60, initial: 0) != nil
                })
            #expect(try await restarted.collectGarbageIfDue(interval: 0, owner: "restarted") == nil)
            #expect(fixture.blobFiles.contains(orphan))
            try await fixture.catalog.releaseSubscription("maintenance:gc", owner: "holder")
            let report = try await restarted.collectGarbageIfDue(interval: 0, owner: "restarted")
            #expect(report?.reclaimedBlobs == 1)
            #expect(!fixture.blobFiles.contains(orphan))
            await restarted.shutdown()
        }
    }
}
