import DeriveRender
import DeriveStore
import Metrics
import NIOCore
import Synchronization

/// How the delivery cache did since the process started.
public struct DeliveryCacheStatistics: Sendable, Equatable {
    /// Requests answered from remembered URLs (no catalog query, no parsing).
    public var answeredFromMemory: Int
    /// Requests that parsed the URL and asked the catalog (first requests, changed catalogs, errors).
    public var computed: Int
}

/// Sizes of the delivery caches (``DeliveryCache``); zero turns a cache off.
public struct DeliveryCacheConfiguration: Sendable {
    /// Delivery URLs whose answers are remembered (`DERIVE_DELIVERY_CACHE_URLS`).
    public var maxURLs = 20_000
    /// Bytes of stored images kept in memory (`DERIVE_DELIVERY_CACHE_MB`, in MiB).
    public var maxBlobBytes = 64 * 1024 * 1024
    /// Larger images are streamed from the blob store instead.
    public var maxBlobSize = 512 * 1024
    /// Bytes of originals kept opened for rendering (`DERIVE_SOURCE_CACHE_MB`, in MiB; ``SourceCache``).
    public var maxSourceBytes = 32 * 1024 * 1024

    public init() {}

    mutating func apply(environment: [String: String]) {
        if let count = environment["DERIVE_DELIVERY_CACHE_URLS"].flatMap(Int.init), count >= 0 { maxURLs = count }
        if let mib = environment["DERIVE_DELIVERY_CACHE_MB"].flatMap(Int.init), mib >= 0, mib <= 1 << 20 {
            maxBlobBytes = mib * 1024 * 1024
        }
        if let mib = environment["DERIVE_SOURCE_CACHE_MB"].flatMap(Int.init), mib >= 0, mib <= 1 << 20 {
            maxSourceBytes = mib * 1024 * 1024
        }
    }

    var summary: String {
        "delivery-cache=\(maxURLs) urls/\(maxBlobBytes / (1024 * 1024)) MiB source-cache=\(maxSourceBytes / (1024 * 1024)) MiB"
    }
}

/// What a delivery URL answered, remembered so the next request for it does no parsing, no
/// catalog query and no file access.
///
/// Exact: every answer is tagged with the catalog's delivery generation read *before* the answer
/// was computed, and is used only while the generation is unchanged. The catalog advances the
/// generation in the same transaction as every overwrite, delete, rename, tag and
/// named-transformation change, by any process sharing it (``Catalog/deliveryGeneration()``), so an
/// answer computed from a state that a committed change has since replaced is never given again. A
/// change clears the URL answers (the cheap, always-correct reaction); stored images' bytes stay,
/// because they are content-addressed: a hash always names the same bytes. An upload of a new id
/// advances only the creations counter: it can change only an answer given because an original
/// was missing (a `d_` default image), and only such answers remember that counter.
final class DeliveryCache: Sendable {
    /// A stored image's delivery answer.
    struct Answer: Sendable {
        var result: RenderResult
        var cacheControl: String
        var etag: String
        /// The creations counter the answer was computed at, when it depends on an original being
        /// missing (a default image); nil when no new upload can change it.
        var creations: Int64?

        func holds(at generation: DeliveryGeneration) -> Bool {
            creations == nil || creations == generation.creations
        }
    }

    /// A URL: its parsed request (format negotiation and client hints still pick the variant)
    /// and the answers per variant.
    struct URLEntry: Sendable {
        var request: DeliveryRequest
        var source: ImageFormat
        /// Set when no request header can change the answer (no `f_auto`, `dpr_auto`, `w_auto`):
        /// then nothing is computed per request.
        var fixedVariant: String?
        var answers: [String: Answer]
    }

    private struct URLState: ~Copyable {
        var generation = Int64.min
        var urls: Segmented<String, URLEntry>

        mutating func reset(to generation: Int64) {
            self.generation = generation
            urls.removeAll()
        }
    }

    /// Requests answered from memory, and requests that went through the catalog.
    let answered = Atomic<Int>(0)
    let computed = Atomic<Int>(0)
    let answeredMetric = Counter(label: "derive_delivery_cache_total", dimensions: [("answer", "memory")])
    let computedMetric = Counter(label: "derive_delivery_cache_total", dimensions: [("answer", "catalog")])

