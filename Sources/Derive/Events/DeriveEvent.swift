import DeriveStore
import Foundation

/// The kind of an event in the log. The built-in kinds are below; hooks may record their own.
public struct EventKind: RawRepresentable, Sendable, Hashable, Codable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }

    /// A new original.
    public static let upload: EventKind = "upload"
    /// A new version of an existing original (its old derivatives are gone).
    public static let overwrite: EventKind = "overwrite"
    /// An original and all its derivatives were deleted.
    public static let delete: EventKind = "delete"
    /// A derivative was rendered and stored.
    public static let derivedCreated: EventKind = "derived.created"
    /// A derivative was rendered again (regeneration) with different bytes; same id and URL.
    public static let derivedReplaced: EventKind = "derived.replaced"
    /// Derivatives were deleted while their original stays.
    public static let derivedDeleted: EventKind = "derived.deleted"
    /// URLs that went stale and should be purged from caches (CDNs): see `DeriveEvent.urls`.
    public static let invalidate: EventKind = "invalidate"
    /// An original got a new public id (its old URLs are named by an `invalidate` event).
    public static let rename: EventKind = "rename"
    /// Background (`eager_async`) derivatives are ready; sent to the `eager_notification_url`.
    public static let eager: EventKind = "eager"

    public var description: String { rawValue }
}

/// One committed event from the log.
public struct DeriveEvent: Sendable, Hashable {
    /// The position in the log: strictly increasing, never reused. Resume a stream after it.
    public var sequence: Int64
    public var time: Date
    public var kind: EventKind
    /// The original the event is about (nil for events that are not about one).
    public var resource: ResourceKey?
    public var version: Int?
    /// The JSON object webhooks receive (Cloudinary's notification shape where one exists).
    public var payload: String
    /// The per-call `notification_url` the event is also sent to.
    public var notificationURL: String?

    init(_ record: EventRecord) {
        sequence = record.sequence
        time = record.time
        kind = EventKind(rawValue: record.kind)
        resource = record.key
        version = record.version
        payload = record.payload
        notificationURL = record.notificationURL
    }

    public var publicID: String? { resource?.publicID }

    /// The payload decoded (nil if it is not a JSON object).
    public var payloadObject: [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(payload.utf8))) as? [String: Any]
    }

    /// For `invalidate` events: the URLs to purge (see `LifecycleConfiguration.invalidateVersionedURLs`).
    public var urls: [String] { (payloadObject?["urls"] as? [String]) ?? [] }

    /// One line of JSON: `seq`, `time`, `kind`, `resource_type`, `type`, `public_id`, `version`,
    /// `urls` (invalidate events) and the `payload` object. What `derive events --json` prints.
    public var jsonLine: String {
        var line = JSONObjectWriter()
        line.field("seq", Int(sequence))
        line.field("time", ISOTime.string(time))
        line.field("kind", kind.rawValue)
        line.field("resource_type", resource?.resourceType)
        line.field("type", resource?.type)
        line.field("public_id", resource?.publicID)
        line.field("version", version)
        if kind == .invalidate { line.field("urls", strings: urls) }
        if let notificationURL { line.field("notification_url", notificationURL) }
        line.field("payload", raw: payload)
        return line.finish()
    }
}
