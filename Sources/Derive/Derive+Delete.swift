import DeriveStore
import DeriveTransform
import Foundation

/// Options shared by the delete calls (Cloudinary's Admin API delete parameters).
public struct DeleteOptions: Sendable, Hashable {
    public var resourceType: String
    /// The delivery type; nil means every type (what deleting by tag does by default).
    public var type: String?
    /// Delete only the derivatives, keep the originals.
    public var keepOriginal: Bool
    /// Delete only these derivatives, in eager syntax (`c_fill,w_100,h_100/jpg`; several separated
    /// by `|` or given as separate strings). Implies `keepOriginal`.
    public var transformations: [String]?
    /// Ask caches to purge (recorded as `requested` in invalidation events).
    public var invalidate: Bool
    /// A URL that receives the delete notifications.
    public var notificationURL: String?
    /// Continue a bulk delete (the previous result's `nextCursor`).
    public var cursor: String?
    /// Originals per bulk call, at most (and by default) 1000.
    public var batchSize: Int

    public static let maxBatchSize = 1000
    public static let maxPublicIDs = 100

    public init(
        resourceType: String = "image", type: String? = "upload", keepOriginal: Bool = false,
        transformations: [String]? = nil, invalidate: Bool = false, notificationURL: String? = nil,
        cursor: String? = nil, batchSize: Int = DeleteOptions.maxBatchSize
    ) {
        self.resourceType = resourceType
        self.type = type
        self.keepOriginal = keepOriginal
        self.transformations = transformations
        self.invalidate = invalidate
        self.notificationURL = notificationURL
        self.cursor = cursor
        self.batchSize = batchSize
    }
}

/// Cloudinary's per-id delete status.
public enum DeleteStatus: String, Sendable, Hashable, Codable {
    case deleted
    case notFound = "not_found"
}

/// What a delete did to one public id.
public struct DeleteOutcome: Sendable, Hashable {
    public var key: ResourceKey
    public var status: DeleteStatus
    /// Originals deleted (0 or 1).
    public var originals: Int
    /// Derivatives deleted.
    public var derived: Int
}

/// The result of a delete call, shaped like Cloudinary's (`deleted`, `deleted_counts`, `partial`,
/// `next_cursor`).
public struct DeleteResult: Sendable, Hashable {
    /// One entry per public id handled, in order.
    public var outcomes: [DeleteOutcome]
    /// True when more originals match: call again with `nextCursor`.
    public var partial: Bool
    public var nextCursor: String?

    /// `public_id → "deleted" | "not_found"` (ids of several delivery types share an entry).
    public var deleted: [String: DeleteStatus] {
        outcomes.reduce(into: [:]) { map, outcome in
            if map[outcome.key.publicID] != .deleted { map[outcome.key.publicID] = outcome.status }
        }
    }

    /// `public_id → (original, derived)` counts.
    public var deletedCounts: [String: (original: Int, derived: Int)] {
        outcomes.reduce(into: [:]) { map, outcome in
            let previous = map[outcome.key.publicID] ?? (0, 0)
            map[outcome.key.publicID] = (previous.original + outcome.originals, previous.derived + outcome.derived)
        }
    }

    public var originalsDeleted: Int { outcomes.reduce(0) { $0 + $1.originals } }
    public var derivedDeleted: Int { outcomes.reduce(0) { $0 + $1.derived } }

    /// The Cloudinary JSON body.
    public var json: String {
        var deleted = JSONObjectWriter()
        var counts = JSONObjectWriter()
        var seen = Set<String>()
        let statuses = self.deleted
        let totals = deletedCounts
        for outcome in outcomes where seen.insert(outcome.key.publicID).inserted {
            let id = outcome.key.publicID
            deleted.field(id, statuses[id]?.rawValue)
            var count = JSONObjectWriter()
            count.field("original", totals[id]?.original ?? 0)
            count.field("derived", totals[id]?.derived ?? 0)
            counts.field(id, raw: count.finish())
        }
        var json = JSONObjectWriter()
        json.field("deleted", raw: deleted.finish())
        json.field("deleted_counts", raw: counts.finish())
        json.field("partial", partial)
        json.field("next_cursor", nextCursor)
        return json.finish()
    }
}

