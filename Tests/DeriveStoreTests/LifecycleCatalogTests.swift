import DeriveStore
import Foundation
import GRDB
import Testing

/// Catalog mechanics the lifecycle rests on: leases, sequence numbers, lookup-key collisions and
/// the migration of a v1 catalog.
@Suite struct LifecycleCatalogTests {
    let directory = TemporaryDirectory()
    var path: String { directory.url.appendingPathComponent("catalog.sqlite").path }

    func resource(_ id: String, blob: String) -> ResourceRecord {
        ResourceRecord(
            key: ResourceKey(publicID: id), version: 1, blob: blob, format: "jpg", width: 1, height: 1, bytes: 1,
            createdAt: Date())
    }

    @Test func aSubscriptionLeaseIsHeldByOneOwnerAtATime() async throws {
        let catalog = try SQLiteCatalog(path: path)
        #expect(try await catalog.claimSubscription("hook", owner: "a", leaseSeconds: 60, initial: 7) == 7)
        #expect(try await catalog.claimSubscription("hook", owner: "b", leaseSeconds: 60, initial: 0) == nil)
        #expect(try await catalog.advanceSubscription("hook", owner: "a", to: 9, leaseSeconds: 60))
        #expect(try await catalog.advanceSubscription("hook", owner: "a", to: 8, leaseSeconds: 60))  // never back
        #expect(try await catalog.subscriptionPositions() == ["hook": 9])
        // `a` stops renewing: its lease lapses and `b` takes over where `a` stopped.
        #expect(try await catalog.advanceSubscription("hook", owner: "a", to: 9, leaseSeconds: 0))
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await catalog.claimSubscription("hook", owner: "b", leaseSeconds: 60, initial: 0) == 9)
        #expect(try await !catalog.advanceSubscription("hook", owner: "a", to: 10, leaseSeconds: 60))  // lost it
        try await catalog.releaseSubscription("hook", owner: "b")
        #expect(try await catalog.claimSubscription("hook", owner: "a", leaseSeconds: 60, initial: 0) == 9)
    }

    @Test func eventSequenceNumbersAreNeverReused() async throws {
        let catalog = try SQLiteCatalog(path: path)
        let draft: ChangeRecorder = { changes in
            changes.map { EventDraft(kind: "upload", key: $0.resource.key, version: 1, payload: "{}") }
        }
        _ = try await catalog.saveResource(
            resource("a", blob: String(repeating: "a", count: 64)), overwrite: true, recorder: draft)
        _ = try await catalog.saveResource(
            resource("b", blob: String(repeating: "b", count: 64)), overwrite: true, recorder: draft)
        #expect(try await catalog.lastEventSequence() == 2)
        #expect(try await catalog.pruneEvents(through: 2, before: Date().addingTimeInterval(60)) == 2)
        #expect(try await catalog.lastEventSequence() == 2)
        _ = try await catalog.saveResource(
            resource("c", blob: String(repeating: "c", count: 64)), overwrite: true, recorder: draft)
        #expect(try await catalog.events(after: 0, limit: 10, notificationsOnly: false).map(\.sequence) == [3])
    }

    @Test func hashesSharingALookupKeyAreStillTellApart() async throws {
        let catalog = try SQLiteCatalog(path: path)
        // Eight hashes with the same first 16 hex digits (one lookup key), plus others around them.
        let prefix = "0123456789abcdef"
        let colliding = (0..<8).map { prefix + String(repeating: String($0), count: 48) }
        let others = ["1", "f", "0"].map { String(repeating: $0, count: 64) }
        for (index, hash) in (colliding + others).enumerated() {
            _ = try await catalog.saveResource(resource("r\(index)", blob: hash), overwrite: true)
        }
        let absent = prefix + String(repeating: "9", count: 48)
        #expect(try await catalog.referencedAmong(colliding + [absent]) == Set(colliding))
        #expect(try await !catalog.isReferenced(absent))
        #expect(try await catalog.references(to: colliding[3]).resources == [ResourceKey(publicID: "r3")])
        var walked: [String] = []
        var cursor: String?
        while true {
            let page = try await catalog.referencedBlobs(after: cursor, limit: 2)
            guard let last = page.last else { break }
            walked += page
            cursor = last
        }
        #expect(walked.count == 11 && Set(walked) == Set(colliding + others))
    }

    @Test func aVersion1CatalogIsMigratedWithItsRows() async throws {
        // The schema and rows as the first release wrote them.
        let queue = try DatabaseQueue(path: path)
        try await queue.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1');
                    CREATE TABLE resources (id INTEGER PRIMARY KEY, resource_type TEXT NOT NULL, type TEXT NOT NULL,
                        public_id TEXT NOT NULL, version INTEGER NOT NULL, blob TEXT NOT NULL, format TEXT NOT NULL,
                        width INTEGER NOT NULL, height INTEGER NOT NULL, bytes INTEGER NOT NULL, created_at DOUBLE NOT NULL,
                        UNIQUE (resource_type, type, public_id));
                    CREATE INDEX resources_blob ON resources(blob);
                    CREATE TABLE derivatives (id TEXT PRIMARY KEY,
                        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
                        version INTEGER NOT NULL, transformation TEXT NOT NULL, format TEXT NOT NULL, blob TEXT NOT NULL,
                        bytes INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, renderer TEXT NOT NULL,
                        created_at DOUBLE NOT NULL, UNIQUE (resource_id, version, transformation, format));
                    CREATE INDEX derivatives_blob ON derivatives(blob);
                    INSERT INTO resources VALUES (1, 'image', 'upload', 'old', 5, '\(String(repeating: "a", count: 64))',
                        'png', 10, 10, 100, 1700000000);
                    INSERT INTO derivatives VALUES ('\(DerivativeRecord.id(key: ResourceKey(publicID: "old"), version: 5, transformation: "w_5", format: "jpg"))',
                        1, 5, 'w_5', 'jpg', '\(String(repeating: "b", count: 64))', 10, 5, 5, 'r', 1700000001);
                    """)
        }
        try queue.close()
        let catalog = try SQLiteCatalog(path: path)
        let key = ResourceKey(publicID: "old")
        #expect(try await catalog.resource(key)?.version == 5)
        let derivative = try #require(
            try await catalog.derivative(key, version: 5, transformation: "w_5", format: "jpg"))
        #expect(derivative.blob == String(repeating: "b", count: 64))
        #expect(try await catalog.derivatives(ids: [derivative.id]).count == 1)
        #expect(
            try await catalog.referencedBlobs() == [
                String(repeating: "a", count: 64), String(repeating: "b", count: 64),
            ])
        let deleted = try #require(try await catalog.deleteResource(key))
        #expect(deleted.derivatives.map(\.id) == [derivative.id])
    }
}
