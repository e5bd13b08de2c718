import Foundation
import GRDB

/// The embedded catalog: one SQLite file in WAL mode (GRDB `DatabasePool`: concurrent readers,
/// one writer at a time). Several processes may open the same file; SQLite serialises writers.
public final class SQLiteCatalog: Catalog {
    let pool: DatabasePool
    private let generationReader: DeliveryGenerationReader

    public init(path: String) throws(StoreError) {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                // FULL: a commit is on stable storage when it returns, so an acknowledged upload,
                // overwrite or delete survives a power loss (WAL with NORMAL may lose the last
                // commits). Cost measured in BENCHMARKS.md ("Catalog durability").
                try db.execute(sql: "PRAGMA synchronous = FULL")
                if !db.configuration.readonly {
                    // The writer: a bulk delete dirties thousands of index pages per transaction.
                    // A larger page cache keeps them in memory, and checkpointing every ~40 MB of
                    // WAL instead of every 4 MB takes the checkpoint's fsync out of most commits.
                    try db.execute(sql: "PRAGMA cache_size = -65536")
                    try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
                    try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
                }
                if let extra = ProcessInfo.processInfo.environment["DERIVE_SQLITE_PRAGMAS"] {
                    try db.execute(sql: extra)
                }
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB switches the writer to `synchronous = NORMAL` when it sets up WAL, after
            // prepareDatabase: set the durable mode (and any override) on the writer again here.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                if let extra = ProcessInfo.processInfo.environment["DERIVE_SQLITE_PRAGMAS"] {
                    try db.execute(sql: extra)
                }
            }
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw .database("cannot open catalog at \(path): \(error)")
        }
        generationReader = try DeliveryGenerationReader(path: path)
    }

    /// Advanced by every committed write that can change a delivery answer, in any process.
    public func deliveryGeneration() throws(StoreError) -> DeliveryGeneration? {
        try generationReader.read()
    }

    /// How many of the delivery generation reads went to the database (tests: the rest were
    /// answered by an unchanged wal-index header).
    var deliveryGenerationDatabaseReads: Int { generationReader.databaseReads.load(ordering: .relaxed) }

    // MARK: - Originals

    /// A point read, answered on the calling thread (see ``readNow(_:)``).
    public func resource(_ key: ResourceKey) async throws(StoreError) -> ResourceRecord? {
        try readNow { db in try Self.fetchResource(db, key)?.record }
    }

    public func resources(_ keys: [ResourceKey]) async throws(StoreError) -> [ResourceRecord] {
        try await read { db in
            let found = try Self.fetchResources(db, keys)
            return keys.compactMap { found[$0]?.record }
        }
    }

    public func saveResource(_ record: ResourceRecord, overwrite: Bool, recorder: @escaping ChangeRecorder)
        async throws(StoreError) -> SaveOutcome
    {
        // A new id changes only answers given for its absence (`creation_generation`); an
        // overwrite changes its own answers (`delivery_generation`); keeping the existing, nothing.
        try await write(keepsDeliveries: true) { db in
            guard let (id, existing) = try Self.fetchResource(db, record.key) else {
                try db.cachedStatement(sql: Self.advanceCreationGeneration).execute()
                try Self.setTags(db, resourceID: try Self.insertResourceRow(db, record), record.tags)
                try Self.record(db, [.uploaded(record)], recorder)
                return SaveOutcome(stored: record, replaced: nil, removedDerivatives: [], keptExisting: false)
            }
            guard overwrite else {
                return SaveOutcome(stored: existing, replaced: nil, removedDerivatives: [], keptExisting: true)
            }
            try db.cachedStatement(sql: Self.advanceDeliveryGeneration).execute()
            var stored = record
            stored.version = max(record.version, existing.version + 1)
            if record.tags.isEmpty {
                stored.tags = existing.tags
            } else {
                try Self.setTags(db, resourceID: id, record.tags)
            }
            if record.context.isEmpty { stored.context = existing.context }
            var byOwner: [Int64: [DerivativeRecord]] = [:]
            try Self.deleteDerivatives(
                db, where: "resource_id = ?", arguments: [id], keys: [id: record.key], into: &byOwner)
            let removed = byOwner[id] ?? []
            try db.execute(
                sql: """
                    UPDATE resources SET version = ?, blob = ?, blob_key = ?, format = ?, width = ?, height = ?,
                        bytes = ?, created_at = ?, context = ?
                    WHERE id = ?
                    """,
                arguments: [
                    stored.version, stored.blob, lookupKey(stored.blob), stored.format, stored.width, stored.height,
                    stored.bytes, stored.createdAt.timeIntervalSince1970, ResourceRecord.contextText(stored.context),
                    id,
                ])
            if stored.blob != existing.blob {
                try Self.insertResourceLookup(db, blob: stored.blob, id: id)
                try Self.noteStaleLookups(db, deleted: 1)
            }
            try Self.record(db, [.overwritten(stored, previous: existing, removed: removed)], recorder)
            return SaveOutcome(stored: stored, replaced: existing, removedDerivatives: removed, keptExisting: false)
        }
    }

    // MARK: - Derivatives

    public func derivative(
        _ key: ResourceKey, version: Int, transformation: String, format: String
    ) async throws(StoreError) -> DerivativeRecord? {
        let id = DerivativeRecord.id(key: key, version: version, transformation: transformation, format: format)
        return try readNow { db in try Self.fetchDerivative(db, id: id).map { Self.derivative(from: $0, key: key) } }
    }

    public func insertDerivative(
        _ record: DerivativeRecord, namedTransformations: [String], recorder: @escaping ChangeRecorder
    )
        async throws(StoreError) -> DerivativeRecord
    {
        // A new derivative changes no answer: before it, its URL rendered the same image. And it can
        // be made again, so its commit need not wait for the disk (see `writeRecreatable`).
        try await writeRecreatable { db in
            guard let (resourceID, resource) = try Self.fetchResource(db, record.key),
                resource.version == record.version
            else { throw StoreError.resourceGone(record.key, version: record.version) }
            if let row = try Self.fetchDerivative(db, id: record.id) {
                return Self.derivative(from: row, key: record.key)
            }
            let seq = try Self.insertDerivativeRow(db, record, resourceID: resourceID)
            for name in Set(namedTransformations) {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO derivative_names (name, derivative) VALUES (?, ?)")
                    .execute(arguments: [name, seq])
            }
            try Self.record(db, [.derivedCreated(record, of: resource)], recorder)
            return record
        }
    }

    public func derivatives(of key: ResourceKey) async throws(StoreError) -> [DerivativeRecord] {
        try await read { db in
            guard let (id, _) = try Self.fetchResource(db, key) else { return [] }
            return try Row.fetchAll(
                db,
                sql: "SELECT \(Self.derivativeColumns) FROM derivatives WHERE resource_id = ? ORDER BY created_at, id",
                arguments: [id]
            ).map { Self.derivative(from: $0, key: key) }
        }
    }

    public func derivatives(ids: [String]) async throws(StoreError) -> [DerivativeRecord] {
        try await read { db in
            var found: [String: DerivativeRecord] = [:]
            let columns = Self.derivativeColumns.split(separator: ", ").map { "d." + $0 }.joined(separator: ", ")
            for chunk in Self.chunks(Array(Set(ids))) {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(columns), r.resource_type, r.type, r.public_id
                        FROM derivatives d JOIN resources r ON r.id = d.resource_id
                        WHERE \(Self.derivativesByIDs(chunk.count))
                        """,
                    arguments: StatementArguments(chunk.map(lookupKey)) + StatementArguments(chunk))
                for row in rows {
                    let record = Self.derivative(
                        from: row, key: ResourceKey(resourceType: row[11], type: row[12], publicID: row[13]))
                    found[record.id] = record
                }
            }
            return ids.compactMap { found[$0] }
        }
    }

    // MARK: - Blobs
    //
    // Rows find blobs through `blob_key` (the hash's first 8 bytes as an integer; indexed for
    // originals, through `derivative_blobs` for derivatives) and then compare the full hash, so a
    // key collision or a stale entry costs a row compare, never a wrong answer.

    public func isReferenced(_ hash: String) async throws(StoreError) -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM resources r WHERE \(Self.resourceByBlob))
                        OR EXISTS (SELECT 1 FROM derivatives d WHERE \(Self.derivativeByBlob))
                    """,
                arguments: [lookupKey(hash), hash, lookupKey(hash), hash]) ?? false
        }
    }

    public func referencedAmong(_ hashes: [String]) async throws(StoreError) -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        return try await read { db in
            let wanted = Set(hashes)
            var found = Set<String>()
            for chunk in Self.chunks(Array(wanted)) {
                let list = Self.placeholders(chunk.count)
                let keys = chunk.map(lookupKey)
                let rows = try String.fetchAll(
                    db,
                    sql: """
                        SELECT blob FROM resources WHERE id IN (SELECT id FROM resource_blobs WHERE blob_key IN (\(list)))
                        UNION SELECT blob FROM derivatives
                            WHERE seq IN (SELECT seq FROM derivative_blobs WHERE blob_key IN (\(list)))
                        """,
                    arguments: StatementArguments(keys + keys))
                found.formUnion(rows)
            }
            return found.intersection(wanted)
        }
    }

    /// Pages in `blob_key` order. A page ends at a key boundary: every row with the last key is
    /// included, so continuing after that key misses nothing.
    public func referencedBlobs(after cursor: String?, limit: Int) async throws(StoreError) -> [String] {
        let limit = max(1, limit)
        return try await read { db in
            let after = cursor.map(lookupKey) ?? Int64.min
            let condition = cursor == nil ? "x.blob_key >= ?" : "x.blob_key > ?"
            var merged: [Int64: Set<String>] = [:]
            var cut: Int64?
            // (blob_key, blob) in key order through the lookup tables, where the join drops stale
            // entries (their row is gone or now has another key).
            let sources = [
                "resource_blobs x JOIN resources r ON r.id = x.id AND r.blob_key = x.blob_key",
                "derivative_blobs x JOIN derivatives d ON d.seq = x.seq AND d.blob_key = x.blob_key",
            ]
            for source in sources {
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT x.blob_key, blob FROM \(source) WHERE \(condition) ORDER BY x.blob_key LIMIT ?",
                    arguments: [after, limit])
                for row in rows { merged[row[0], default: []].insert(row[1]) }
                if rows.count == limit, let last = rows.last?[0] as Int64? { cut = min(cut ?? last, last) }
            }
            if let cut {
                merged = merged.filter { $0.key <= cut }
                for source in sources {
                    let rest = try String.fetchAll(
                        db, sql: "SELECT blob FROM \(source) WHERE x.blob_key = ?", arguments: [cut])
                    merged[cut, default: []].formUnion(rest)
                }
            }
            return merged.keys.sorted().flatMap { merged[$0]!.sorted() }
        }
    }

    public func references(to hash: String) async throws(StoreError) -> BlobReferences {
        try await read { db in
            let resources = try Row.fetchAll(
                db, sql: "SELECT resource_type, type, public_id FROM resources r WHERE \(Self.resourceByBlob)",
                arguments: [lookupKey(hash), hash]
            ).map { ResourceKey(resourceType: $0[0], type: $0[1], publicID: $0[2]) }
            let derivatives = try String.fetchAll(
                db, sql: "SELECT d.id FROM derivatives d WHERE \(Self.derivativeByBlob)",
                arguments: [lookupKey(hash), hash])
            return BlobReferences(resources: resources, derivatives: derivatives)
        }
    }

    // MARK: - Transactions and errors

    /// The writer's `PRAGMA synchronous` (2 = FULL), for tests of the durability promise.
    public func writerSynchronousMode() throws(StoreError) -> Int {
        do {
            return try pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
        } catch {
            throw .database("\(error)")
        }
    }

    /// Copies the write-ahead log into the database file and truncates it (SQLite's `TRUNCATE`
    /// checkpoint), waiting for readers. After a bulk import, so that the next writes do not pay
    /// for copying the import.
    public func checkpoint() async throws(StoreError) {
        do {
            try await pool.writeWithoutTransaction { db in
                _ = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)")
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw Self.storeError(error) }
    }

    /// A read on the calling thread: GRDB's synchronous read runs the body here (its reader
    /// queue is entered with `sync`, which runs inline when the queue is idle). For point reads on
    /// the delivery path (the original, a stored derivative): an indexed read costs microseconds,
    /// less than the two thread hops of GRDB's async read (to a reader queue and back onto the
    /// cooperative pool), which added about 2 ms of waiting to every render miss.
    func readNow<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try pool.read(body) } catch { throw Self.storeError(error) }
    }

    /// A write transaction. Unless `keepsDeliveries` says it cannot change what a delivery URL
    /// answers (adding a derivative, the event log's bookkeeping), it also advances the delivery
    /// generation, in the same transaction: invalidating is the default, so a new kind of write
    /// cannot forget it.
    func write<T: Sendable>(keepsDeliveries: Bool = false, _ body: @Sendable @escaping (Database) throws -> T)
        async throws(StoreError) -> T
    {
        do {
            return try await pool.write { db in
                let value = try body(db)
                if !keepsDeliveries {
                    try db.cachedStatement(sql: Self.advanceDeliveryGeneration).execute()
                }
                return value
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    /// A write transaction of rows that can be made again (new derivatives), committed without
    /// waiting for the disk (`synchronous = NORMAL` for this commit only; the writer is FULL again
    /// before anything else runs on it). A power loss may lose such a commit, never corrupt the
    /// database; the next FULL commit or checkpoint makes it durable. Losing a derivative row costs
    /// a render, and its blob (fsynced before the row, as always) becomes an orphan that garbage
    /// collection reclaims: no row ever points at a missing blob. Saves one WAL fsync per render
    /// (0.2 ms idle, up to 2.4 ms on a loaded disk here: BENCHMARKS.md "Catalog durability").
    func writeRecreatable<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError)
        -> T
    {
        do {
            return try await pool.writeWithoutTransaction { db in
                try db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute()
                let outcome = Result { () throws -> T? in
                    var value: T?
                    try db.inTransaction(.immediate) {
                        value = try body(db)
                        return .commit
                    }
                    return value
                }
                try db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
                guard let value = try outcome.get() else {
                    throw StoreError.database("derivative transaction returned nothing")
                }
                return value
            }
        } catch {
            throw Self.storeError(error)
        }
    }

    static let advanceDeliveryGeneration =
        "UPDATE catalog_counters SET value = value + 1 WHERE name = 'delivery_generation'"
    static let advanceCreationGeneration =
        "UPDATE catalog_counters SET value = value + 1 WHERE name = 'creation_generation'"

    private static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return .database("\(error)")
    }
}
