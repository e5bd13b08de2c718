import DeriveStore
import Foundation

/// What `collectGarbage` found and did.
public struct GarbageCollectionReport: Sendable, Hashable, Codable {
    public var dryRun: Bool
    /// Blobs in the store.
    public var scannedBlobs = 0
    /// Blobs some row points at.
    public var referencedBlobs = 0
    /// Unreferenced blobs older than the grace period: removed (or, in a dry run, to be removed).
    public var unreferencedBlobs = 0
    public var unreferencedBytes = 0
    /// Unreferenced blobs younger than the grace period, left alone (a render may be about to record them).
    public var youngUnreferencedBlobs = 0
    /// Blobs actually removed (0 in a dry run; fewer than `unreferencedBlobs` if rows appeared meanwhile).
    public var reclaimedBlobs = 0
    /// Leftovers of interrupted writes removed.
    public var incompleteWritesRemoved = 0
    /// Blobs an interrupted reclaim had set aside and rows still point at: put back.
    public var restoredBlobs = 0
    /// Events pruned (`LifecycleConfiguration.eventRetention`).
    public var eventsPruned = 0
    /// Catalog lookup entries of deleted rows removed (upkeep bulk deletes defer).
    public var staleLookupEntriesRemoved = 0
    /// The unreferenced hashes (listed in a dry run).
    public var candidates: [String] = []
}

/// What `checkConsistency` found.
public struct ConsistencyReport: Sendable, Hashable, Codable {
    /// A blob rows point at that the store does not have.
    public struct MissingBlob: Sendable, Hashable, Codable {
        public var hash: String
        public var resources: [String]
        public var derivatives: [String]
    }

    /// Distinct blobs the catalog references.
    public var referencedBlobs = 0
    /// Blobs in the store.
    public var storedBlobs = 0
    /// Rows without blobs: a broken invariant (should always be empty).
    public var missingBlobs: [MissingBlob] = []
    /// Blobs without rows: harmless, the garbage collector's to remove.
    public var orphanBlobs: [String] = []
    /// Derivative rows deleted by `repair` because their blob was missing (they render again on demand).
    public var repairedDerivatives = 0

    /// True when every row's blob exists.
    public var isConsistent: Bool { missingBlobs.isEmpty }
}

extension Derive {
    /// Removes blobs nothing references that are older than the grace period (default
    /// `LifecycleConfiguration.gcGracePeriod`), cleans up interrupted writes and reclaims, and prunes
    /// delivered events past the retention. A blob that a row points at by the time it would be
    /// removed is kept (see `BlobStore.reclaim`). With `dryRun` nothing is changed.
    public func collectGarbage(dryRun: Bool = false, gracePeriod: TimeInterval? = nil) async throws(DeriveError)
        -> GarbageCollectionReport
    {
        let grace = gracePeriod ?? configuration.lifecycle.gcGracePeriod
        let catalog = self.catalog
        var report = GarbageCollectionReport(dryRun: dryRun)
        let stored = try await storing { try await self.blobs.list() }
        report.scannedBlobs = stored.count
        let now = Date()
        var candidates: [StoredBlob] = []
        for start in stride(from: 0, to: stored.count, by: 500) {
            let chunk = Array(stored[start..<min(start + 500, stored.count)])
            let referenced = try await storing { try await catalog.referencedAmong(chunk.map(\.hash)) }
            report.referencedBlobs += referenced.count
            for blob in chunk where !referenced.contains(blob.hash) {
                if now.timeIntervalSince(blob.modified) >= grace {
                    candidates.append(blob)
                } else {
                    report.youngUnreferencedBlobs += 1
                }
            }
        }
        report.unreferencedBlobs = candidates.count
        report.unreferencedBytes = candidates.reduce(0) { $0 + $1.bytes }
        guard !dryRun else {
            report.candidates = candidates.map(\.hash).sorted()
            return report
        }
        for start in stride(from: 0, to: candidates.count, by: 500) {
            let chunk = candidates[start..<min(start + 500, candidates.count)].map(\.hash)
            let removed = try await storing {
                try await self.blobs.reclaim(chunk) { hashes throws(StoreError) in
                    try await catalog.referencedAmong(hashes)
                }
            }
            report.reclaimedBlobs += removed.count
        }
        let recovery = try await storing {
            try await self.blobs.recover(olderThan: grace) { hashes throws(StoreError) in
                try await catalog.referencedAmong(hashes)
            }
        }
        report.incompleteWritesRemoved = recovery.incompleteRemoved
        report.restoredBlobs = recovery.restored.count
        report.staleLookupEntriesRemoved = try await storing { try await catalog.compactLookups() }
        if let retention = configuration.lifecycle.eventRetention {
            report.eventsPruned = try await pruneDeliveredEvents(olderThan: retention)
        }
        return report
    }

    /// Deletes events older than `age` that every webhook has delivered.
    @discardableResult
    public func pruneDeliveredEvents(olderThan age: TimeInterval) async throws(DeriveError) -> Int {
        let positions = try await webhookPositions()
        var through = try await lastEventSequence()
        if let slowest = positions.values.min() { through = min(through, slowest) }
        let limit = through
        return try await storing {
            try await self.catalog.pruneEvents(through: limit, before: Date().addingTimeInterval(-age))
        }
    }