extension Derive {
    /// Deletes one original with every derivative (Cloudinary's `destroy`), in one transaction,
    /// recording `delete` and `invalidate` events; then reclaims blobs nothing references.
    @discardableResult
    public func destroy(
        publicID: String, type: String = "upload", resourceType: String = "image", invalidate: Bool = false,
        notificationURL: String? = nil
    ) async throws(DeriveError) -> DeleteOutcome {
        let options = DeleteOptions(
            resourceType: resourceType, type: type, invalidate: invalidate, notificationURL: notificationURL)
        let key = ResourceKey(resourceType: resourceType, type: type, publicID: publicID)
        let deletions = try await deleteBatch([key], planned: nil, options: options, operation: .destroy)
        return Self.outcome(
            deletions.first ?? ResourceDeletion(key: key, resource: nil, originalDeleted: false, derivatives: []))
    }

    /// Deletes up to 100 originals by public id (or, with `keepOriginal` / `transformations`, only
    /// their derivatives) in one transaction. Ids that do not exist are reported `not_found`.
    public func deleteResources(publicIDs: [String], options: DeleteOptions = DeleteOptions())
        async throws(DeriveError) -> DeleteResult
    {
        guard publicIDs.count <= DeleteOptions.maxPublicIDs else {
            throw .invalidArgument("at most \(DeleteOptions.maxPublicIDs) public ids per call (got \(publicIDs.count))")
        }
        let type = options.type ?? "upload"
        let keys = publicIDs.map { ResourceKey(resourceType: options.resourceType, type: type, publicID: $0) }
        let deletions = try await deleteBatch(keys, planned: nil, options: options, operation: .deleteResources)
        return DeleteResult(outcomes: deletions.map(Self.outcome), partial: false, nextCursor: nil)
    }

    /// Deletes the next batch (at most `options.batchSize`, ≤ 1000) of originals matching
    /// `selection` (a prefix, a tag, or all of a delivery type), in one transaction. When more
    /// match, the result is `partial` with a `nextCursor`: pass it as `options.cursor` to continue.
    /// The walk visits each original once, even while others are inserted or deleted.
    public func deleteResources(matching selection: ResourceSelection, options: DeleteOptions = DeleteOptions())
        async throws(DeriveError) -> DeleteResult
    {
        let limit = min(max(1, options.batchSize), DeleteOptions.maxBatchSize)
        guard lifecycle.hooks.user.isEmpty else {
            // Hooks see each batch before it goes (`willDelete`), so it is selected first.
            let batch = try await storing {
                try await self.catalog.selectResources(
                    resourceType: options.resourceType, type: options.type, selection, after: options.cursor,
                    limit: limit)
            }
            let deletions = try await deleteBatch(
                batch.keys, planned: nil, options: options, operation: .deleteResources)
            return DeleteResult(
                outcomes: deletions.filter { $0.resource != nil }.map(Self.outcome), partial: batch.nextCursor != nil,
                nextCursor: batch.nextCursor)
        }
        let filter = try await derivedFilters(options.transformations)
        let context = ChangeContext(
            operation: .deleteResources, invalidate: options.invalidate, notificationURL: options.notificationURL)
        let (deletions, next) = try await committing(context) { recorder throws(StoreError) in
            try await self.catalog.deleteResources(
                resourceType: options.resourceType, type: options.type, selection, after: options.cursor,
                limit: limit, keepOriginal: options.keepOriginal || filter != nil, filter: filter, recorder: recorder)
        }
        await reclaimReleased(deletions)
        return DeleteResult(outcomes: deletions.map(Self.outcome), partial: next != nil, nextCursor: next)
    }

