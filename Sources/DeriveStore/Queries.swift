import Foundation

/// Listing order.
public enum SortDirection: String, Sendable, Hashable, Codable {
    case ascending = "asc"
    case descending = "desc"
}

/// A page-by-page listing of originals (Cloudinary's `resources`, `resources_by_tag`).
///
/// Order: by `created_at` (newest first unless `direction` says otherwise); with a `prefix`, by
/// public id (ascending unless `direction` says otherwise), as Cloudinary does; with a `tag`, by when
/// the public id was first uploaded. Cursors are keyset positions, so a walk visits every original
/// that exists for the whole walk exactly once, whatever is inserted or deleted meanwhile, and a
/// page costs the same at any depth.
public struct ResourceQuery: Sendable, Hashable {
    public var resourceType: String
    /// The delivery type; nil lists every type (a `prefix` listing defaults to `upload`).
    public var type: String?
    public var prefix: String?
    public var tag: String?
    public var direction: SortDirection?
    /// 1...500.
    public var maxResults: Int
    /// `nextCursor` of the previous page.
    public var cursor: String?

    public static let maxPageSize = 500

    public init(
        resourceType: String = "image", type: String? = nil, prefix: String? = nil, tag: String? = nil,
        direction: SortDirection? = nil, maxResults: Int = 10, cursor: String? = nil
    ) {
        self.resourceType = resourceType
        self.type = type
        self.prefix = prefix
        self.tag = tag
        self.direction = direction
        self.maxResults = maxResults
        self.cursor = cursor
    }
}

/// One page of a listing.
public struct ResourcePage: Sendable, Hashable {
    public var resources: [ResourceRecord]
    /// Present only when more results exist.
    public var nextCursor: String?

    public init(resources: [ResourceRecord], nextCursor: String?) {
        self.resources = resources
        self.nextCursor = nextCursor
    }
}

/// Which originals a bulk operation walks.
public enum ResourceSelection: Sendable, Hashable {
    /// Public ids starting with the prefix (`""`: every one), in public-id order.
    case prefix(String)
    /// Originals carrying the tag, in first-upload order.
    case tag(String)
    /// Every original of the scope, in storage (first-upload) order: a batch is physically clustered.
    case all
}

/// A batch of originals chosen for a bulk operation, and where the next batch starts.
public struct ResourceBatch: Sendable, Hashable {
    /// The originals of the batch, in walk order.
    public var keys: [ResourceKey]
    /// nil when this batch is the last.
    public var nextCursor: String?

    public init(keys: [ResourceKey], nextCursor: String?) {
        self.keys = keys
        self.nextCursor = nextCursor
    }
}

/// Restricts a delete to some derivatives: a canonical transformation and, optionally, a format.
public struct DerivedFilter: Sendable, Hashable {
    public var transformation: String
    /// nil: every format.
    public var format: String?

    public init(transformation: String, format: String? = nil) {
        self.transformation = transformation
        self.format = format
    }

    public func matches(_ derivative: DerivativeRecord) -> Bool {
        derivative.transformation == transformation && (format == nil || derivative.format == format)
    }
}

/// What a delete did to one original.
/// What a rename did: the original under its new key, the original it replaced (with
/// `overwrite`), and its derivatives, deleted because their keys named the old id.
public struct RenameOutcome: Sendable, Hashable {
    public var resource: ResourceRecord
    public var replaced: ResourceDeletion?
    public var removed: [DerivativeRecord]

    public init(resource: ResourceRecord, replaced: ResourceDeletion?, removed: [DerivativeRecord]) {
        self.resource = resource
        self.replaced = replaced
        self.removed = removed
    }
}

/// How `context` changes an original's contextual metadata.
public enum ContextCommand: String, Sendable, Hashable {
    /// Set the given keys (others stay).
    case add
    /// Remove every key.
    case removeAll = "remove_all"
}

public struct ResourceDeletion: Sendable, Hashable {
    public var key: ResourceKey
    /// The original as it was; nil when it did not exist.
    public var resource: ResourceRecord?
    /// Whether the original itself was deleted (false with `keepOriginal` or a filter).
    public var originalDeleted: Bool
    /// The derivatives deleted.
    public var derivatives: [DerivativeRecord]

    public init(key: ResourceKey, resource: ResourceRecord?, originalDeleted: Bool, derivatives: [DerivativeRecord]) {
        self.key = key
        self.resource = resource
        self.originalDeleted = originalDeleted
        self.derivatives = derivatives
    }

    /// Blobs the delete stopped pointing at (candidates for reclaiming).
    public var releasedBlobs: Set<String> {
        var blobs = Set(derivatives.map(\.blob))
        if originalDeleted, let resource { blobs.insert(resource.blob) }
        return blobs
    }
}

/// Cloudinary's tag commands.
public enum TagCommand: String, Sendable, Hashable, Codable {
    /// Add the tags to each original.
    case add
    /// Remove the tags from each original.
    case remove
    /// Replace each original's tags with the given ones.
    case replace
    /// Remove every tag from each original.
    case removeAll = "remove_all"
    /// Add the tag to the given originals and remove it from every other original of the scope.
    case setExclusive = "set_exclusive"
}

/// A named transformation (`t_<name>`).
public struct NamedTransformationRecord: Sendable, Hashable, Codable {
    public var name: String
    /// The definition: a canonical transformation, optionally followed by `/<ext>`.
    public var definition: String
    public var allowedForStrict: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, definition: String, allowedForStrict: Bool, createdAt: Date, updatedAt: Date) {
        self.name = name
        self.definition = definition
        self.allowedForStrict = allowedForStrict
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A webhook (or other subscriber) delivery that gave up after its retries.
public struct DeliveryFailure: Sendable, Hashable {
    public var subscription: String
    public var sequence: Int64
    public var url: String
    public var attempts: Int
    public var error: String
    public var time: Date

    public init(subscription: String, sequence: Int64, url: String, attempts: Int, error: String, time: Date) {
        self.subscription = subscription
        self.sequence = sequence
        self.url = url
        self.attempts = attempts
        self.error = error
        self.time = time
    }
}

/// Which rows point at a blob (for consistency reports).
public struct BlobReferences: Sendable, Hashable {
    public var resources: [ResourceKey]
    public var derivatives: [String]

    public init(resources: [ResourceKey], derivatives: [String]) {
        self.resources = resources
        self.derivatives = derivatives
    }
}

/// What a catalog holds (the Admin API's `usage`). Bytes count each row's image, so blobs shared
/// by identical derivatives count once per row.
public struct CatalogUsage: Sendable, Hashable {
    public var originals: Int
    public var originalBytes: Int
    public var derivatives: Int
    public var derivativeBytes: Int

    public init(originals: Int, originalBytes: Int, derivatives: Int, derivativeBytes: Int) {
        self.originals = originals
        self.originalBytes = originalBytes
        self.derivatives = derivatives
        self.derivativeBytes = derivativeBytes
    }
}

/// How many derivatives one original has, and their bytes.
public struct DerivativeStats: Sendable, Hashable {
    public var count: Int
    public var bytes: Int

    public init(count: Int, bytes: Int) {
        self.count = count
        self.bytes = bytes
    }
}

/// A canonical transformation in use: its derivatives, their bytes, and how many originals have one.
public struct TransformationUsage: Sendable, Hashable {
    public var transformation: String
    public var derivatives: Int
    public var bytes: Int
    public var originals: Int

    public init(transformation: String, derivatives: Int, bytes: Int, originals: Int) {
        self.transformation = transformation
        self.derivatives = derivatives
        self.bytes = bytes
        self.originals = originals
    }
}
