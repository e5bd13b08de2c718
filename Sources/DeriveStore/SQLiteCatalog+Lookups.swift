import GRDB

/// Finding derivatives by id and rows by blob hash through `derivative_ids`, `derivative_blobs`
/// and `resource_blobs` (schema v3, v4): side tables that deletes leave alone, so a bulk delete
/// only touches pages near the rows it deletes. An entry whose row was deleted (or whose original
/// got another blob) goes stale; every lookup joins the row and compares the full id or hash, so
/// stale entries (and 64-bit key collisions) are filtered out, never returned. Stale entries are
/// counted and removed by rebuilding the tables from the live rows once they are three times as
/// many as the live ones (and on `gc`).
extension SQLiteCatalog {
    /// Rows in `derivatives d` whose id is `?` (bind `lookupKey(id)`, then `id`).
    static let derivativeByID = """
        d.seq IN (SELECT seq FROM derivative_ids WHERE id_key = ?) AND d.id = ?
        """

    /// `derivatives d` rows whose id is among a list: `(keys, ids)` with `count` placeholders each.
    static func derivativesByIDs(_ count: Int) -> String {
        let list = placeholders(count)
        return "d.seq IN (SELECT seq FROM derivative_ids WHERE id_key IN (\(list))) AND d.id IN (\(list))"
    }

    /// Rows in `derivatives d` that reference blob `?` (bind `lookupKey(hash)`, then `hash`).
    static let derivativeByBlob = """
        d.seq IN (SELECT seq FROM derivative_blobs WHERE blob_key = ?) AND d.blob = ?
        """

    /// Rows in `resources r` that reference blob `?` (bind `lookupKey(hash)`, then `hash`).
    static let resourceByBlob = """
        r.id IN (SELECT id FROM resource_blobs WHERE blob_key = ?) AND r.blob = ?
        """

    /// Records an original's (new) blob in `resource_blobs`.
    static func insertResourceLookup(_ db: Database, blob: String, id: Int64) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO resource_blobs (blob_key, id) VALUES (?, ?)")
            .execute(arguments: [lookupKey(blob), id])
        try db.cachedStatement(sql: "UPDATE catalog_counters SET value = value + 1 WHERE name = 'lookup_entries'")
            .execute()
    }

    /// Records a new derivative row in both lookup tables. `OR IGNORE`: a stale entry can hold the
    /// same `(key, seq)` when SQLite reuses a deleted row's `seq`; it then points at the new row.
    static func insertLookups(_ db: Database, id: String, blob: String, seq: Int64) throws {
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO derivative_ids (id_key, seq) VALUES (?, ?)")
            .execute(arguments: [lookupKey(id), seq])
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO derivative_blobs (blob_key, seq) VALUES (?, ?)")
            .execute(arguments: [lookupKey(blob), seq])
        try db.cachedStatement(sql: "UPDATE catalog_counters SET value = value + 1 WHERE name = 'lookup_entries'")
            .execute()
    }

    /// Counts `deleted` lookup entries that went stale (deleted rows, replaced blobs), and rebuilds
    /// the lookup tables once stale entries are three times the live ones: a rebuild costs a third
    /// of the deletes since the previous one, so deletes stay O(1) amortised and the tables at most
    /// about four times their live size.
    static func noteStaleLookups(_ db: Database, deleted: Int) throws {
        guard deleted > 0 else { return }
        let row = try Row.fetchOne(
            db,
            sql: """
                UPDATE catalog_counters SET value = value + ? WHERE name = 'lookup_garbage'
                RETURNING value, (SELECT value FROM catalog_counters WHERE name = 'lookup_entries')
                """,
            arguments: [deleted])
        guard let row else { return }
        let (garbage, entries): (Int, Int) = (row[0], row[1])
        if garbage >= minimumGarbage, garbage * 4 >= entries * 3 { try rebuildLookups(db) }
    }

    /// Fewer stale entries than this never trigger a rebuild (small catalogs would rebuild often).
    static let minimumGarbage = 1_000

    /// Rebuilds the lookup tables from the live rows (in key order, so pages fill densely).
    static func rebuildLookups(_ db: Database) throws {
        try db.execute(
            sql: """
                DELETE FROM derivative_ids;
                INSERT INTO derivative_ids SELECT id_key, seq FROM derivatives ORDER BY id_key, seq;
                DELETE FROM derivative_blobs;
                INSERT INTO derivative_blobs SELECT blob_key, seq FROM derivatives ORDER BY blob_key, seq;
                DELETE FROM resource_blobs;
                INSERT INTO resource_blobs SELECT blob_key, id FROM resources ORDER BY blob_key, id;
                UPDATE catalog_counters SET value = 0 WHERE name = 'lookup_garbage';
                UPDATE catalog_counters
                    SET value = (SELECT count(*) FROM derivative_ids) + (SELECT count(*) FROM resource_blobs)
                    WHERE name = 'lookup_entries';
                """)
    }

    /// Stale lookup entries not yet removed (counted as deleted rows, so an upper bound).
    public func staleLookupEntries() async throws(StoreError) -> Int {
        try await read { db in try Self.staleCount(db) }
    }

    /// Removes every stale lookup entry now (part of garbage collection).
    public func compactLookups() async throws(StoreError) -> Int {
        try await write(keepsDeliveries: true) { db in
            let garbage = try Self.staleCount(db)
            if garbage > 0 { try Self.rebuildLookups(db) }
            return garbage
        }
    }

    private static func staleCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db, sql: "SELECT value FROM catalog_counters WHERE name = 'lookup_garbage'") ?? 0
    }
}