    func countAnswered() {
        answered.add(1, ordering: .relaxed)
        answeredMetric.increment()
    }

    func countComputed() {
        computed.add(1, ordering: .relaxed)
        computedMetric.increment()
    }

    private let urls: Mutex<URLState>
    private let blobs: Mutex<Segmented<String, ByteBuffer>>
    let configuration: DeliveryCacheConfiguration

    init(_ configuration: DeliveryCacheConfiguration) {
        self.configuration = configuration
        urls = Mutex(URLState(urls: Segmented(capacity: configuration.maxURLs)))
        blobs = Mutex(Segmented(capacity: configuration.maxBlobBytes))
    }

    var cachesURLs: Bool { configuration.maxURLs > 0 }

    /// The remembered entry for `path`, if it was computed at `generation` (its answers still have
    /// to hold, ``Answer/holds(at:)``).
    func entry(for path: String, generation: DeliveryGeneration) -> URLEntry? {
        urls.withLock { state in
            if generation.changes != state.generation {
                // Newer: everything remembered is from an older catalog. Older: this request read
                // the generation before a change that another request has already seen.
                if generation.changes > state.generation { state.reset(to: generation.changes) }
                return nil
            }
            return state.urls.value(for: path)
        }
    }

    /// Remembers `answer` for `path` and `variant`, computed from the catalog as of `generation`.
    func remember(
        _ answer: Answer, variant: String, fixed: Bool, request: DeliveryRequest, source: ImageFormat, path: String,
        generation: DeliveryGeneration
    ) {
        guard cachesURLs else { return }
        urls.withLock { state in
            if generation.changes > state.generation { state.reset(to: generation.changes) }
            guard generation.changes == state.generation else { return }
            var entry =
                state.urls.value(for: path)
                ?? URLEntry(request: request, source: source, fixedVariant: fixed ? variant : nil, answers: [:])
            // A URL with client hints or f_auto has a few variants; a flood of distinct hint values
            // must not grow one entry without bound.
            if entry.answers.count >= 16 { entry.answers.removeAll(keepingCapacity: true) }
            entry.answers[variant] = answer
            state.urls.insert(entry, for: path, cost: 1)
        }
    }

    /// A stored image's bytes, when held in memory.
    func blob(_ hash: String) -> ByteBuffer? {
        blobs.withLock { $0.value(for: hash) }
    }

    /// Keeps an image's bytes in memory when it is small enough.
    func remember(blob: ByteBuffer, hash: String) {
        guard blob.readableBytes <= configuration.maxBlobSize, configuration.maxBlobBytes > 0 else { return }
        blobs.withLock { $0.insert(blob, for: hash, cost: max(1, blob.readableBytes)) }
    }
}

/// A bounded map with O(1) eviction: two segments, each holding up to half the capacity (counted
/// in `cost`). A hit in the older segment moves the entry to the newer one; when the newer is
/// full the older is dropped whole and the newer takes its place. What is used keeps getting
/// promoted, what is not ages out within two segment turns (an approximation of LRU without a list).
struct Segmented<Key: Hashable, Value> {
    private var current: [Key: (value: Value, cost: Int)] = [:]
    private var previous: [Key: (value: Value, cost: Int)] = [:]
    private var currentCost = 0
    let capacity: Int

    init(capacity: Int) { self.capacity = max(0, capacity) }

    mutating func value(for key: Key) -> Value? {
        if let found = current[key] { return found.value }
        guard let found = previous.removeValue(forKey: key) else { return nil }
        insert(found.value, for: key, cost: found.cost)
        return found.value
    }

    mutating func insert(_ value: Value, for key: Key, cost: Int) {
        guard capacity > 0, cost <= max(1, capacity / 2) else { return }
        if let old = current.updateValue((value, cost), forKey: key) {
            currentCost -= old.cost
        }
        currentCost += cost
        if currentCost > max(1, capacity / 2) {
            previous = current
            current = [:]
            currentCost = 0
        }
    }

    mutating func removeAll() {
        current.removeAll()
        previous.removeAll()
        currentCost = 0
    }
}