    /// Subscription rows whose names start with this hold maintenance leases, not event positions.
    static let maintenancePrefix = "maintenance:"
    /// The lease of the scheduled collection; its position is the last run's start (Unix ms).
    static let scheduledCollection = maintenancePrefix + "gc"

    /// Collects garbage if `interval` has passed since the last scheduled run of any process
    /// sharing the catalog, holding the lease meanwhile so that only one runs at a time. Returns
    /// nil when it was not due or another process holds the lease. `owner` names the caller (unique
    /// per process); `LifecycleConfiguration.gcInterval` calls this in the background, and a
    /// service with its own scheduler can call it instead.
    @discardableResult
    public func collectGarbageIfDue(interval: TimeInterval, owner: String) async throws(DeriveError)
        -> GarbageCollectionReport?
    {
        let (name, catalog) = (Self.scheduledCollection, self.catalog)
        let lease = max(interval, 3_600)  // longer than a collection takes; released when done
        let start = Int64(Date().timeIntervalSince1970 * 1_000)
        guard
            let last = try await storing({
                try await catalog.claimSubscription(name, owner: owner, leaseSeconds: lease, initial: 0)
            })
        else { return nil }
        var report: GarbageCollectionReport?
        do {
            if Double(start - last) >= interval * 1_000 {
                report = try await collectGarbage()
                _ = try await storing {
                    try await catalog.advanceSubscription(name, owner: owner, to: start, leaseSeconds: lease)
                }
            }
        } catch {
            try? await catalog.releaseSubscription(name, owner: owner)
            throw error
        }
        try? await catalog.releaseSubscription(name, owner: owner)
        return report
    }

    /// The background collector's step (`LifecycleConfiguration.gcInterval`): logs what it did.
    func collectGarbageOnSchedule(interval: TimeInterval, owner: String) async {
        do {
            guard let report = try await collectGarbageIfDue(interval: interval, owner: owner) else { return }
            lifecycle.logger.info(
                """
                scheduled gc: \(report.reclaimedBlobs) blobs reclaimed (\(report.unreferencedBytes) bytes), \
                \(report.youngUnreferencedBlobs) too young, \(report.eventsPruned) events pruned
                """)
        } catch {
            guard !Task.isCancelled else { return }  // shutting down
            lifecycle.logger.warning("scheduled gc failed (will retry): \(error)")
        }
    }

    /// Checks that every row's blob exists (invariant 1) and lists blobs without rows. Blobs an
    /// interrupted reclaim set aside are put back first. With `repair`, derivative rows whose blob
    /// is missing are deleted (they render again on the next request); originals cannot be repaired
    /// and stay reported.
    public func checkConsistency(repair: Bool = false) async throws(DeriveError) -> ConsistencyReport {
        let catalog = self.catalog
        var report = ConsistencyReport()
        _ = try await storing {
            try await self.blobs.recover(olderThan: .infinity) { hashes throws(StoreError) in
                try await catalog.referencedAmong(hashes)
            }
        }
        var cursor: String?
        var missing: [String] = []
        while true {
            let after = cursor
            let page = try await storing { try await catalog.referencedBlobs(after: after, limit: 1_000) }
            report.referencedBlobs += page.count
            for hash in page {
                let present = try await storing { try await self.blobs.contains(hash) }
                if !present { missing.append(hash) }
            }
            guard let last = page.last else { break }
            cursor = last
        }
        var brokenDerivatives: [String] = []
        for hash in missing {
            let references = try await storing { try await catalog.references(to: hash) }
            report.missingBlobs.append(
                ConsistencyReport.MissingBlob(
                    hash: hash, resources: references.resources.map(\.description),
                    derivatives: references.derivatives))
            brokenDerivatives += references.derivatives
        }
        let stored = try await storing { try await self.blobs.list() }
        report.storedBlobs = stored.count
        for start in stride(from: 0, to: stored.count, by: 500) {
            let chunk = stored[start..<min(start + 500, stored.count)].map(\.hash)
            let referenced = try await storing { try await catalog.referencedAmong(chunk) }
            report.orphanBlobs += chunk.filter { !referenced.contains($0) }
        }
        report.orphanBlobs.sort()
        if repair, !brokenDerivatives.isEmpty {
            for start in stride(from: 0, to: brokenDerivatives.count, by: DeleteOptions.maxPublicIDs) {
                let chunk = Array(brokenDerivatives[start..<min(start + 100, brokenDerivatives.count)])
                let statuses = try await deleteDerivedResources(ids: chunk)
                report.repairedDerivatives += statuses.values.filter { $0 == .deleted }.count
            }
            report.missingBlobs = report.missingBlobs.compactMap { blob in
                var blob = blob
                blob.derivatives = []
                return blob.resources.isEmpty ? nil : blob
            }
        }
        return report
    }
}
