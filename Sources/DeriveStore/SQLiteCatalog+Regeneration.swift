import Foundation
import GRDB

/// Regeneration jobs: the checkpoint (job row), leased batches of originals, and finished items,
/// all written in the transactions that make the progress, so any process resumes exactly.
extension SQLiteCatalog {
    static let jobColumns = """
        id, request, request_key, state, position, exhausted, batches, rendered, unchanged, failed, skipped, bytes,
        created_at, updated_at
        """

    static func job(from row: Row) -> RegenerationJobRecord {
        RegenerationJobRecord(
            id: row[0], request: row[1], requestKey: row[2],
            state: RegenerationJobState(rawValue: row[3]) ?? .cancelled, position: row[4], exhausted: row[5],
            batches: row[6], rendered: row[7], unchanged: row[8], failed: row[9], skipped: row[10], bytes: row[11],
            createdAt: Date(timeIntervalSince1970: row[12]), updatedAt: Date(timeIntervalSince1970: row[13]))
    }

    static func fetchJob(_ db: Database, _ id: String) throws -> RegenerationJobRecord? {
        try Row.fetchOne(db, sql: "SELECT \(jobColumns) FROM regeneration_jobs WHERE id = ?", arguments: [id])
            .map(job(from:))
    }

    public func startRegenerationJob(id: String, request: String, requestKey: String)
        async throws(StoreError) -> (job: RegenerationJobRecord, resumed: Bool)
    {
        try await write(keepsDeliveries: true) { db in
            if let row = try Row.fetchOne(
                db,
                sql: """
                    SELECT \(Self.jobColumns) FROM regeneration_jobs WHERE request_key = ? AND state = 'running'
                    ORDER BY created_at DESC LIMIT 1
                    """,
                arguments: [requestKey])
            {
                return (Self.job(from: row), true)
            }
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: """
                    INSERT INTO regeneration_jobs (id, request, request_key, state, created_at, updated_at)
                    VALUES (?, ?, ?, 'running', ?, ?)
                    """,
                arguments: [id, request, requestKey, now, now])
            guard let job = try Self.fetchJob(db, id) else { throw StoreError.database("job \(id) not stored") }
            return (job, false)
        }
    }

    public func regenerationJob(_ id: String) async throws(StoreError) -> RegenerationJobRecord? {
        try await read { db in try Self.fetchJob(db, id) }
    }

    public func regenerationJobs(limit: Int) async throws(StoreError) -> [RegenerationJobRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT \(Self.jobColumns) FROM regeneration_jobs ORDER BY created_at DESC, id LIMIT ?",
                arguments: [max(1, limit)]
            ).map(Self.job(from:))
        }
    }

    public func cancelRegenerationJob(_ id: String) async throws(StoreError) -> RegenerationJobRecord? {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql:
                    "UPDATE regeneration_jobs SET state = 'cancelled', updated_at = ? WHERE id = ? AND state = 'running'",
                arguments: [Date().timeIntervalSince1970, id])
            return try Self.fetchJob(db, id)
        }
    }

    public func claimRegenerationBatch(
        job id: String, walk: RegenerationWalk, owner: String, leaseSeconds: Double, batchSize: Int,
        ownerIsGone: @escaping @Sendable (String) -> Bool
    ) async throws(StoreError) -> RegenerationClaim {
        let limit = max(1, batchSize)
        return try await write(keepsDeliveries: true) { db in
            guard let job = try Self.fetchJob(db, id) else { throw StoreError.invalidArgument("no job \(id)") }
            guard job.state == .running else { return .finished(job.state) }
            let now = Date().timeIntervalSince1970
            // A batch left behind: released, its lease expired, or its owner gone.
            var held = 0
            var ownOpen = false
            for row in try Row.fetchAll(
                db,
                sql: "SELECT batch, keys, owner, lease_until FROM regeneration_batches WHERE job = ? AND finished = 0",
                arguments: [id])
            {
                let holder: String? = row[2]
                let until: Double = row[3]
                if let holder, holder == owner || (until >= now && !ownerIsGone(holder)) {
                    if holder != owner { held += 1 }
                    ownOpen = ownOpen || holder == owner
                    continue
                }
                let number: Int = row[0]
                try db.execute(
                    sql: "UPDATE regeneration_batches SET owner = ?, lease_until = ? WHERE job = ? AND batch = ?",
                    arguments: [owner, now + leaseSeconds, id, number])
                return .batch(
                    try Self.batch(db, job: id, number: number, keys: row[1], takenOver: holder != nil))
            }
            if !job.exhausted {
                let (keys, next) = try Self.walkBatch(db, walk, after: job.position, limit: limit)
                if !keys.isEmpty {
                    let number = job.batches
                    let text = String(decoding: try JSONEncoder().encode(keys), as: UTF8.self)
                    try db.execute(
                        sql: """
                            INSERT INTO regeneration_batches (job, batch, keys, owner, lease_until) VALUES (?, ?, ?, ?, ?)
                            """,
                        arguments: [id, number, text, owner, now + leaseSeconds])
                    try db.execute(
                        sql: """
                            UPDATE regeneration_jobs SET position = ?, exhausted = ?, batches = batches + 1, updated_at = ?
                            WHERE id = ?
                            """,
                        arguments: [next, next == nil, now, id])
                    return .batch(
                        RegenerationBatch(job: id, number: number, keys: keys, finishedItems: [], takenOver: false))
                }
                try db.execute(
                    sql: "UPDATE regeneration_jobs SET exhausted = 1, updated_at = ? WHERE id = ?",
                    arguments: [now, id])
            }
            // Open batches remain (this owner's other workers', or others'): the job is not done yet.
            if held > 0 || ownOpen { return .waiting(held: held) }
            try db.execute(
                sql: "UPDATE regeneration_jobs SET state = 'done', updated_at = ? WHERE id = ?", arguments: [now, id])
            return .finished(.done)
        }
    }

    private static func batch(_ db: Database, job: String, number: Int, keys text: String, takenOver: Bool) throws
        -> RegenerationBatch
    {
        let keys = try JSONDecoder().decode([ResourceKey].self, from: Data(text.utf8))
        let finished = try String.fetchAll(
            db, sql: "SELECT item FROM regeneration_items WHERE job = ? AND batch = ?", arguments: [job, number])
        return RegenerationBatch(
            job: job, number: number, keys: keys, finishedItems: Set(finished), takenOver: takenOver)
    }

    /// The next `limit` originals of the walk after `position`, and the position after them (nil at the end).
    private static func walkBatch(_ db: Database, _ walk: RegenerationWalk, after position: String?, limit: Int) throws
        -> (keys: [ResourceKey], next: String?)
    {
        let selection: ResourceSelection
        switch walk.selection {
        case .publicIDs(let ids):
            var seen = Set<String>()
            let unique = ids.filter { seen.insert($0).inserted }
            let start = position.flatMap { Int($0) } ?? 0
            guard start < unique.count else { return ([], nil) }
            let end = min(start + limit, unique.count)
            let keys = unique[start..<end].map {
                ResourceKey(resourceType: walk.resourceType, type: walk.type ?? "upload", publicID: $0)
            }
            // Ids that do not exist stay in the batch: the run reports them as failures.
            return (keys, end < unique.count ? String(end) : nil)
        case .all: selection = .all
        case .prefix(let prefix): selection = .prefix(prefix)
        case .tag(let tag): selection = .tag(tag)
        }
        let query = try walkQuery(
            columns: "r.id, r.resource_type, r.type, r.public_id", resourceType: walk.resourceType, type: walk.type,
            selection, after: try position.map(CatalogCursor.decode), limit: limit)
        let rows = try Row.fetchAll(db, sql: query.sql, arguments: query.arguments)
        let batch = rows.prefix(limit)
        var next: String?
        if rows.count > limit, let last = batch.last {
            next = CatalogCursor(kind: query.kind, fields: query.fields.map { cursorField(last, $0) }).encoded
        }
        return (batch.map { ResourceKey(resourceType: $0[1], type: $0[2], publicID: $0[3]) }, next)
    }

    public func finishRegenerationBatch(_ lease: RegenerationLease, skipped: Int) async throws(StoreError) {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql:
                    "UPDATE regeneration_batches SET finished = 1, owner = NULL WHERE job = ? AND batch = ? AND finished = 0",
                arguments: [lease.job, lease.batch])
            if db.changesCount > 0 {
                try db.execute(
                    sql: "UPDATE regeneration_jobs SET skipped = skipped + ?, updated_at = ? WHERE id = ?",
                    arguments: [skipped, Date().timeIntervalSince1970, lease.job])
            }
        }
    }

    public func releaseRegenerationBatch(_ lease: RegenerationLease) async throws(StoreError) {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql: """
                    UPDATE regeneration_batches SET owner = NULL, lease_until = 0
                    WHERE job = ? AND batch = ? AND owner = ? AND finished = 0
                    """,
                arguments: [lease.job, lease.batch, lease.owner])
        }
    }

    public func storeRegenerated(
        _ record: DerivativeRecord, namedTransformations: [String], lease: RegenerationLease, label: String,
        recorder: @escaping ChangeRecorder
    ) async throws(StoreError) -> RegenerationWrite {
        // A new derivative or identical bytes can be made again: commit without waiting for the disk
        // (as `insertDerivative` does; a power loss loses the row and its completion mark together,
        // and the item is rendered again). Replacing bytes must be durable before the old blob is
        // reclaimed: that transaction is rolled back and repeated with a durable commit.
        do {
            return try await writeRecreatable { db in
                try Self.storeRegenerated(db, record, namedTransformations, lease, label, recorder, replacing: false)
            }
        } catch .conflict(Self.needsDurableCommit) {
            return try await write(keepsDeliveries: true) { db in
                try Self.storeRegenerated(db, record, namedTransformations, lease, label, recorder, replacing: true)
            }
        }
    }

    static let needsDurableCommit = "regeneration: replacing a derivative needs a durable commit"

    private static func storeRegenerated(
        _ db: Database, _ record: DerivativeRecord, _ namedTransformations: [String], _ lease: RegenerationLease,
        _ label: String, _ recorder: @escaping ChangeRecorder, replacing: Bool
    ) throws -> RegenerationWrite {
        do {
            guard try !Self.itemRecorded(db, lease.job, record.id) else { return .alreadyDone }
            guard let (resourceID, resource) = try Self.fetchResource(db, record.key),
                resource.version == record.version
            else { throw StoreError.resourceGone(record.key, version: record.version) }
            let outcome: RegenerationWrite
            if let row = try Row.fetchOne(
                db, sql: "SELECT \(Self.derivativeColumns), d.seq FROM derivatives d WHERE \(Self.derivativeByID)",
                arguments: [lookupKey(record.id), record.id])
            {
                let seq: Int64 = row[11]
                let previous = Self.derivative(from: row, key: record.key)
                if previous.blob == record.blob {
                    if previous.renderer != record.renderer {
                        try db.execute(
                            sql: "UPDATE derivatives SET renderer = ? WHERE seq = ?", arguments: [record.renderer, seq])
                    }
                    var current = previous
                    current.renderer = record.renderer
                    outcome = .unchanged(current)
                } else {
                    guard replacing else { throw StoreError.conflict(Self.needsDurableCommit) }
                    try db.execute(
                        sql: """
                            UPDATE derivatives SET blob = ?, blob_key = ?, bytes = ?, width = ?, height = ?, renderer = ?,
                                created_at = ?
                            WHERE seq = ?
                            """,
                        arguments: [
                            record.blob, lookupKey(record.blob), record.bytes, record.width, record.height,
                            record.renderer, record.createdAt.timeIntervalSince1970, seq,
                        ])
                    try db.cachedStatement(sql: "INSERT OR IGNORE INTO derivative_blobs (blob_key, seq) VALUES (?, ?)")
                        .execute(arguments: [lookupKey(record.blob), seq])
                    try db.execute(sql: "UPDATE catalog_counters SET value = value + 1 WHERE name = 'lookup_entries'")
                    try Self.noteStaleLookups(db, deleted: 1)
                    // The URL now answers other bytes: delivery caches must not keep the old answer.
                    try db.cachedStatement(sql: Self.advanceDeliveryGeneration).execute()
                    try Self.record(db, [.derivedReplaced(record, previous: previous, of: resource)], recorder)
                    outcome = .replaced(record, previous: previous)
                }
            } else {
                let seq = try Self.insertDerivativeRow(db, record, resourceID: resourceID)
                for name in Set(namedTransformations) {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO derivative_names (name, derivative) VALUES (?, ?)",
                        arguments: [name, seq])
                }
                try Self.record(db, [.derivedCreated(record, of: resource)], recorder)
                outcome = .created(record)
            }
            let unchanged: Bool
            if case .unchanged = outcome { unchanged = true } else { unchanged = false }
            try db.execute(
                sql: "INSERT INTO regeneration_items (job, item, batch, status, label) VALUES (?, ?, ?, ?, ?)",
                arguments: [
                    lease.job, record.id, lease.batch,
                    (unchanged ? RegenerationItemStatus.unchanged : .rendered).rawValue, label,
                ])
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: """
                    UPDATE regeneration_jobs SET rendered = rendered + ?, unchanged = unchanged + ?, bytes = bytes + ?,
                        updated_at = ?
                    WHERE id = ?
                    """,
                arguments: [unchanged ? 0 : 1, unchanged ? 1 : 0, unchanged ? 0 : record.bytes, now, lease.job])
            try Self.renew(db, lease, now: now)
            return outcome
        }
    }

    public func recordRegenerationFailure(_ lease: RegenerationLease, item: String, label: String, error: String)
        async throws(StoreError)
    {
        try await write(keepsDeliveries: true) { db in
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO regeneration_items (job, item, batch, status, label, error)
                    VALUES (?, ?, ?, 'failed', ?, ?)
                    """,
                arguments: [lease.job, item, lease.batch, label, error])
            guard db.changesCount > 0 else { return }
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: "UPDATE regeneration_jobs SET failed = failed + 1, updated_at = ? WHERE id = ?",
                arguments: [now, lease.job])
            try Self.renew(db, lease, now: now)
        }
    }

    public func regenerationFailures(job: String, limit: Int) async throws(StoreError) -> [RegenerationFailure] {
        try await read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT item, label, error FROM regeneration_items WHERE job = ? AND status = 'failed'
                    ORDER BY batch, label LIMIT ?
                    """,
                arguments: [job, max(1, limit)]
            ).map { RegenerationFailure(item: $0[0], label: $0[1], error: $0[2] ?? "") }
        }
    }

    private static func itemRecorded(_ db: Database, _ job: String, _ item: String) throws -> Bool {
        try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM regeneration_items WHERE job = ? AND item = ?)",
            arguments: [job, item]) ?? false
    }

    private static func renew(_ db: Database, _ lease: RegenerationLease, now: Double) throws {
        try db.execute(
            sql: "UPDATE regeneration_batches SET lease_until = ? WHERE job = ? AND batch = ? AND owner = ?",
            arguments: [now + lease.seconds, lease.job, lease.batch, lease.owner])
    }
}