    /// Deletes up to 100 derivatives by id (the `id` of `ResourceDetails.derived`), keeping their
    /// originals. Returns `id → deleted | not_found`.
    public func deleteDerivedResources(ids: [String], invalidate: Bool = false) async throws(DeriveError)
        -> [String: DeleteStatus]
    {
        guard ids.count <= DeleteOptions.maxPublicIDs else {
            throw .invalidArgument("at most \(DeleteOptions.maxPublicIDs) derived resource ids per call")
        }
        let hooks = lifecycle.hooks
        if !hooks.user.isEmpty {
            let planned = try await storing { try await self.catalog.derivatives(ids: ids) }
            try await hooks.before { try await $0.willDeleteDerived(planned) }
        }
        let context = ChangeContext(operation: .deleteDerived, invalidate: invalidate)
        let removed = try await committing(context) { recorder throws(StoreError) in
            try await self.catalog.deleteDerivatives(ids: ids, recorder: recorder)
        }
        await reclaim(Set(removed.map(\.blob)))
        let found = Set(removed.map(\.id))
        return Dictionary(ids.map { ($0, found.contains($0) ? DeleteStatus.deleted : .notFound) }) { first, _ in first }
    }

    /// One delete transaction over `keys`, between the hooks' before and after phases.
    func deleteBatch(
        _ keys: [ResourceKey], planned: [ResourceRecord]?, options: DeleteOptions, operation: ChangeContext.Operation
    ) async throws(DeriveError) -> [ResourceDeletion] {
        guard !keys.isEmpty else { return [] }
        let filter = try await derivedFilters(options.transformations)
        let keepOriginal = options.keepOriginal || filter != nil
        let hooks = lifecycle.hooks
        if !hooks.user.isEmpty {
            var resources = planned
            if resources == nil { resources = try await storing { try await self.catalog.resources(keys) } }
            if keepOriginal {
                var derivatives: [DerivativeRecord] = []
                for resource in resources ?? [] {
                    let all = try await storing { try await self.catalog.derivatives(of: resource.key) }
                    derivatives += all.filter { d in filter?.contains { $0.matches(d) } ?? true }
                }
                let planned = derivatives
                try await hooks.before { try await $0.willDeleteDerived(planned) }
            } else {
                let planned = resources ?? []
                try await hooks.before { try await $0.willDelete(planned) }
            }
        }
        let context = ChangeContext(
            operation: operation, invalidate: options.invalidate, notificationURL: options.notificationURL)
        let deletions = try await committing(context) { recorder throws(StoreError) in
            try await self.catalog.deleteResources(keys, keepOriginal: keepOriginal, filter: filter, recorder: recorder)
        }
        await reclaimReleased(deletions)
        return deletions
    }

    /// Reclaims the blobs `deletions` released, when blobs are reclaimed immediately.
    func reclaimReleased(_ deletions: [ResourceDeletion]) async {
        guard configuration.lifecycle.blobReclaim == .immediately else { return }
        await reclaim(deletions.reduce(into: Set<String>()) { $0.formUnion($1.releasedBlobs) })
    }

    /// Parses `transformations` (eager syntax, `|`-separated) into canonical filters.
    func derivedFilters(_ transformations: [String]?) async throws(DeriveError) -> [DerivedFilter]? {
        guard let transformations else { return nil }
        let texts = transformations.flatMap { $0.split(separator: "|").map(String.init) }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !texts.isEmpty else { return nil }
        var filters: [DerivedFilter] = []
        for text in texts {
            let named = try await namedDefinitions(in: text)
            do {
                let parsed = try Transformation.parseDerived(text, named: { named[$0] })
                filters.append(DerivedFilter(transformation: parsed.transformation.canonical, format: parsed.format))
            } catch {
                throw .invalidTransformation(error)
            }
        }
        return filters
    }

    static func outcome(_ deletion: ResourceDeletion) -> DeleteOutcome {
        DeleteOutcome(
            key: deletion.key, status: deletion.resource == nil ? .notFound : .deleted,
            originals: deletion.originalDeleted ? 1 : 0, derived: deletion.derivatives.count)
    }
}
