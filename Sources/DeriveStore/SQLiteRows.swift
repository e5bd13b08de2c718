import Foundation
import GRDB

/// Row mapping and small SQL helpers shared by the SQLite catalog's files.
extension SQLiteCatalog {
    /// Selects an original with its tags (joined by U+001F) in one statement.
    static let resourceSelect = """
        SELECT r.id, r.resource_type, r.type, r.public_id, r.version, r.blob, r.format, r.width, r.height,
            r.bytes, r.created_at,
            (SELECT group_concat(t.tag, char(31)) FROM resource_tags t WHERE t.resource_id = r.id) AS tags
        FROM resources r
        """

    static let derivativeColumns =
        "id, resource_id, version, transformation, format, blob, bytes, width, height, renderer, created_at"

    static func resourceRecord(from row: Row) -> ResourceRecord {
        let tags: String? = row["tags"]
        var record = ResourceRecord(
            key: ResourceKey(resourceType: row["resource_type"], type: row["type"], publicID: row["public_id"]),
            version: row["version"], blob: row["blob"], format: row["format"], width: row["width"],
            height: row["height"], bytes: row["bytes"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
        if let tags, !tags.isEmpty { record.tags = tags.split(separator: "\u{1F}").map(String.init).sorted() }
        return record
    }

    static func derivative(from row: Row, key: ResourceKey) -> DerivativeRecord {
        var record = DerivativeRecord(
            key: key, version: row["version"], transformation: row["transformation"], format: row["format"],
            blob: row["blob"], bytes: row["bytes"], width: row["width"], height: row["height"],
            renderer: row["renderer"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
        record.id = row["id"]
        return record
    }

    static func fetchResource(_ db: Database, _ key: ResourceKey) throws -> (id: Int64, record: ResourceRecord)? {
        guard
            let row = try Row.fetchOne(
                db, sql: resourceSelect + " WHERE r.resource_type = ? AND r.type = ? AND r.public_id = ?",
                arguments: [key.resourceType, key.type, key.publicID])
        else { return nil }
        return (row["id"], resourceRecord(from: row))
    }

    /// The originals that exist among `keys`, with their row ids.
    static func fetchResources(_ db: Database, _ keys: [ResourceKey]) throws -> [ResourceKey: (
        id: Int64, record: ResourceRecord
    )] {
        var found: [ResourceKey: (id: Int64, record: ResourceRecord)] = [:]
        let groups = Dictionary(grouping: Set(keys)) { [$0.resourceType, $0.type] }
        for (scope, group) in groups {
            for chunk in chunks(group.map(\.publicID)) {
                let rows = try Row.fetchAll(
                    db,
                    sql: resourceSelect
                        + " WHERE r.resource_type = ? AND r.type = ? AND r.public_id IN (\(placeholders(chunk.count)))",
                    arguments: StatementArguments(scope + chunk))
                for row in rows {
                    let record = resourceRecord(from: row)
                    found[record.key] = (row["id"], record)
                }
            }
        }
        return found
    }

    /// Originals by row id.
    static func fetchResources(_ db: Database, rowIDs: [Int64]) throws -> [Int64: ResourceRecord] {
        var found: [Int64: ResourceRecord] = [:]
        for chunk in chunks(Array(Set(rowIDs))) {
            let rows = try Row.fetchAll(
                db, sql: resourceSelect + " WHERE r.id IN (\(placeholders(chunk.count)))",
                arguments: StatementArguments(chunk))
            for row in rows { found[row["id"]] = resourceRecord(from: row) }
        }
        return found
    }

    /// Deletes the derivatives matching `condition` and returns them (ordered by creation), each
    /// with the key of its original from `keys` (row id → key).
    static func deleteDerivatives(
        _ db: Database, where condition: String, arguments: StatementArguments, keys: [Int64: ResourceKey]
    ) throws -> [DerivativeRecord] {
        let rows = try Row.fetchAll(
            db, sql: "DELETE FROM derivatives WHERE \(condition) RETURNING \(derivativeColumns)", arguments: arguments)
        var records: [DerivativeRecord] = []
        records.reserveCapacity(rows.count)
        for row in rows {
            guard let key = keys[row["resource_id"]] else { continue }
            records.append(derivative(from: row, key: key))
        }
        records.sort { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        return records
    }

    static func setTags(_ db: Database, resourceID: Int64, _ tags: [String]) throws {
        try db.execute(sql: "DELETE FROM resource_tags WHERE resource_id = ?", arguments: [resourceID])
        let insert = try db.cachedStatement(sql: "INSERT OR IGNORE INTO resource_tags (tag, resource_id) VALUES (?, ?)")
        for tag in tags { try insert.execute(arguments: [tag, resourceID]) }
    }

    /// Hands committed changes to the recorder and appends its events, in the current transaction.
    static func record(_ db: Database, _ changes: [LifecycleChange], _ recorder: @escaping ChangeRecorder) throws {
        guard !changes.isEmpty else { return }
        try appendEvents(db, try recorder(changes))
    }

    static func appendEvents(_ db: Database, _ drafts: [EventDraft]) throws {
        guard !drafts.isEmpty else { return }
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO events (time, kind, resource_type, type, public_id, version, payload, notification_url)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        let now = Date().timeIntervalSince1970
        for draft in drafts {
            try insert.execute(arguments: [
                now, draft.kind, draft.key?.resourceType, draft.key?.type, draft.key?.publicID, draft.version,
                draft.payload, draft.notificationURL,
            ])
        }
    }

    /// Splits a list for `IN (…)` clauses (well under SQLite's bound-parameter limit).
    static func chunks<T>(_ values: [T], size: Int = 500) -> [[T]] {
        stride(from: 0, to: values.count, by: size).map { Array(values[$0..<min($0 + size, values.count)]) }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}
