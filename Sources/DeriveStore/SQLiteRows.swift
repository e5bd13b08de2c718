import Foundation
import GRDB

/// Row mapping and small SQL helpers shared by the SQLite catalog's files.
extension SQLiteCatalog {
    /// Selects an original with its tags (joined by U+001F) in one statement.
    static let resourceSelect = "SELECT \(resourceColumns) FROM resources r"

    /// The columns of ``resourceSelect`` (`resources r`), the order ``resourceRecord(from:)`` reads.
    static let resourceColumns = """
        r.id, r.resource_type, r.type, r.public_id, r.version, r.blob, r.format, r.width, r.height, r.bytes,
        r.created_at, (SELECT group_concat(t.tag, char(31)) FROM resource_tags t WHERE t.resource_id = r.id) AS tags,
        r.context
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
        record.context = ResourceRecord.context(fromText: row[12])
        return record
    }

    /// ``resourceRecord(from:)`` for a row read in place through the C API.
    static func resourceRecord(from row: SQLiteRow) -> ResourceRecord {
        var record = ResourceRecord(
            key: ResourceKey(resourceType: row.string(1), type: row.string(2), publicID: row.string(3)),
            version: row.int(4), blob: row.string(5), format: row.string(6), width: row.int(7), height: row.int(8),
            bytes: row.int(9), createdAt: Date(timeIntervalSince1970: row.double(10)))
        let tags = row.string(11)
        if !tags.isEmpty { record.tags = tags.split(separator: "\u{1F}").map(String.init).sorted() }
        let context = row.string(12)
        if !context.isEmpty { record.context = ResourceRecord.context(fromText: context) }
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
                    bytes, created_at, context)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        try insert.execute(arguments: [
            record.key.resourceType, record.key.type, record.key.publicID, record.version, record.blob,
            lookupKey(record.blob), record.format, record.width, record.height, record.bytes,
            record.createdAt.timeIntervalSince1970, ResourceRecord.contextText(record.context),
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
            db.cachedStatement(sql: "SELECT \(derivativeColumns) FROM derivatives d WHERE \(derivativeByID)"),
            arguments: [lookupKey(id), id])
    }

    static func fetchResource(_ db: Database, _ key: ResourceKey) throws -> (id: Int64, record: ResourceRecord)? {
        guard
            let row = try Row.fetchOne(
                db.cachedStatement(
                    sql: resourceSelect + " WHERE r.resource_type = ? AND r.type = ? AND r.public_id = ?"),
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
                // Decoded in place through the C API: a bulk delete reads a thousand per batch.
                let statement = try db.makeStatement(
                    sql: resourceSelect
                        + " WHERE r.resource_type = ? AND r.type = ? AND r.public_id IN (\(placeholders(chunk.count)))")
                try statement.setArguments(StatementArguments(scope + chunk))
                try SQLiteBinding(statement, in: db, keepingArguments: true).forEachRow { row in
                    let record = resourceRecord(from: row)
                    found[record.key] = (row.int64(0), record)
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
    /// delete runs through here (or its two halves, ``selectDerivatives(_:where:arguments:keys:into:)``
    /// and ``deleteSelectedDerivatives(_:_:)``), so stale lookups are counted and name links removed
    /// in one place.
    static func deleteDerivatives(
        _ db: Database, where condition: String, arguments: StatementArguments, keys: [Int64: ResourceKey],
        into byOwner: inout [Int64: [DerivativeRecord]]
    ) throws {
        let selected = try selectDerivatives(db, where: condition, arguments: arguments, keys: keys, into: &byOwner)
        try deleteSelectedDerivatives(db, selected)
    }

    /// Derivatives read by ``selectDerivatives(_:where:arguments:keys:into:)``, to be deleted by
    /// ``deleteSelectedDerivatives(_:_:)`` later in the same transaction.
    struct SelectedDerivatives {
        let condition: String
        let arguments: StatementArguments
        let seqs: [Int64]
    }

    /// The read half of a derivative delete: reads the rows `condition` matches into `byOwner`.
    /// Rows are read, then deleted with the same condition in the same write transaction (so the
    /// same rows), rather than by one `DELETE … RETURNING`: SQLite buffers every returned row in
    /// a temporary table, which made that slower than the pair. Rows are decoded in place through
    /// the C API (`SQLiteRow`), as a bulk delete reads thousands.
    static func selectDerivatives(
        _ db: Database, where condition: String, arguments: StatementArguments, keys: [Int64: ResourceKey],
        into byOwner: inout [Int64: [DerivativeRecord]]
    ) throws -> SelectedDerivatives {
        let statement = try db.cachedStatement(
            sql: "SELECT seq, \(derivativeColumns) FROM derivatives AS d WHERE \(condition)")
        try statement.setArguments(arguments)
        var seqs: [Int64] = []
        seqs.reserveCapacity(1_024)
        // A bulk delete's rows arrive grouped by original (it selects through `resource_id`), so
        // records go straight into their original's array: no per-row dictionary lookup, and no
        // copy of a record (each copy retains and releases every string in it). Rows selected by
        // `seq` or id can interleave originals; `merge` puts those together.
        var groups: [DeletedGroup] = []
        var current: DeletedGroup?
        try SQLiteBinding(statement, in: db, keepingArguments: true).forEachRow { row in
            let seq = row.int64(0)
            let owner = row.int64(2)
            seqs.append(seq)
            if current?.owner != owner {
                if let done = current.take() { groups.append(done) }
                guard let key = keys[owner] else { return }
                current = DeletedGroup(owner: owner, key: key)
            }
            current!.append(
                seq: seq,
                DerivativeRecord(
                    id: row.string(1), key: current!.key, version: row.int(3), transformation: row.string(4),
                    format: row.string(5), blob: row.string(6), bytes: row.int(7), width: row.int(8),
                    height: row.int(9), renderer: row.string(10),
                    createdAt: Date(timeIntervalSince1970: row.double(11))))
        }
        if let done = current.take() { groups.append(done) }
        DeletedGroup.merge(groups, into: &byOwner)
        return SelectedDerivatives(condition: condition, arguments: arguments, seqs: seqs)
    }

    /// The delete half: deletes what `selected` read, with its lookup entries and name links.
    static func deleteSelectedDerivatives(_ db: Database, _ selected: SelectedDerivatives) throws {
        let delete = try db.cachedStatement(sql: "DELETE FROM derivatives AS d WHERE \(selected.condition)")
        try delete.execute(arguments: selected.arguments)
        guard db.changesCount == selected.seqs.count else {
            throw StoreError.database(
                "deleted \(db.changesCount) derivative rows where \(selected.seqs.count) were read")
        }
        try noteStaleLookups(db, deleted: selected.seqs.count)
        try unlinkNames(db, derivatives: selected.seqs)
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

    /// Splits a list for `IN (…)` clauses (well under SQLite's bound-parameter limit).
    static func chunks<T>(_ values: [T], size: Int = 500) -> [[T]] {
        stride(from: 0, to: values.count, by: size).map { Array(values[$0..<min($0 + size, values.count)]) }
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ",")
    }
}

/// The derivatives of one original deleted by one statement, in the order the rows came.
struct DeletedGroup {
    let owner: Int64
    let key: ResourceKey
    private(set) var seqs: [Int64] = []
    private(set) var records: [DerivativeRecord] = []
    private var inSeqOrder = true

    init(owner: Int64, key: ResourceKey) {
        self.owner = owner
        self.key = key
        seqs.reserveCapacity(8)
        records.reserveCapacity(8)
    }

    mutating func append(seq: Int64, _ record: DerivativeRecord) {
        if let last = seqs.last, last > seq { inSeqOrder = false }
        seqs.append(seq)
        records.append(record)
    }

    /// Appends each group's records to its original's list in `byOwner`, in creation (`seq`) order.
    /// The common case (one group per original, rows already in order) moves arrays without
    /// touching a record; originals whose rows came split or out of order are sorted.
    static func merge(_ groups: [DeletedGroup], into byOwner: inout [Int64: [DerivativeRecord]]) {
        var groups = groups
        if Set(groups.map(\.owner)).count != groups.count {
            var merged: [Int64: DeletedGroup] = [:]
            var order: [Int64] = []
            for group in groups {
                if merged[group.owner] == nil {
                    order.append(group.owner)
                    merged[group.owner] = DeletedGroup(owner: group.owner, key: group.key)
                }
                for (seq, record) in zip(group.seqs, group.records) { merged[group.owner]!.append(seq: seq, record) }
            }
            groups = order.map { merged[$0]! }
        }
        for group in groups {
            var records = group.records
            if !group.inSeqOrder {
                let seqs = group.seqs
                records = seqs.indices.sorted { seqs[$0] < seqs[$1] }.map { group.records[$0] }
            }
            if byOwner[group.owner] == nil {
                byOwner[group.owner] = records
            } else {
                byOwner[group.owner]!.append(contentsOf: records)
            }
        }
    }
}
