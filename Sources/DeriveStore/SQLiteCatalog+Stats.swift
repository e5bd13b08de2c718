import GRDB

/// Derivative counts and bytes: per original (listings) and per transformation (the whole library).
extension SQLiteCatalog {
    public func derivativeStats(of keys: [ResourceKey]) async throws(StoreError) -> [ResourceKey: DerivativeStats] {
        guard !keys.isEmpty else { return [:] }
        return try await read { db in
            var stats: [ResourceKey: DerivativeStats] = [:]
            for chunk in stride(from: 0, to: keys.count, by: 100).map({ Array(keys[$0..<min($0 + 100, keys.count)]) }) {
                let match = Array(
                    repeating: "(r.resource_type = ? AND r.type = ? AND r.public_id = ?)", count: chunk.count
                )
                .joined(separator: " OR ")
                var arguments: [String] = []
                for key in chunk { arguments += [key.resourceType, key.type, key.publicID] }
                let rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT r.resource_type, r.type, r.public_id, count(d.seq), coalesce(sum(d.bytes), 0)
                        FROM resources r LEFT JOIN derivatives d ON d.resource_id = r.id
                        WHERE \(match) GROUP BY r.id
                        """,
                    arguments: StatementArguments(arguments))
                for row in rows {
                    let key = ResourceKey(resourceType: row[0], type: row[1], publicID: row[2])
                    stats[key] = DerivativeStats(count: row[3], bytes: row[4])
                }
            }
            return stats
        }
    }

    public func transformationUsage(resourceType: String, limit: Int) async throws(StoreError) -> [TransformationUsage]
    {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT d.transformation, count(*), coalesce(sum(d.bytes), 0), count(DISTINCT d.resource_id)
                    FROM derivatives d JOIN resources r ON r.id = d.resource_id
                    WHERE r.resource_type = ? GROUP BY d.transformation ORDER BY count(*) DESC, d.transformation
                    LIMIT ?
                    """,
                arguments: [resourceType, max(1, limit)]
            ).map {
                TransformationUsage(transformation: $0[0], derivatives: $0[1], bytes: $0[2], originals: $0[3])
            }
        }
    }

    public func derivatives(
        transformation: String, resourceType: String, after cursor: Int64?, limit: Int
    ) async throws(StoreError) -> (derivatives: [DerivativeRecord], nextCursor: Int64?) {
        let limit = min(max(limit, 1), ResourceQuery.maxPageSize)
        return try await read { db in
            let columns = Self.derivativeColumns.split(separator: ", ").map { "d." + $0 }.joined(separator: ", ")
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT \(columns), r.resource_type, r.type, r.public_id, d.seq
                    FROM derivatives d JOIN resources r ON r.id = d.resource_id
                    WHERE d.transformation = ? AND r.resource_type = ? AND d.seq > ? ORDER BY d.seq LIMIT ?
                    """,
                arguments: [transformation, resourceType, cursor ?? 0, limit + 1])
            let records = rows.prefix(limit).map {
                Self.derivative(from: $0, key: ResourceKey(resourceType: $0[11], type: $0[12], publicID: $0[13]))
            }
            let next: Int64? = rows.count > limit ? rows[limit - 1][14] : nil
            return (Array(records), next)
        }
    }
}
