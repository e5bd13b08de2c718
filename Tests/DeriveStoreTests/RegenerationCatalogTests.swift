import Foundation
import Testing

@testable import DeriveStore

/// The catalog side of regeneration jobs: batches split between owners, leases taken over, recorded
/// items handed to whoever takes a batch over, cancellation.
@Suite struct RegenerationCatalogTests {
    let directory = TemporaryDirectory()

    func catalog(_ originals: Int) async throws -> SQLiteCatalog {
        let catalog = try SQLiteCatalog(path: directory.url.appendingPathComponent("catalog.sqlite").path)
        for index in 0..<originals {
            _ = try await catalog.saveResource(
                ResourceRecord(
                    key: ResourceKey(publicID: String(format: "r%03d", index)), version: 100,
                    blob: String(repeating: "a", count: 64), format: "jpg", width: 40, height: 30, bytes: 1234,
                    createdAt: Date()),
                overwrite: false)
        }
        return catalog
    }

    let walk = RegenerationWalk(selection: .all)

    func claim(_ catalog: SQLiteCatalog, _ owner: String, lease: Double = 60, gone: Bool = false) async throws
        -> RegenerationClaim
    {
        try await catalog.claimRegenerationBatch(
            job: "job", walk: walk, owner: owner, leaseSeconds: lease, batchSize: 3, ownerIsGone: { _ in gone })
    }

    @Test func ownersSplitTheWalkAndTheJobEndsWhenEveryBatchIsFinished() async throws {
        let catalog = try await catalog(8)
        _ = try await catalog.startRegenerationJob(id: "job", request: "{}", requestKey: "k")
        var seen: [String] = []
        var leases: [RegenerationLease] = []
        for owner in ["a", "b", "a"] {
            guard case .batch(let batch) = try await claim(catalog, owner) else {
                Issue.record("no batch for \(owner)")
                return
            }
            seen += batch.keys.map(\.publicID)
            leases.append(RegenerationLease(job: "job", batch: batch.number, owner: owner, seconds: 60))
        }
        #expect(seen == (0..<8).map { String(format: "r%03d", $0) })  // each original once, in order
        #expect(try await claim(catalog, "c") == .waiting(held: 3))
        for lease in leases { try await catalog.finishRegenerationBatch(lease, skipped: 1) }
        #expect(try await claim(catalog, "c") == .finished(.done))
        let job = try #require(try await catalog.regenerationJob("job"))
        #expect(job.state == .done && job.batches == 3 && job.skipped == 3 && job.exhausted)
        // The same request again: a new job.
        let again = try await catalog.startRegenerationJob(id: "job2", request: "{}", requestKey: "k")
        #expect(!again.resumed && again.job.id == "job2")
    }

    @Test func anExpiredOrAbandonedLeaseIsTakenOverWithItsRecordedItems() async throws {
        let catalog = try await catalog(3)
        let started = try await catalog.startRegenerationJob(id: "job", request: "{}", requestKey: "k")
        let resumed = try await catalog.startRegenerationJob(id: "other", request: "{}", requestKey: "k")
        #expect(!started.resumed && resumed.resumed && resumed.job.id == "job")
        // A lease long enough that a loaded machine cannot let it run out before b asks.
        guard case .batch(let batch) = try await claim(catalog, "a", lease: 30) else {
            Issue.record("no batch")
            return
        }
        let lease = RegenerationLease(job: "job", batch: batch.number, owner: "a", seconds: 30)
        try await catalog.recordRegenerationFailure(lease, item: "item-1", label: "r000 w_1 jpg", error: "boom")
        // Within the lease, and the owner alive: nothing to claim.
        #expect(try await claim(catalog, "b") == .waiting(held: 1))
        // Its owner gone (a dead process on this host): taken over at once.
        guard case .batch(let taken) = try await claim(catalog, "b", lease: 0.05, gone: true) else {
            Issue.record("not taken over")
            return
        }
        #expect(taken.takenOver && taken.number == batch.number && taken.finishedItems == ["item-1"])
        // b's lease expires (b alive, say, on another host): a takes it back.
        try await Task.sleep(for: .milliseconds(80))
        guard case .batch(let back) = try await claim(catalog, "a") else {
            Issue.record("released batch not claimable")
            return
        }
        #expect(back.number == batch.number && back.takenOver)
        // Given back (a cancelled run): claimable at once by anyone.
        try await catalog.releaseRegenerationBatch(
            RegenerationLease(job: "job", batch: back.number, owner: "a", seconds: 60))
        guard case .batch(let released) = try await claim(catalog, "c") else {
            Issue.record("released batch not claimable")
            return
        }
        #expect(released.number == batch.number && !released.takenOver)
        let failures = try await catalog.regenerationFailures(job: "job", limit: 10)
        #expect(failures == [RegenerationFailure(item: "item-1", label: "r000 w_1 jpg", error: "boom")])
        // A failure is recorded once.
        try await catalog.recordRegenerationFailure(lease, item: "item-1", label: "r000 w_1 jpg", error: "again")
        #expect(try await catalog.regenerationJob("job")?.failed == 1)
    }

    @Test func aCancelledJobHandsOutNothing() async throws {
        let catalog = try await catalog(2)
        _ = try await catalog.startRegenerationJob(id: "job", request: "{}", requestKey: "k")
        #expect(try await catalog.cancelRegenerationJob("job")?.state == .cancelled)
        #expect(try await claim(catalog, "a") == .finished(.cancelled))
        #expect(try await catalog.cancelRegenerationJob("nope") == nil)
        #expect(try await catalog.regenerationJobs(limit: 10).map(\.id) == ["job"])
    }
}
