import Foundation
import GRDB

/// Listings and bulk walks: keyset pagination on an index for every order, so a page costs the
/// same at any depth and a cursor stays exact while rows are inserted and deleted.
extension SQLiteCatalog {
    public func ping() async throws(StoreError) {
        _ = try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM catalog_counters") }
    }

    public func usage() async throws(StoreError) -> CatalogUsage {
        try await read { db in
            let originals = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(bytes), 0) FROM resources")
            let derived = try Row.fetchOne(db, sql: "SELECT count(*), coalesce(sum(bytes), 0) FROM derivatives")
            return CatalogUsage(
                originals: originals?[0] ?? 0, originalBytes: originals?[1] ?? 0, derivatives: derived?[0] ?? 0,
                derivativeBytes: derived?[1] ?? 0)
        }
    }

    public func listResources(_ query: ResourceQuery) async throws(StoreError) -> ResourcePage {
        guard (1...ResourceQuery.maxPageSize).contains(query.maxResults) else {
            throw .invalidArgument("max_results must be between 1 and \(ResourceQuery.maxPageSize)")
        }
        let cursor = try query.cursor.map(CatalogCursor.decode)
        let limit = query.maxResults
        return try await read { db in
            var sql = Self.resourceSelect
            var arguments: [(any DatabaseValueConvertible)?] = []
            var fields: [String]
            let kind: Character
            if let tag = query.tag {
                let descending = query.direction != .ascending
                kind = "T"
                fields = ["id"]
                sql += " JOIN resource_tags tg ON tg.resource_id = r.id WHERE tg.tag = ? AND r.resource_type = ?"
                arguments += [tag, query.resourceType]
                if let type = query.type {
                    sql += " AND r.type = ?"
                    arguments.append(type)
                }
                if let cursor {
                    let position = try cursor.int(kind: kind, at: 0)
                    sql += descending ? " AND tg.resource_id < ?" : " AND tg.resource_id > ?"
                    arguments.append(position)
                }
                sql += " ORDER BY tg.resource_id \(descending ? "DESC" : "ASC")"
            } else if let prefix = query.prefix {
                let descending = query.direction == .descending
                kind = "P"
                fields = ["public_id"]
                sql += " WHERE r.resource_type = ? AND r.type = ?"
                arguments += [query.resourceType, query.type ?? "upload"]
                if !prefix.isEmpty {
                    sql += " AND r.public_id >= ? AND r.public_id < ? || CAST(X'F4908080' AS TEXT)"
                    arguments += [prefix, prefix]
                }
                if let cursor {
                    sql += descending ? " AND r.public_id < ?" : " AND r.public_id > ?"
                    arguments.append(try cursor.string(kind: kind, at: 0))
                }
                sql += " ORDER BY r.public_id \(descending ? "DESC" : "ASC")"
            } else {
                let descending = query.direction != .ascending
                kind = "C"
                fields = ["created_at", "id"]
                sql += " WHERE r.resource_type = ?"
                arguments.append(query.resourceType)
                if let type = query.type {
                    sql += " AND r.type = ?"
                    arguments.append(type)
                }
                if let cursor {
                    sql += descending ? " AND (r.created_at, r.id) < (?, ?)" : " AND (r.created_at, r.id) > (?, ?)"
                    arguments += [try cursor.double(kind: kind, at: 0), try cursor.int(kind: kind, at: 1)]
                }
                let order = descending ? "DESC" : "ASC"
                sql += " ORDER BY r.created_at \(order), r.id \(order)"
            }
            sql += " LIMIT ?"
            arguments.append(limit + 1)
            let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            let page = rows.prefix(limit)
            var next: String?
            if rows.count > limit, let last = page.last {
                next = CatalogCursor(kind: kind, fields: fields.map { Self.cursorField(last, $0) }).encoded
            }
            return ResourcePage(resources: page.map(Self.resourceRecord), nextCursor: next)
        }
    }

    public func selectResources(
        resourceType: String, type: String?, _ selection: ResourceSelection, after cursor: String?, limit: Int
    ) async throws(StoreError) -> ResourceBatch {
        let position = try cursor.map(CatalogCursor.decode)
        let limit = max(1, limit)
        return try await read { db in
            // Keys only: the delete that follows reads each original again inside its transaction.
            let query = try Self.walkQuery(
                columns: "r.id, r.resource_type, r.type, r.public_id", resourceType: resourceType, type: type,
                selection, after: position, limit: limit)
            let rows = try Row.fetchAll(db, sql: query.sql, arguments: query.arguments)
            let batch = rows.prefix(limit)
            var next: String?
            if rows.count > limit, let last = batch.last {
                next = CatalogCursor(kind: query.kind, fields: query.fields.map { Self.cursorField(last, $0) }).encoded
            }
            return ResourceBatch(
                keys: batch.map { ResourceKey(resourceType: $0[1], type: $0[2], publicID: $0[3]) }, nextCursor: next)
        }
    }

    /// The bulk walk's statement: `SELECT columns FROM resources r …`, one row more than `limit`
    /// (to know whether another batch follows), with the cursor's kind and the columns it records.
    static func walkQuery(
        columns: String, resourceType: String, type: String?, _ selection: ResourceSelection,
        after position: CatalogCursor?, limit: Int
    ) throws(StoreError) -> (sql: String, arguments: StatementArguments, kind: Character, fields: [String]) {
        var sql = "SELECT \(columns) FROM resources r"
        var arguments: [(any DatabaseValueConvertible)?] = []
        let kind: Character
        let fields: [String]
        switch selection {
        case .tag(let tag):
            kind = "t"
            fields = ["id"]
            sql += " JOIN resource_tags tg ON tg.resource_id = r.id WHERE tg.tag = ? AND r.resource_type = ?"
            arguments += [tag, resourceType]
            if let type {
                sql += " AND r.type = ?"
                arguments.append(type)
            }
            if let position {
                sql += " AND tg.resource_id > ?"
                arguments.append(try position.int(kind: kind, at: 0))
            }
            sql += " ORDER BY tg.resource_id"
        case .all:
            // Storage (row id) order: a batch is physically clustered, so a delete-all dirties
            // few pages. Linear overall even when the scope is rare: each batch scans on from
            // where the previous one stopped. The unary `+` keeps the planner off the UNIQUE
            // index: without statistics it would read every remaining original through it and
            // sort them by row id, making each batch O(remaining) and a delete-all quadratic.
            kind = "a"
            fields = ["id"]
            sql += " WHERE +r.resource_type = ?"
            arguments.append(resourceType)
            if let type {
                sql += " AND +r.type = ?"
                arguments.append(type)
            }
            if let position {
                sql += " AND r.id > ?"
                arguments.append(try position.int(kind: kind, at: 0))
            }
            sql += " ORDER BY r.id"
        case .prefix:
            // (type, public_id) order on UNIQUE (resource_type, type, public_id).
            kind = "p"
            fields = ["type", "public_id"]
            sql += " WHERE r.resource_type = ?"
            arguments.append(resourceType)
            if let type {
                sql += " AND r.type = ?"
                arguments.append(type)
            }
            if case .prefix(let prefix) = selection, !prefix.isEmpty {
                sql += " AND r.public_id >= ? AND r.public_id < ? || CAST(X'F4908080' AS TEXT)"
                arguments += [prefix, prefix]
            }
            if let position {
                sql += " AND (r.type, r.public_id) > (?, ?)"
                arguments += [try position.string(kind: kind, at: 0), try position.string(kind: kind, at: 1)]
            }
            sql += " ORDER BY r.type, r.public_id"
        }
        sql += " LIMIT ?"
        arguments.append(limit + 1)
        return (sql, StatementArguments(arguments), kind, fields)
    }

    /// A walk cursor's field for the original with row id `id` and `key`.
    static func walkCursorField(id: Int64, key: ResourceKey, _ column: String) -> String {
        switch column {
        case "id": String(id)
        case "type": key.type
        default: key.publicID
        }
    }

    static func cursorField(_ row: Row, _ column: String) -> String {
        switch column {
        case "created_at":
            let value: Double = row[column]
            return String(value.bitPattern, radix: 16)
        case "id":
            let value: Int64 = row[column]
            return String(value)
        default:
            return row[column]
        }
    }

    // MARK: - Tags

    public func updateTags(
        _ command: TagCommand, tags: [String], keys: [ResourceKey], recorder: @escaping ChangeRecorder
    )
        async throws(StoreError) -> [ResourceKey]
    {
        let tags = ResourceRecord.normalizedTags(tags)
        if command == .setExclusive && tags.count != 1 {
            throw .invalidArgument("set_exclusive takes exactly one tag")
        }
        return try await write { db in
            let found = try Self.fetchResources(db, keys)
            var changes: [LifecycleChange] = []
            var changed: [ResourceKey] = []
            func apply(_ id: Int64, _ record: ResourceRecord, _ newTags: [String]) throws {
                let newTags = ResourceRecord.normalizedTags(newTags)
                guard newTags != record.tags else { return }
                try Self.setTags(db, resourceID: id, newTags)
                var updated = record
                updated.tags = newTags
                changes.append(.tagsChanged(updated, previous: record.tags))
                changed.append(record.key)
            }
            for key in keys {
                guard let (id, record) = found[key] else { continue }
                switch command {
                case .add, .setExclusive: try apply(id, record, record.tags + tags)
                case .remove: try apply(id, record, record.tags.filter { !tags.contains($0) })
                case .replace: try apply(id, record, tags)
                case .removeAll: try apply(id, record, [])
                }
            }
            if command == .setExclusive, let tag = tags.first {
                let kept = Set(found.values.map(\.id))
                for scope in Set(keys.map { [$0.resourceType, $0.type] }) {
                    let rows = try Row.fetchAll(
                        db,
                        sql: Self.resourceSelect + """
                             JOIN resource_tags tg ON tg.resource_id = r.id
                            WHERE tg.tag = ? AND r.resource_type = ? AND r.type = ?
                            """,
                        arguments: StatementArguments([tag] + scope))
                    for row in rows where !kept.contains(row["id"]) {
                        let record = Self.resourceRecord(from: row)
                        try apply(row["id"], record, record.tags.filter { $0 != tag })
                    }
                }
            }
            try Self.record(db, changes, recorder)
            return changed
        }
    }

    public func listTags(resourceType: String, prefix: String?, after cursor: String?, limit: Int)
        async throws(StoreError) -> (tags: [String], nextCursor: String?)
    {
        let limit = max(1, min(limit, ResourceQuery.maxPageSize))
        let position = try cursor.map(CatalogCursor.decode)
        return try await read { db in
            var sql = """
                SELECT DISTINCT tg.tag FROM resource_tags tg JOIN resources r ON r.id = tg.resource_id
                WHERE r.resource_type = ?
                """
            var arguments: [(any DatabaseValueConvertible)?] = [resourceType]
            if let prefix, !prefix.isEmpty {
                sql += " AND tg.tag >= ? AND tg.tag < ? || CAST(X'F4908080' AS TEXT)"
                arguments += [prefix, prefix]
            }
            if let position {
                sql += " AND tg.tag > ?"
                arguments.append(try position.string(kind: "g", at: 0))
            }
            sql += " ORDER BY tg.tag LIMIT ?"
            arguments.append(limit + 1)
            let tags = try String.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            let page = Array(tags.prefix(limit))
            let next = tags.count > limit ? page.last.map { CatalogCursor(kind: "g", fields: [$0]).encoded } : nil
            return (page, next)
        }
    }
}

