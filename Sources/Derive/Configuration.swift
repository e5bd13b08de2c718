import DeriveRender
import Foundation

/// Everything a `Derive` instance needs to know. Filled from defaults, then the environment
/// (`DERIVE_*`), then explicit values (CLI flags).
public struct Configuration: Sendable {
    /// Where the embedded catalog (`catalog.sqlite`) and blobs (`blobs/`) live.
    public var dataDirectory: URL
    /// The cloud name in delivery URLs (`/<cloud>/image/upload/...`).
    public var cloudName: String = "demo"
    public var limits = RenderLimits()
    /// Renders run on this many dedicated threads (default: one per core).
    public var renderThreads = ProcessInfo.processInfo.activeProcessorCount
    /// Renders waiting for a thread beyond this are refused (`DeriveError.overloaded`).
    public var maxQueuedRenders = 64
    /// Largest original accepted, in bytes.
    public var maxUploadBytes = 100 * 1024 * 1024
    /// An API request's body must arrive within this many seconds (408 otherwise).
    public var bodyTimeoutSeconds = 60
    /// A connection with no request in progress and nothing read or written for this long is closed.
    public var idleTimeoutSeconds = 75
    /// Events, invalidation URLs, webhooks and garbage collection.
    public var lifecycle = LifecycleConfiguration()
    /// Signed URLs, private types, strict transformations and cache lifetimes.
    public var delivery = DeliveryConfiguration()
    /// In-memory answers for delivery URLs and small stored images (exact; see ``DeliveryCache``).
    public var deliveryCache = DeliveryCacheConfiguration()
    /// Key pairs and quotas of the Upload and Admin API.
    public var api = APIConfiguration()

    public init(dataDirectory: URL) {
        self.dataDirectory = dataDirectory
    }

    /// Defaults overridden by `DERIVE_DATA`, `DERIVE_CLOUD_NAME`, `DERIVE_RENDER_THREADS`,
    /// `DERIVE_MAX_INPUT_PIXELS` and `DERIVE_MAX_UPLOAD_BYTES`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment)
        -> Configuration
    {
        var configuration = Configuration(
            dataDirectory: URL(fileURLWithPath: environment["DERIVE_DATA"] ?? "./derive-data"))
        if let name = environment["DERIVE_CLOUD_NAME"], !name.isEmpty { configuration.cloudName = name }
        if let threads = environment["DERIVE_RENDER_THREADS"].flatMap(Int.init), threads > 0 {
            configuration.renderThreads = threads
        }
        if let pixels = environment["DERIVE_MAX_INPUT_PIXELS"].flatMap(Int.init), pixels > 0 {
            configuration.limits.maxInputPixels = pixels
        }
        if let bytes = environment["DERIVE_MAX_UPLOAD_BYTES"].flatMap(Int.init), bytes > 0 {
            configuration.maxUploadBytes = bytes
        }
        if let seconds = environment["DERIVE_RENDER_TIMEOUT_SECONDS"].flatMap(Int.init), seconds > 0 {
            configuration.limits.timeoutSeconds = seconds
        }
        if let seconds = environment["DERIVE_BODY_TIMEOUT_SECONDS"].flatMap(Int.init), seconds > 0 {
            configuration.bodyTimeoutSeconds = seconds
        }
        if let seconds = environment["DERIVE_IDLE_TIMEOUT_SECONDS"].flatMap(Int.init), seconds > 0 {
            configuration.idleTimeoutSeconds = seconds
        }
        configuration.lifecycle.apply(environment: environment)
        configuration.delivery.apply(environment: environment)
        configuration.deliveryCache.apply(environment: environment)
        configuration.api.apply(environment: environment)
        // URLs signed by the SDK use its API secret: every pair's secret verifies them.
        for pair in configuration.api.keys where !configuration.delivery.signingSecrets.contains(pair.secret) {
            configuration.delivery.signingSecrets.append(pair.secret)
        }
        return configuration
    }

    /// A printable summary (secrets masked) for start-up logs.
    public var summary: String {
        """
        data=\(dataDirectory.path) cloud=\(cloudName) render-threads=\(renderThreads) \
        max-queued-renders=\(maxQueuedRenders) max-input-pixels=\(limits.maxInputPixels) \
        max-upload-bytes=\(maxUploadBytes) render-timeout=\(limits.timeoutSeconds)s \
        body-timeout=\(bodyTimeoutSeconds)s idle-timeout=\(idleTimeoutSeconds)s \(lifecycle.summary) \(delivery.summary) \(deliveryCache.summary) \(api.summary)
        """
    }
}
