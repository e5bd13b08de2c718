import Foundation
import GRDB

/// The embedded catalog: one SQLite file in WAL mode (GRDB `DatabasePool`: concurrent readers,
/// one writer at a time).
public final class SQLiteCatalog: Catalog {
    private let pool: DatabasePool

    public init(path: String) throws(StoreError) {
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(10)
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw .database("cannot open catalog at \(path): \(error)")
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE resources (
                        id INTEGER PRIMARY KEY,
                        resource_type TEXT NOT NULL,
                        type TEXT NOT NULL,
                        public_id TEXT NOT NULL,
                        version INTEGER NOT NULL,
                        blob TEXT NOT NULL,
                        format TEXT NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        created_at DOUBLE NOT NULL,
                        UNIQUE (resource_type, type, public_id)
                    );
                    CREATE INDEX resources_blob ON resources(blob);
                    CREATE TABLE derivatives (
                        id TEXT PRIMARY KEY,
                        resource_id INTEGER NOT NULL REFERENCES resources(id) ON DELETE CASCADE,
                        version INTEGER NOT NULL,
                        transformation TEXT NOT NULL,
                        format TEXT NOT NULL,
                        blob TEXT NOT NULL,
                        bytes INTEGER NOT NULL,
                        width INTEGER NOT NULL,
                        height INTEGER NOT NULL,
                        renderer TEXT NOT NULL,
                        created_at DOUBLE NOT NULL,
                        UNIQUE (resource_id, version, transformation, format)
                    );
                    CREATE INDEX derivatives_blob ON derivatives(blob);
                    """)
        }
        return migrator
    }

    public func resource(_ key: ResourceKey) async throws(StoreError) -> ResourceRecord? {
        try await read { db in try Self.fetchResource(db, key)?.1 }
    }

    public func saveResource(_ record: ResourceRecord, overwrite: Bool) async throws(StoreError) -> SaveOutcome {
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
                return SaveOutcome(stored: record, replaced: nil, removedDerivatives: [], keptExisting: false)
            }
            guard overwrite else {
                return SaveOutcome(stored: existing, replaced: nil, removedDerivatives: [], keptExisting: true)
            }
            var stored = record
            stored.version = max(record.version, existing.version + 1)
            let removed = try Self.fetchDerivatives(db, resourceID: id, key: record.key)
            try db.execute(sql: "DELETE FROM derivatives WHERE resource_id = ?", arguments: [id])
            try db.execute(
                sql: """
                    UPDATE resources SET version = ?, blob = ?, format = ?, width = ?, height = ?, bytes = ?, created_at = ?
                    WHERE id = ?
                    """,
                arguments: [
                    stored.version, stored.blob, stored.format, stored.width, stored.height, stored.bytes,
                    stored.createdAt.timeIntervalSince1970, id,
                ])
            return SaveOutcome(stored: stored, replaced: existing, removedDerivatives: removed, keptExisting: false)
        }
    }

    public func derivative(
        _ key: ResourceKey, version: Int, transformation: String, format: String
    ) async throws(StoreError) -> DerivativeRecord? {
        let id = DerivativeRecord.id(key: key, version: version, transformation: transformation, format: format)
        return try await read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM derivatives WHERE id = ?", arguments: [id])
                .map { Self.derivative(from: $0, key: key) }
        }
    }

    public func insertDerivative(_ record: DerivativeRecord) async throws(StoreError) -> DerivativeRecord {
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
            return record
        }
    }

    public func derivatives(of key: ResourceKey) async throws(StoreError) -> [DerivativeRecord] {
        try await read { db in
            guard let (id, _) = try Self.fetchResource(db, key) else { return [] }
            return try Self.fetchDerivatives(db, resourceID: id, key: key)
        }
    }

    public func deleteResource(_ key: ResourceKey) async throws(StoreError) -> DeletedResource? {
        try await write { db in
            guard let (id, resource) = try Self.fetchResource(db, key) else { return nil }
            let derivatives = try Self.fetchDerivatives(db, resourceID: id, key: key)
            try db.execute(sql: "DELETE FROM derivatives WHERE resource_id = ?", arguments: [id])
            try db.execute(sql: "DELETE FROM resources WHERE id = ?", arguments: [id])
            return DeletedResource(resource: resource, derivatives: derivatives)
        }
    }

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

    public func referencedBlobs() async throws(StoreError) -> Set<String> {
        try await read { db in
            Set(try String.fetchAll(db, sql: "SELECT blob FROM resources UNION SELECT blob FROM derivatives"))
        }
    }

    // MARK: - Rows

    private static func fetchResource(_ db: Database, _ key: ResourceKey) throws -> (Int64, ResourceRecord)? {
        guard
            let row = try Row.fetchOne(
                db, sql: "SELECT * FROM resources WHERE resource_type = ? AND type = ? AND public_id = ?",
                arguments: [key.resourceType, key.type, key.publicID])
        else { return nil }
        let record = ResourceRecord(
            key: key, version: row["version"], blob: row["blob"], format: row["format"], width: row["width"],
            height: row["height"], bytes: row["bytes"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]))
        return (row["id"], record)
    }

    private static func fetchDerivatives(_ db: Database, resourceID: Int64, key: ResourceKey) throws -> [DerivativeRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM derivatives WHERE resource_id = ? ORDER BY created_at, id", arguments: [resourceID]
        ).map { derivative(from: $0, key: key) }
    }

    private static func derivative(from row: Row, key: ResourceKey) -> DerivativeRecord {
        var record = DerivativeRecord(
            key: key, version: row["version"], transformation: row["transformation"], format: row["format"],
            blob: row["blob"], bytes: row["bytes"], width: row["width"], height: row["height"],
            renderer: row["renderer"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
        record.id = row["id"]
        return record
    }

    // MARK: - Errors

    private func read<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.read(body) } catch { throw Self.storeError(error) }
    }

    private func write<T: Sendable>(_ body: @Sendable @escaping (Database) throws -> T) async throws(StoreError) -> T {
        do { return try await pool.write(body) } catch { throw Self.storeError(error) }
    }

    private static func storeError(_ error: any Error) -> StoreError {
        (error as? StoreError) ?? .database("\(error)")
    }
}
