import Foundation

/// One change to the catalog, as it is committed. The catalog hands every change to a
/// ``ChangeRecorder`` inside the transaction that makes it, and appends the events the recorder
/// returns in that same transaction: an event exists if and only if its change was committed.
public enum LifecycleChange: Sendable, Hashable {
    /// A new original (the public id did not exist).
    case uploaded(ResourceRecord)
    /// A new version replaced `previous`; `removed` are the old version's derivatives, deleted with it.
    case overwritten(ResourceRecord, previous: ResourceRecord, removed: [DerivativeRecord])
    /// An original was deleted together with `derivatives` (the cascade).
    case deleted(ResourceRecord, derivatives: [DerivativeRecord])
    /// A derivative was rendered and recorded.
    case derivedCreated(DerivativeRecord, of: ResourceRecord)
    /// A derivative was rendered again with different bytes: same id and URL, new blob.
    case derivedReplaced(DerivativeRecord, previous: DerivativeRecord, of: ResourceRecord)
    /// Derivatives of `resource` were deleted while the original stays.
    case derivedDeleted(ResourceRecord, derivatives: [DerivativeRecord])
    /// The tags of an original changed (`resource.tags` are the new ones).
    case tagsChanged(ResourceRecord, previous: [String])
    /// An original got a new public id or type (`previous` is it before); `removed` are its
    /// derivatives, deleted because their URLs named the old id.
    case renamed(ResourceRecord, previous: ResourceRecord, removed: [DerivativeRecord])
    /// Derivatives asked for in the background (`eager_async`) are ready: `derivatives` were
    /// rendered (or already existed) for the request named `batchID`.
    case eagerCompleted(ResourceRecord, derivatives: [DerivativeRecord], batchID: String)

    /// The original the change is about.
    public var resource: ResourceRecord {
        switch self {
        case .uploaded(let r), .overwritten(let r, _, _), .deleted(let r, _), .derivedCreated(_, let r),
            .derivedReplaced(_, _, let r), .derivedDeleted(let r, _), .tagsChanged(let r, _), .eagerCompleted(let r, _, _),
            .renamed(let r, _, _):
            r
        }
    }

    /// Derivatives the change removed (cascaded or explicit).
    public var removedDerivatives: [DerivativeRecord] {
        switch self {
        case .overwritten(_, _, let removed), .renamed(_, _, let removed): removed
        case .deleted(_, let derivatives), .derivedDeleted(_, let derivatives): derivatives
        case .uploaded, .derivedCreated, .derivedReplaced, .tagsChanged, .eagerCompleted: []
        }
    }
}

/// An event to append to the log, built inside the transaction of the change it describes.
public struct EventDraft: Sendable, Hashable {
    /// `upload`, `overwrite`, `delete`, `derived.created`, `derived.deleted`, `invalidate`, or an
    /// application-defined kind.
    public var kind: String
    public var key: ResourceKey?
    public var version: Int?
    /// A JSON object: the body webhooks receive.
    public var payload: String
    /// A per-call `notification_url` that should also receive this event.
    public var notificationURL: String?

    public init(kind: String, key: ResourceKey?, version: Int?, payload: String, notificationURL: String? = nil) {
        self.kind = kind
        self.key = key
        self.version = version
        self.payload = payload
        self.notificationURL = notificationURL
    }
}

/// A committed event, read back from the log.
public struct EventRecord: Sendable, Hashable {
    /// Position in the log: strictly increasing, never reused.
    public var sequence: Int64
    public var time: Date
    public var kind: String
    public var key: ResourceKey?
    public var version: Int?
    public var payload: String
    public var notificationURL: String?

    public init(
        sequence: Int64, time: Date, kind: String, key: ResourceKey?, version: Int?, payload: String,
        notificationURL: String?
    ) {
        self.sequence = sequence
        self.time = time
        self.kind = kind
        self.key = key
        self.version = version
        self.payload = payload
        self.notificationURL = notificationURL
    }
}

/// Turns committed changes into events, inside the transaction. Synchronous and without I/O;
/// throwing rolls the whole change back.
public typealias ChangeRecorder = @Sendable ([LifecycleChange]) throws -> [EventDraft]

/// A recorder that records nothing.
public let recordNothing: ChangeRecorder = { _ in [] }