/// An opaque cursor: a kind letter and the keyset fields of the last row, base64url-encoded.
struct CatalogCursor {
    var kind: Character
    var fields: [String]

    var encoded: String {
        let text = String(kind) + fields.map { "\u{1F}" + $0 }.joined()
        return Data(text.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) throws(StoreError) -> CatalogCursor {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let decoded = String(data: data, encoding: .utf8),
            let kind = decoded.first
        else { throw .invalidArgument("invalid cursor \(text)") }
        let fields = decoded.dropFirst().split(separator: "\u{1F}", omittingEmptySubsequences: false).dropFirst()
        return CatalogCursor(kind: kind, fields: fields.map(String.init))
    }

    func string(kind expected: Character, at index: Int) throws(StoreError) -> String {
        guard kind == expected, index < fields.count else {
            throw .invalidArgument("the cursor belongs to a different kind of listing")
        }
        return fields[index]
    }

    func int(kind expected: Character, at index: Int) throws(StoreError) -> Int64 {
        guard let value = Int64(try string(kind: expected, at: index)) else { throw .invalidArgument("invalid cursor") }
        return value
    }

    func double(kind expected: Character, at index: Int) throws(StoreError) -> Double {
        guard let bits = UInt64(try string(kind: expected, at: index), radix: 16) else {
            throw .invalidArgument("invalid cursor")
        }
        return Double(bitPattern: bits)
    }
}
