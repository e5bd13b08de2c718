import Foundation
import GRDB

/// Deletes (each call one transaction) and named transformations.
extension SQLiteCatalog {
    public func deleteResources(
        _ keys: [ResourceKey], keepOriginal: Bool, filter: [DerivedFilter]?, recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> [ResourceDeletion] {
        guard !keys.isEmpty else { return [] }
        return try await write { db in
            let found = try Self.fetchResources(db, keys)
            return try Self.deleteResources(
                db, keys, found: found, keepOriginal: keepOriginal, filter: filter, recorder: recorder)
        }
    }

    /// Selects the next batch of the walk and deletes it in the same transaction: one statement
    /// reads the originals whole, instead of a read transaction for the keys and a lookup of each
    /// key in the delete's.
    public func deleteResources(
        resourceType: String, type: String?, _ selection: ResourceSelection, after cursor: String?, limit: Int,
        keepOriginal: Bool, filter: [DerivedFilter]?, recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> (deletions: [ResourceDeletion], nextCursor: String?) {
        let position = try cursor.map(CatalogCursor.decode)
        let limit = max(1, limit)
        return try await write { db in
            let query = try Self.walkQuery(
                columns: Self.resourceColumns, resourceType: resourceType, type: type, selection, after: position,
                limit: limit)
            let statement = try db.makeStatement(sql: query.sql)
            try statement.setArguments(query.arguments)
            var batch: [(id: Int64, record: ResourceRecord)] = []
            batch.reserveCapacity(limit + 1)
            try SQLiteBinding(statement, in: db, keepingArguments: true).forEachRow { row in
                batch.append((row.int64(0), Self.resourceRecord(from: row)))
            }
            var next: String?
            if batch.count > limit {
                batch.removeLast(batch.count - limit)
                let (id, last) = batch[batch.count - 1]
                next =
                    CatalogCursor(
                        kind: query.kind, fields: query.fields.map { Self.walkCursorField(id: id, key: last.key, $0) }
                    ).encoded
            }
            let found = Dictionary(batch.map { ($0.record.key, $0) }) { first, _ in first }
            let deletions = try Self.deleteResources(
                db, batch.map(\.record.key), found: found, keepOriginal: keepOriginal, filter: filter,
                recorder: recorder)
            return (deletions, next)
        }
    }

    /// Deletes `keys` (those in `found`, read in this transaction) as ``deleteResources(_:keepOriginal:filter:recorder:)``
    /// describes, recording the changes.
    static func deleteResources(
        _ db: Database, _ keys: [ResourceKey], found: [ResourceKey: (id: Int64, record: ResourceRecord)],
        keepOriginal: Bool, filter: [DerivedFilter]?, recorder: @escaping ChangeRecorder
    ) throws -> [ResourceDeletion] {
        let ids = found.values.map(\.id)
        let keyByID = Dictionary(uniqueKeysWithValues: found.values.map { ($0.id, $0.record.key) })
        var removed: [Int64: [DerivativeRecord]] = [:]
        var selected: [SelectedDerivatives] = []
        for chunk in chunks(ids) {
            let list = "resource_id IN (\(placeholders(chunk.count)))"
            var condition = list
            var arguments = StatementArguments(chunk)
            if let filter {
                // All rules in one statement, so each original's list stays in creation order.
                let rules = filter.map {
                    $0.format == nil ? "transformation = ?" : "(transformation = ? AND format = ?)"
                }
                condition += " AND (" + rules.joined(separator: " OR ") + ")"
                for rule in filter {
                    arguments += [rule.transformation]
                    if let format = rule.format { arguments += [format] }
                }
            }
            selected.append(
                try selectDerivatives(db, where: condition, arguments: arguments, keys: keyByID, into: &removed))
        }
        let deleteOriginals = !keepOriginal && filter == nil
        var changes: [LifecycleChange] = []
        var outcomes: [ResourceDeletion] = []
        var seen = Set<ResourceKey>()
        for key in keys where seen.insert(key).inserted {
            guard let (id, record) = found[key] else {
                outcomes.append(ResourceDeletion(key: key, resource: nil, originalDeleted: false, derivatives: []))
                continue
            }
            let derivatives = removed[id] ?? []
            if deleteOriginals {
                changes.append(.deleted(record, derivatives: derivatives))
            } else if !derivatives.isEmpty {
                changes.append(.derivedDeleted(record, derivatives: derivatives))
            }
            outcomes.append(
                ResourceDeletion(
                    key: key, resource: record, originalDeleted: deleteOriginals, derivatives: derivatives))
        }
        // Everything the changes describe is known now; the rows go while the events are built.
        try record(db, changes, recorder) {
            for chunk in selected { try deleteSelectedDerivatives(db, chunk) }
            guard deleteOriginals else { return }
            let tagged = found.values.contains { !$0.record.tags.isEmpty }
            for chunk in chunks(ids) {
                let list = placeholders(chunk.count)
                if tagged {
                    try db.execute(
                        sql: "DELETE FROM resource_tags WHERE resource_id IN (\(list))",
                        arguments: StatementArguments(chunk))
                }
                try db.execute(
                    sql: "DELETE FROM resources WHERE id IN (\(list))", arguments: StatementArguments(chunk))
            }
            try noteStaleLookups(db, deleted: ids.count)
        }
        return outcomes
    }

    public func deleteDerivatives(ids: [String], recorder: @escaping ChangeRecorder) async throws(StoreError)
        -> [DerivativeRecord]
    {
        guard !ids.isEmpty else { return [] }
        return try await write { db in
            let groups = try Self.deleteDerivatives(
                db,
                chunks: Self.chunks(Array(Set(ids))).map { chunk in
                    (
                        Self.derivativesByIDs(chunk.count),
                        StatementArguments(chunk.map(lookupKey)) + StatementArguments(chunk)
                    )
                })
            try Self.record(db, groups.map { .derivedDeleted($0.resource!, derivatives: $0.derivatives) }, recorder)
            let byID = Dictionary(uniqueKeysWithValues: groups.flatMap(\.derivatives).map { ($0.id, $0) })
            return ids.compactMap { byID[$0] }
        }
    }

    /// Deletes the derivatives each `(condition, arguments)` chooses, grouped by original. Their
    /// originals are read first, so that the rows go through the one deleting path
    /// (`deleteDerivatives(_:where:arguments:keys:into:)`).
    static func deleteDerivatives(_ db: Database, chunks: [(String, StatementArguments)]) throws
        -> [ResourceDeletion]
    {
        var removed: [Int64: [DerivativeRecord]] = [:]
        var owners: [Int64: ResourceRecord] = [:]
        for (condition, arguments) in chunks {
            let ownerIDs = try Int64.fetchAll(
                db, sql: "SELECT DISTINCT resource_id FROM derivatives AS d WHERE \(condition)", arguments: arguments)
            owners.merge(try fetchResources(db, rowIDs: ownerIDs)) { first, _ in first }
            try deleteDerivatives(
                db, where: condition, arguments: arguments, keys: owners.mapValues(\.key), into: &removed)
        }
        return removed.sorted { $0.key < $1.key }.map { owner, derivatives in
            ResourceDeletion(
                key: owners[owner]!.key, resource: owners[owner], originalDeleted: false, derivatives: derivatives)
        }
    }

    // MARK: - Named transformations

    public func namedTransformations(_ names: Set<String>) async throws(StoreError)
        -> [String: NamedTransformationRecord]
    {
        guard !names.isEmpty else { return [:] }
        return try await read { db in
            var found: [String: NamedTransformationRecord] = [:]
            for chunk in Self.chunks(Array(names)) {
                let rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM named_transformations WHERE name IN (\(Self.placeholders(chunk.count)))",
                    arguments: StatementArguments(chunk))
                for row in rows {
                    let record = Self.named(from: row)
                    found[record.name] = record
                }
            }
            return found
        }
    }

    public func listNamedTransformations(after cursor: String?, limit: Int) async throws(StoreError)
        -> [NamedTransformationRecord]
    {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM named_transformations WHERE name > ? ORDER BY name LIMIT ?",
                arguments: [cursor ?? "", max(1, limit)]
            ).map(Self.named)
        }
    }

    public func createNamedTransformation(_ record: NamedTransformationRecord) async throws(StoreError) {
        try await write { db in
            if try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM named_transformations WHERE name = ?)", arguments: [record.name])
                == true
            {
                throw StoreError.conflict("transformation \(record.name) already exists")
            }
            try db.execute(
                sql: """
                    INSERT INTO named_transformations (name, definition, allowed_for_strict, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.name, record.definition, record.allowedForStrict, record.createdAt.timeIntervalSince1970,
                    record.updatedAt.timeIntervalSince1970,
                ])
        }
    }

    public func updateNamedTransformation(
        _ name: String, definition: String?, allowedForStrict: Bool?, deleteDerived: Bool,
        recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> (record: NamedTransformationRecord, deleted: [ResourceDeletion])? {
        try await write { db in
            guard
                var record = try Row.fetchOne(
                    db, sql: "SELECT * FROM named_transformations WHERE name = ?", arguments: [name]
                ).map(Self.named)
            else { return nil }
            if let definition { record.definition = definition }
            if let allowedForStrict { record.allowedForStrict = allowedForStrict }
            record.updatedAt = Date()
            try db.execute(
                sql:
                    "UPDATE named_transformations SET definition = ?, allowed_for_strict = ?, updated_at = ? WHERE name = ?",
                arguments: [record.definition, record.allowedForStrict, record.updatedAt.timeIntervalSince1970, name])
            let deleted = deleteDerived ? try Self.deleteDerivatives(db, usingNamed: name) : []
            try Self.record(db, deleted.map { .derivedDeleted($0.resource!, derivatives: $0.derivatives) }, recorder)
            return (record, deleted)
        }
    }

    public func deleteNamedTransformation(_ name: String, recorder: @escaping ChangeRecorder) async throws(StoreError)
        -> (record: NamedTransformationRecord, deleted: [ResourceDeletion])?
    {
        try await write { db in
            guard
                let record = try Row.fetchOne(
                    db, sql: "SELECT * FROM named_transformations WHERE name = ?", arguments: [name]
                ).map(Self.named)
            else { return nil }
            let deleted = try Self.deleteDerivatives(db, usingNamed: name)
            try db.execute(sql: "DELETE FROM named_transformations WHERE name = ?", arguments: [name])
            try Self.record(db, deleted.map { .derivedDeleted($0.resource!, derivatives: $0.derivatives) }, recorder)
            return (record, deleted)
        }
    }

    public func derivativeCount(usingNamed name: String) async throws(StoreError) -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM derivative_names WHERE name = ?", arguments: [name]) ?? 0
        }
    }

    public func derivativeIDs(usingNamed name: String) async throws(StoreError) -> [String] {
        try await read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT d.id FROM derivative_names n JOIN derivatives d ON d.seq = n.derivative WHERE n.name = ?
                    """,
                arguments: [name])
        }
    }

    private static func deleteDerivatives(_ db: Database, usingNamed name: String) throws -> [ResourceDeletion] {
        let seqs = try Int64.fetchAll(
            db, sql: "SELECT derivative FROM derivative_names WHERE name = ?", arguments: [name])
        return try deleteDerivatives(
            db,
            chunks: chunks(seqs).map { ("d.seq IN (\(placeholders($0.count)))", StatementArguments($0)) })
    }

    static func named(from row: Row) -> NamedTransformationRecord {
        NamedTransformationRecord(
            name: row["name"], definition: row["definition"], allowedForStrict: row["allowed_for_strict"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}
