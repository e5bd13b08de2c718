import Foundation

/// Settings for events, invalidation URLs, webhooks and blob garbage collection
/// (`Configuration.lifecycle`).
public struct LifecycleConfiguration: Sendable {
    /// Scheme and host that delivery URLs in events use (`https://img.example.com`); nil gives
    /// paths (`/demo/image/upload/…`). `DERIVE_DELIVERY_BASE_URL`.
    public var deliveryBaseURL: String?
    /// Cloudinary's "invalidate versioned URLs": when true, invalidation events name the
    /// `v<version>` URLs; when false (the default) the unversioned URLs, or the `v1` URLs for ids
    /// with folders, which is what the SDKs generate. `DERIVE_INVALIDATE_VERSIONED_URLS`.
    public var invalidateVersionedURLs = false
    /// The API secret that signs webhook bodies (`X-Cld-Signature`). `DERIVE_API_SECRET`.
    public var notificationSecret: String?
    /// Endpoints that receive every event (or the kinds they choose), in order, at least once.
    /// `DERIVE_WEBHOOK_URL` (comma-separated) adds endpoints named `webhook`, `webhook-2`, …
    public var webhooks: [WebhookEndpoint] = []
    /// Deliver events to the `notification_url` given with a call (upload, destroy, deletes).
    public var deliverNotificationURLs = true
    /// Retries, backoff and timeouts for webhook deliveries.
    public var webhookPolicy = WebhookPolicy()
    /// Sends webhook requests; nil uses `URLSessionWebhookTransport`.
    public var webhookTransport: (any WebhookTransport)?
    /// Whether this process runs the webhook delivery workers. One-shot CLI commands turn it off;
    /// several servers may all leave it on (a lease in the catalog makes one of them deliver).
    public var deliverWebhooks = true
    /// Blobs younger than this are never collected, so a render that has written its blob but not
    /// yet its row keeps it. `DERIVE_GC_GRACE_SECONDS`.
    public var gcGracePeriod: TimeInterval = 3600
    /// Run garbage collection (``Derive/collectGarbage(dryRun:gracePeriod:)``) in the background this
    /// often, in seconds; nil never (call it yourself, or run `derive gc`). Processes sharing a
    /// catalog take turns through a lease in it, and the time of the last run is kept there, so a
    /// restart does not collect again before it is due. `derive serve` defaults to hourly.
    /// `DERIVE_GC_INTERVAL_SECONDS` (0: never).
    public var gcInterval: TimeInterval?
    /// When blobs released by a delete or overwrite are removed.
    public var blobReclaim = BlobReclaim.immediately
    /// How often event streams and webhook workers look for events written by other processes
    /// (events written by this process wake them at once).
    public var eventPollInterval: Duration = .seconds(1)
    /// `gc` prunes events older than this (default 30 days) that every webhook has delivered; nil
    /// keeps the log forever. `DERIVE_EVENT_RETENTION_DAYS` (0: forever).
    public var eventRetention: TimeInterval? = 30 * 86_400

    public init() {}

    /// When released blobs are removed.
    public enum BlobReclaim: String, Sendable, Hashable {
        /// Right after the change commits (the call returns once they are gone).
        case immediately
        /// Left to `collectGarbage` (e.g. a periodic `derive gc`), after the grace period.
        case deferred
    }

    /// Reads the `DERIVE_*` variables described on each property.
    mutating func apply(environment: [String: String]) {
        if let base = environment["DERIVE_DELIVERY_BASE_URL"], !base.isEmpty { deliveryBaseURL = base }
        if let flag = environment["DERIVE_INVALIDATE_VERSIONED_URLS"] {
            invalidateVersionedURLs = ["1", "true", "yes"].contains(flag.lowercased())
        }
        if let secret = environment["DERIVE_API_SECRET"], !secret.isEmpty { notificationSecret = secret }
        if let list = environment["DERIVE_WEBHOOK_URL"] {
            let urls = list.split(separator: ",").compactMap { URL(string: $0.trimmingCharacters(in: .whitespaces)) }
            for (index, url) in urls.enumerated() {
                webhooks.append(WebhookEndpoint(name: index == 0 ? "webhook" : "webhook-\(index + 1)", url: url))
            }
        }
        if let grace = environment["DERIVE_GC_GRACE_SECONDS"].flatMap(Double.init), grace >= 0 {
            gcGracePeriod = grace
        }
        if let interval = environment["DERIVE_GC_INTERVAL_SECONDS"].flatMap(Double.init), interval >= 0 {
            gcInterval = interval > 0 ? interval : nil
        }
        if let days = environment["DERIVE_EVENT_RETENTION_DAYS"].flatMap(Double.init), days >= 0 {
            eventRetention = days > 0 ? days * 86_400 : nil
        }
    }

    var summary: String {
        let hooks = webhooks.map { "\($0.name)=\($0.url.absoluteString)" }.joined(separator: ",")
        return """
            delivery-base-url=\(deliveryBaseURL ?? "-") invalidate-versioned-urls=\(invalidateVersionedURLs) \
            webhooks=\(hooks.isEmpty ? "-" : hooks) api-secret=\(notificationSecret == nil ? "-" : "****") \
            gc-grace-seconds=\(Int(gcGracePeriod)) gc-interval-seconds=\(gcInterval.map { "\(Int($0))" } ?? "-") \
            blob-reclaim=\(blobReclaim.rawValue)
            """
    }
}

/// A URL that receives events as signed `POST`s (Cloudinary notification format).
public struct WebhookEndpoint: Sendable, Hashable {
    /// Names the delivery position kept in the catalog; keep it stable across restarts.
    public var name: String
    public var url: URL
    /// The event kinds to send; nil sends every kind.
    public var kinds: Set<EventKind>?

    public init(name: String, url: URL, kinds: Set<EventKind>? = nil) {
        self.name = name
        self.url = url
        self.kinds = kinds
    }
}

/// How hard webhook deliveries try.
public struct WebhookPolicy: Sendable, Hashable {
    /// Attempts per event; after the last one the failure is recorded (`deliveryFailures`) and
    /// delivery moves on to the next event.
    public var maxAttempts = 8
    /// The wait after the first failed attempt; it doubles after each one, up to `maxBackoff`.
    public var initialBackoff: Duration = .milliseconds(500)
    public var maxBackoff: Duration = .seconds(60)
    /// Per request.
    public var timeout: Duration = .seconds(10)
    /// How long a worker's claim on a webhook lasts without renewal (another node takes over after).
    public var lease: Duration = .seconds(30)

    public init() {}
}
