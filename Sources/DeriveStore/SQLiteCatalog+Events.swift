import Foundation
import GRDB

/// The event log and the delivery positions of its subscribers.
extension SQLiteCatalog {
    public func events(after sequence: Int64, limit: Int, notificationsOnly: Bool) async throws(StoreError)
        -> [EventRecord]
    {
        try await read { db in
            let filter = notificationsOnly ? " AND notification_url IS NOT NULL" : ""
            return try Row.fetchAll(
                db, sql: "SELECT * FROM events WHERE seq > ?\(filter) ORDER BY seq LIMIT ?",
                arguments: [sequence, max(1, limit)]
            ).map(Self.event)
        }
    }

    public func lastEventSequence() async throws(StoreError) -> Int64 {
        try await read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0),
                               coalesce((SELECT max(seq) FROM events), 0))
                    """) ?? 0
        }
    }

    public func pruneEvents(through sequence: Int64, before: Date) async throws(StoreError) -> Int {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql: "DELETE FROM events WHERE seq <= ? AND time < ?",
                arguments: [sequence, before.timeIntervalSince1970])
            return db.changesCount
        }
    }

    static func event(from row: Row) -> EventRecord {
        let publicID: String? = row["public_id"]
        let key = publicID.map {
            ResourceKey(resourceType: row["resource_type"] ?? "image", type: row["type"] ?? "upload", publicID: $0)
        }
        return EventRecord(
            sequence: row["seq"], time: Date(timeIntervalSince1970: row["time"]), kind: row["kind"], key: key,
            version: row["version"], payload: row["payload"], notificationURL: row["notification_url"])
    }

    // MARK: - Subscriptions

    public func claimSubscription(_ name: String, owner: String, leaseSeconds: Double, initial: Int64)
        async throws(StoreError) -> Int64?
    {
        try await write(keepsDeliveries: true) { db in
            let now = Date().timeIntervalSince1970
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT position, lease_owner, lease_until FROM subscriptions WHERE name = ?",
                    arguments: [name])
            else {
                try db.execute(
                    sql: "INSERT INTO subscriptions (name, position, lease_owner, lease_until) VALUES (?, ?, ?, ?)",
                    arguments: [name, initial, owner, now + leaseSeconds])
                return initial
            }
            let holder: String? = row["lease_owner"]
            let until: Double = row["lease_until"]
            guard holder == owner || until < now else { return nil }
            try db.execute(
                sql: "UPDATE subscriptions SET lease_owner = ?, lease_until = ? WHERE name = ?",
                arguments: [owner, now + leaseSeconds, name])
            return row["position"]
        }
    }

    public func advanceSubscription(_ name: String, owner: String, to sequence: Int64, leaseSeconds: Double)
        async throws(StoreError) -> Bool
    {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql: """
                    UPDATE subscriptions SET position = max(position, ?), lease_until = ?
                    WHERE name = ? AND lease_owner = ?
                    """,
                arguments: [sequence, Date().timeIntervalSince1970 + leaseSeconds, name, owner])
            return db.changesCount == 1
        }
    }

    public func releaseSubscription(_ name: String, owner: String) async throws(StoreError) {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql: "UPDATE subscriptions SET lease_until = 0 WHERE name = ? AND lease_owner = ?",
                arguments: [name, owner])
        }
    }

    public func subscriptionPositions() async throws(StoreError) -> [String: Int64] {
        try await read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT name, position FROM subscriptions")
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["name"], $0["position"]) })
        }
    }

    public func recordDeliveryFailure(_ failure: DeliveryFailure) async throws(StoreError) {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql: """
                    INSERT INTO delivery_failures (subscription, seq, url, attempts, error, time) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    failure.subscription, failure.sequence, failure.url, failure.attempts, failure.error,
                    failure.time.timeIntervalSince1970,
                ])
        }
    }

    public func deliveryFailures(subscription: String?, limit: Int) async throws(StoreError) -> [DeliveryFailure] {
        try await read { db in
            let filter = subscription == nil ? "" : " WHERE subscription = ?"
            var arguments: [(any DatabaseValueConvertible)?] = subscription.map { [$0] } ?? []
            arguments.append(max(1, limit))
            return try Row.fetchAll(
                db, sql: "SELECT * FROM delivery_failures\(filter) ORDER BY id DESC LIMIT ?",
                arguments: StatementArguments(arguments)
            ).map {
                DeliveryFailure(
                    subscription: $0["subscription"], sequence: $0["seq"], url: $0["url"], attempts: $0["attempts"],
                    error: $0["error"], time: Date(timeIntervalSince1970: $0["time"]))
            }
        }
    }

    // MARK: - Bulk import

    /// Imports originals with their derivatives without events or hooks, in transactions of
    /// `batchSize` originals: for migrations from another store, restores, and benchmarks. Existing
    /// public ids are an error. The blobs must already be in the blob store.
    public func importResources(_ entries: [(ResourceRecord, [DerivativeRecord])], batchSize: Int = 2_000)
        async throws(StoreError)
    {
        for start in stride(from: 0, to: entries.count, by: max(1, batchSize)) {
            let batch = Array(entries[start..<min(start + batchSize, entries.count)])
            try await write { db in
                for (record, derivatives) in batch {
                    let id = try Self.insertResourceRow(db, record)
                    if !record.tags.isEmpty { try Self.setTags(db, resourceID: id, record.tags) }
                    for derivative in derivatives { _ = try Self.insertDerivativeRow(db, derivative, resourceID: id) }
                }
            }
        }
    }
}
