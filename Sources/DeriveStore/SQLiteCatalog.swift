import Foundation
import GRDB

/// The embedded catalog: one SQLite file in WAL mode (GRDB `DatabasePool`: concurrent readers,
/// one writer at a time). Several processes may open the same file; SQLite serialises writers.
public final class SQLiteCatalog: Catalog {
    let pool: DatabasePool

    public init(path: String) throws(StoreError) {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw .database("cannot open catalog at \(path): \(error)")
        }
    }

    // MARK: - Originals

    public func resource(_ key: ResourceKey) async throws(StoreError) -> ResourceRecord? {
        try await read { db in try Self.fetchResource(db, key)?.record }
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
        try await write { db in
            guard let (id, existing) = try Self.fetchResource(db, record.key) else {
                try db.execute(
                    sql: """
                        INSERT INTO resources (resource_type, type, public_id, version, blob, format, width, height, bytes, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.key.resourceType, record.key.type, record.key.publicID, record.version, record.blob,
                        record.format, record.width, record.height, record.bytes, record.createdAt.timeIntervalSince1970,
                    ])
                try Self.setTags(db, resourceID: db.lastInsertedRowID, record.tags)
                try Self.record(db, [.uploaded(record)], recorder)
                return SaveOutcome(stored: record, replaced: nil, removedDerivatives: [], keptExisting: false)
            }
            guard overwrite else {
                return SaveOutcome(stored: existing, replaced: nil, removedDerivatives: [], keptExisting: true)
            }
            var stored = record
            stored.version = max(record.version, existing.version + 1)
            if record.tags.isEmpty {
                stored.tags = existing.tags
            } else {
                try Self.setTags(db, resourceID: id, record.tags)
            }
            let removed = try Self.deleteDerivatives(
                db, where: "resource_id = ?", arguments: [id], keys: [id: record.key])
            try db.execute(
                sql: """
                    UPDATE resources SET version = ?, blob = ?, format = ?, width = ?, height = ?, bytes = ?, created_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    stored.version, stored.blob, stored.format, stored.width, stored.height, stored.bytes,
                    stored.createdAt.timeIntervalSince1970, id,
                ])
            try Self.record(db, [.overwritten(stored, previous: existing, removed: removed)], recorder)
            return SaveOutcome(stored: stored, replaced: existing, removedDerivatives: removed, keptExisting: false)
        }
    }

    // MARK: - Derivatives

    public func derivative(
        _ key: ResourceKey, version: Int, transformation: String, format: String
    ) async throws(StoreError) -> DerivativeRecord? {
        let id = DerivativeRecord.id(key: key, version: version, transformation: transformation, format: format)
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM derivatives WHERE id = ?", arguments: [id])
                .map { Self.derivative(from: $0, key: key) }
        }
    }

    public func insertDerivative(_ record: DerivativeRecord, namedTransformations: [String], recorder: @escaping ChangeRecorder)
        async throws(StoreError) -> DerivativeRecord
    {
        try await write { db in
            guard let (resourceID, resource) = try Self.fetchResource(db, record.key), resource.version == record.version
            else { throw StoreError.resourceGone(record.key, version: record.version) }
            if let row = try Row.fetchOne(db, sql: "SELECT * FROM derivatives WHERE id = ?", arguments: [record.id]) {
                return Self.derivative(from: row, key: record.key)
            }
            try db.execute(
                sql: """
                    INSERT INTO derivatives (id, resource_id, version, transformation, format, blob, bytes, width, height, renderer, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.id, resourceID, record.version, record.transformation, record.format, record.blob,
                    record.bytes, record.width, record.height, record.renderer, record.createdAt.timeIntervalSince1970,
                ])
            for name in Set(namedTransformations) {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO derivative_names (name, derivative_id) VALUES (?, ?)",
                    arguments: [name, record.id])
            }
            try Self.record(db, [.derivedCreated(record, of: resource)], recorder)
            return record
        }
    }

    public func derivatives(of key: ResourceKey) async throws(StoreError) -> [DerivativeRecord] {
        try await read { db in
            guard let (id, _) = try Self.fetchResource(db, key) else { return [] }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM derivatives WHERE resource_id = ? ORDER BY created_at, id", arguments: [id]
            ).map { Self.derivative(from: $0, key: key) }
        }
    }

    public func derivatives(ids: [String]) async throws(StoreError) -> [DerivativeRecord] {
        try await read { db in
            var found: [String: DerivativeRecord] = [:]
            for chunk in Self.chunks(Array(Set(ids))) {
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT d.*, r.resource_type AS r_resource_type, r.type AS r_type, r.public_id AS r_public_id
                        FROM derivatives d JOIN resources r ON r.id = d.resource_id
                        WHERE d.id IN (\(Self.placeholders(chunk.count)))
                        """,
                    arguments: StatementArguments(chunk))
                for row in rows {
                    let key = ResourceKey(
                        resourceType: row["r_resource_type"], type: row["r_type"], publicID: row["r_public_id"])
                    let record = Self.derivative(from: row, key: key)
                    found[record.id] = record
                }
            }
            return ids.compactMap { found[$0] }
        }
    }

    // MARK: - Blobs

    public func isReferenced(_ hash: String) async throws(StoreError) -> Bool {
        try await read { db in
            try Bool.fetchOne(
                db,
                sql: """
                    SELECT EXISTS (SELECT 1 FROM resources WHERE blob = ?)
                        OR EXISTS (SELECT 1 FROM derivatives WHERE blob = ?)
                    """,
                arguments: [hash, hash]) ?? false
        }
    }

    public func referencedAmong(_ hashes: [String]) async throws(StoreError) -> Set<String> {
        guard !hashes.isEmpty else { return [] }
        return try await read { db in
            var found = Set<String>()
            for chunk in Self.chunks(Array(Set(hashes))) {
                let list = Self.placeholders(chunk.count)
                let rows = try String.fetchAll(
                    db,
                    sql: """
                        SELECT blob FROM resources WHERE blob IN (\(list))
                        UNION SELECT blob FROM derivatives WHERE blob IN (\(list))
                        """,
                    arguments: StatementArguments(chunk + chunk))
                found.formUnion(rows)
            }
            return found
        }
    }

    public func referencedBlobs(after cursor: String?, limit: Int) async throws(StoreError) -> [String] {
        let limit = max(1, limit)
        return try await read { db in
            // Each table's index gives its hashes in order; merge the two pages and stop where the
            // shorter-reaching full page ends, so nothing beyond it can be missing from the merge.
            var merged = Set<String>()
            var cut: String?
            for table in ["resources", "derivatives"] {
                let page = try String.fetchAll(
                    db, sql: "SELECT DISTINCT blob FROM \(table) WHERE blob > ? ORDER BY blob LIMIT ?",
                    arguments: [cursor ?? "", limit])
                merged.formUnion(page)
                if page.count == limit, let last = page.last { cut = min(cut ?? last, last) }
            }
            let sorted = merged.sorted()
            guard let cut else { return sorted }
            return Array(sorted.prefix(while: { $0 <= cut }))
        }
    }

    public func references(to hash: String) async throws(StoreError) -> BlobReferences {
        try await read { db in
            let resources = try Row.fetchAll(
                db, sql: "SELECT resource_type, type, public_id FROM resources WHERE blob = ?", arguments: [hash]
            ).map { ResourceKey(resourceType: $0["resource_type"], type: $0["type"], publicID: $0["public_id"]) }
            let derivatives = try String.fetchAll(db, sql: "SELECT id FROM derivatives WHERE blob = ?", arguments: [hash])
            return BlobReferences(resources: resources, derivatives: derivatives)
        }
    }

    // MARK: - Transactions and errors

    func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw Self.storeError(error) }
    }

    func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw Self.storeError(error) }
    }

    private static func storeError(_ error: any Error) -> StoreError {
        if let error = error as? StoreError { return error }
        return .database("\(error)")
    }
}
