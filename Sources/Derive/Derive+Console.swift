import DeriveStore
import Foundation

/// Read-only summaries the web console (and any management UI) shows.
extension Derive {
    /// Each existing original's derivative count and their bytes, at most 500 keys per call.
    public func derivativeStats(of keys: [ResourceKey]) async throws(DeriveError) -> [ResourceKey: DerivativeStats] {
        guard keys.count <= ResourceQuery.maxPageSize else {
            throw .invalidArgument("at most \(ResourceQuery.maxPageSize) originals per call")
        }
        return try await storing { try await self.catalog.derivativeStats(of: keys) }
    }

    /// The canonical transformations that have derivatives, with their counts and bytes, most used first.
    public func transformationUsage(resourceType: String = "image", limit: Int = 1_000) async throws(DeriveError)
        -> [TransformationUsage]
    {
        try await storing {
            try await self.catalog.transformationUsage(resourceType: resourceType, limit: min(max(limit, 1), 10_000))
        }
    }

    /// Up to `limit` (1...1000) events after `sequence`, oldest first, without waiting for new ones.
    public func eventPage(after sequence: Int64, limit: Int = 100) async throws(DeriveError) -> [DeriveEvent] {
        let records = try await storing {
            try await self.catalog.events(
                after: max(0, sequence), limit: min(max(limit, 1), 1_000), notificationsOnly: false)
        }
        return records.map(DeriveEvent.init)
    }

    /// A page of the derivatives of one canonical transformation across the library (Cloudinary's
    /// `GET transformations/<t>` lists them too). `cursor`: the previous page's `nextCursor`.
    public func derivatives(
        transformation: String, resourceType: String = "image", cursor: String? = nil, maxResults: Int = 100
    ) async throws(DeriveError) -> (derivatives: [DerivativeRecord], nextCursor: String?) {
        let after: Int64?
        if let cursor {
            guard let value = Int64(cursor), value >= 0 else { throw .invalidArgument("invalid next_cursor") }
            after = value
        } else {
            after = nil
        }
        let page = try await storing {
            try await self.catalog.derivatives(
                transformation: transformation, resourceType: resourceType, after: after, limit: maxResults)
        }
        return (page.derivatives, page.nextCursor.map(String.init))
    }
}
