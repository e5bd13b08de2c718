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

    /// Maps a row of ``resourceSelect`` (by column position: name lookups in GRDB are case-folding
    /// string compares, which dominate bulk reads).
    static func resourceRecord(from row: Row) -> ResourceRecord {
        var record = ResourceRecord(
            key: ResourceKey(resourceType: row[1], type: row[2], publicID: row[3]), version: row[4], blob: row[5],
            format: row[6], width: row[7], height: row[8], bytes: row[9],
            createdAt: Date(timeIntervalSince1970: row[10]))
        let tags: String? = row[11]
        if let tags, !tags.isEmpty { record.tags = tags.split(separator: "\u{1F}").map(String.init).sorted() }
        return record
    }

    /// Maps a row whose first columns are ``derivativeColumns`` (or `derivatives.*`, same order).
    static func derivative(from row: Row, key: ResourceKey) -> DerivativeRecord {
        DerivativeRecord(
            id: row[0], key: key, version: row[2], transformation: row[3], format: row[4], blob: row[5],
            bytes: row[6], width: row[7], height: row[8], renderer: row[9],
            createdAt: Date(timeIntervalSince1970: row[10]))
    }

    /// Inserts an original's row; returns its row id.
    static func insertResourceRow(_ db: Database, _ record: ResourceRecord) throws -> Int64 {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO resources (resource_type, type, public_id, version, blob, blob_key, format, width, height,
                    bytes, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try insert.execute(arguments: [
            record.key.resourceType, record.key.type, record.key.publicID, record.version, record.blob,
            lookupKey(record.blob), record.format, record.width, record.height, record.bytes,
            record.createdAt.timeIntervalSince1970,
        ])
        let id = db.lastInsertedRowID
        try insertResourceLookup(db, blob: record.blob, id: id)
        return id
    }

    /// Inserts a derivative's row; returns its `seq`.
    static func insertDerivativeRow(_ db: Database, _ record: DerivativeRecord, resourceID: Int64) throws -> Int64 {
        let insert = try db.cachedStatement(
            sql: """
                INSERT INTO derivatives (id, id_key, resource_id, version, transformation, format, blob, blob_key,
                    bytes, width, height, renderer, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try insert.execute(arguments: [
            record.id, lookupKey(record.id), resourceID, record.version, record.transformation, record.format,
            record.blob, lookupKey(record.blob), record.bytes, record.width, record.height, record.renderer,
            record.createdAt.timeIntervalSince1970,
        ])
        let seq = db.lastInsertedRowID
        try insertLookups(db, id: record.id, blob: record.blob, seq: seq)
        return seq
    }

    /// A derivative's row (``derivativeColumns``) by id, through `derivative_ids`.
    static func fetchDerivative(_ db: Database, id: String) throws -> Row? {
        try Row.fetchOne(
            db, sql: "SELECT \(derivativeColumns) FROM derivatives d WHERE \(derivativeByID)",
            arguments: [lookupKey(id), id])
    }

    static func fetchResource(_ db: Database, _ key: ResourceKey) throws -> (id: Int64, record: ResourceRecord)? {
        guard
            let row = try Row.fetchOne(
                db, sql: resourceSelect + " WHERE r.resource_type = ? AND r.type = ? AND r.public_id = ?",
                arguments: [key.resourceType, key.type, key.publicID])
        else { return nil }
        return (row[0], resourceRecord(from: row))
    }

    /// The originals that exist among `keys`, with their row ids.
    static func fetchResources(_ db: Database, _ keys: [ResourceKey]) throws -> [ResourceKey: (
        id: Int64, record: ResourceRecord
    )] {
        var found: [ResourceKey: (id: Int64, record: ResourceRecord)] = [:]
        found.reserveCapacity(keys.count)
        let groups = Dictionary(grouping: Set(keys)) { [$0.resourceType, $0.type] }
        for (scope, group) in groups {
            for chunk in chunks(group.map(\.publicID)) {
                // A cursor: rows are read in place rather than copied first.
                let rows = try Row.fetchCursor(
                    db,
                    sql: resourceSelect
                        + " WHERE r.resource_type = ? AND r.type = ? AND r.public_id IN (\(placeholders(chunk.count)))",
                    arguments: StatementArguments(scope + chunk))
                while let row = try rows.next() {
                    let record = resourceRecord(from: row)
                    found[record.key] = (row[0], record)
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
            for row in rows { found[row[0]] = resourceRecord(from: row) }
        }
        return found
    }

    /// Deletes the derivatives matching `condition` and appends them to `byOwner` (original's row
    /// id → derivatives in creation order, i.e. `seq` order), keyed with `keys`. Every derivative
    /// delete runs through here, so stale lookups are counted and name links removed in one place;
    /// rows are decoded in place through the C API (`SQLiteRow`), as a bulk delete returns thousands.
    static func deleteDerivatives(
        _ db: Database, where condition: String, arguments: StatementArguments, keys: [Int64: ResourceKey],
        into byOwner: inout [Int64: [DerivativeRecord]]
    ) throws {
        let statement = try db.cachedStatement(
            sql: "DELETE FROM derivatives AS d WHERE \(condition) RETURNING seq, \(derivativeColumns)")
        try statement.setArguments(arguments)
        var records: [DerivativeRecord] = []
        var order: [(seq: Int64, owner: Int64, index: Int)] = []
        records.reserveCapacity(1_024)
        order.reserveCapacity(1_024)
        var deletedSeqs: [Int64] = []
        deletedSeqs.reserveCapacity(1_024)
        try SQLiteBinding(statement, in: db, keepingArguments: true).forEachRow { row in
            let owner = row.int64(2)
            deletedSeqs.append(row.int64(0))
            guard let key = keys[owner] else { return }
            order.append((row.int64(0), owner, records.count))
            records.append(
                DerivativeRecord(
                    id: row.string(1), key: key, version: row.int(3), transformation: row.string(4),
                    format: row.string(5), blob: row.string(6), bytes: row.int(7), width: row.int(8),
                    height: row.int(9), renderer: row.string(10),
                    createdAt: Date(timeIntervalSince1970: row.double(11))))
        }
        try noteStaleLookups(db, deleted: deletedSeqs.count)
        try unlinkNames(db, derivatives: deletedSeqs)
        order.sort { $0.seq < $1.seq }  // sorting small tuples, not records
        for entry in order { byOwner[entry.owner, default: []].append(records[entry.index]) }
    }

    /// Deletes the named-transformation links of deleted derivatives (no cascade: see schema v5).
    /// Most catalogs have none, which costs one probe.
    static func unlinkNames(_ db: Database, derivatives seqs: [Int64]) throws {
        guard !seqs.isEmpty, try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM derivative_names)") == true
        else { return }
        for chunk in chunks(seqs) {
            try db.execute(
                sql: "DELETE FROM derivative_names WHERE derivative IN (\(placeholders(chunk.count)))",
                arguments: StatementArguments(chunk))
        }
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
        let binding = SQLiteBinding(insert, in: db)
        defer { binding.finish() }
        for draft in drafts {
            try binding.bind(1, now)
            try binding.bind(2, draft.kind)
            try binding.bind(3, draft.key?.resourceType)
            try binding.bind(4, draft.key?.type)
            try binding.bind(5, draft.key?.publicID)
            try binding.bind(6, draft.version)
            try binding.bind(7, draft.payload)
            try binding.bind(8, draft.notificationURL)
            try binding.step()
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
