import DeriveStore
import Foundation

/// Listing originals and managing tags.
extension Derive {
    /// One page of originals (Cloudinary's `resources`, `resources_by_tag`). Pass the page's
    /// `nextCursor` in the next query to continue; see ``ResourceQuery`` for order and guarantees.
    ///
    /// ```swift
    /// var query = ResourceQuery(prefix: "shop/", maxResults: 500)
    /// repeat {
    ///     let page = try await derive.listResources(query)
    ///     for resource in page.resources { print(resource.key.publicID) }
    ///     query.cursor = page.nextCursor
    /// } while query.cursor != nil
    /// ```
    public func listResources(_ query: ResourceQuery) async throws(DeriveError) -> ResourcePage {
        try await storing { try await self.catalog.listResources(query) }
    }

    /// The originals among `publicIDs` that exist (Cloudinary's `resources_by_ids`), at most 100.
    public func resources(publicIDs: [String], resourceType: String = "image", type: String = "upload")
        async throws(DeriveError) -> [ResourceRecord]
    {
        guard publicIDs.count <= DeleteOptions.maxPublicIDs else {
            throw .invalidArgument("at most \(DeleteOptions.maxPublicIDs) public ids per call")
        }
        let keys = publicIDs.map { ResourceKey(resourceType: resourceType, type: type, publicID: $0) }
        return try await storing { try await self.catalog.resources(keys) }
    }

    /// Applies a tag command (`add`, `remove`, `replace`, `removeAll`, `setExclusive`) to up to
    /// 1000 originals in one transaction. Returns the public ids whose tags changed.
    @discardableResult
    public func updateTags(
        _ command: TagCommand, tags: [String] = [], publicIDs: [String], resourceType: String = "image",
        type: String = "upload"
    ) async throws(DeriveError) -> [String] {
        guard publicIDs.count <= DeleteOptions.maxBatchSize else {
            throw .invalidArgument("at most \(DeleteOptions.maxBatchSize) public ids per tag call")
        }
        let tags = try Self.validateTags(tags)
        if command != .removeAll && tags.isEmpty { throw .invalidArgument("no tag given") }
        let keys = publicIDs.map { ResourceKey(resourceType: resourceType, type: type, publicID: $0) }
        let context = ChangeContext(operation: .tags)
        let changed = try await committing(context) { recorder throws(StoreError) in
            try await self.catalog.updateTags(command, tags: tags, keys: keys, recorder: recorder)
        }
        return changed.map(\.publicID)
    }

    /// Throws unless the catalog answers and the blob store can be written (`GET /health`).
    public func checkHealth() async throws(DeriveError) {
        try await storing { try await self.catalog.ping() }
        try await storing { try await self.blobs.checkWritable() }
    }

    /// How many originals and derivatives are stored, and their bytes (the Admin API's `usage`).
    public func usage() async throws(DeriveError) -> CatalogUsage {
        try await storing { try await self.catalog.usage() }
    }

    /// Tags in use, sorted, a page at a time (Cloudinary's `tags`).
    public func tags(
        resourceType: String = "image", prefix: String? = nil, cursor: String? = nil, maxResults: Int = 10
    ) async throws(DeriveError) -> (tags: [String], nextCursor: String?) {
        try await storing {
            try await self.catalog.listTags(
                resourceType: resourceType, prefix: prefix, after: cursor, limit: maxResults)
        }
    }
}
