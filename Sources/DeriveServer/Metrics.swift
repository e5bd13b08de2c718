import DeriveRender
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// Request metrics (swift-metrics, exported by `GET /metrics` from a swift-prometheus registry):
/// requests by route family and status, their duration, bytes sent, and stored-image hits and
/// misses. The library adds render time, queue wait and depth, and delivery-cache answers.
/// Handles are made once per label set and reused: making one takes the registry's lock and
/// builds its label string, which measurably slowed the hit path when done per request.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let cloudPrefix: String
    let handles = RequestMetricHandles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let route = Self.route(of: request.uri.path, cloudPrefix: cloudPrefix)
        // Outside the error middleware: every error is a response by now.
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let metrics = handles.route(route)
        metrics.duration.recordNanoseconds(
            elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        handles.requests(route, status: Int(response.status.code)).increment()
        if let length = response.headers[.contentLength].flatMap(Int.init) { metrics.bytes.increment(by: length) }
        switch response.headers[.deriveCache] {
        case "hit": metrics.storedHits.increment()
        case "miss": metrics.storedMisses.increment()
        default: break
        }
        return response
    }

    /// A bounded label: the route family, never the path.
    static func route(of path: String, cloudPrefix: String) -> RequestMetricHandles.Route {
        if path.hasPrefix(cloudPrefix) { return .delivery }
        if path.hasPrefix("/v1_1/") {
            let parts = path.split(separator: "/")
            let upload = parts.count == 4 && APIRoutes.resourceTypes.contains(String(parts[2]))
            return upload ? .uploadAPI : .adminAPI
        }
        switch path {
        case "/health": return .health
        case "/metrics": return .metrics
        default: return .other
        }
    }
}

/// Metric handles by route family (and status), made on first use.
final class RequestMetricHandles: Sendable {
    enum Route: String, CaseIterable, Sendable {
        case delivery, uploadAPI = "upload_api", adminAPI = "admin_api", health, metrics, other
    }

    struct PerRoute: Sendable {
        let duration: Metrics.Timer
        let bytes: Metrics.Counter
        let storedHits: Metrics.Counter
        let storedMisses: Metrics.Counter

        init(_ route: Route) {
            let label = [("route", route.rawValue)]
            duration = Metrics.Timer(
                label: "derive_http_request_seconds", dimensions: label, preferredDisplayUnit: .seconds)
            bytes = Metrics.Counter(label: "derive_http_response_bytes_total", dimensions: label)
            storedHits = Metrics.Counter(label: "derive_stored_images_total", dimensions: [("result", "hit")])
            storedMisses = Metrics.Counter(label: "derive_stored_images_total", dimensions: [("result", "miss")])
        }
    }

    private let perRoute: [Route: PerRoute]
    private let statuses = Mutex<[Int: Metrics.Counter]>([:])

    init() {
        perRoute = Dictionary(uniqueKeysWithValues: Route.allCases.map { ($0, PerRoute($0)) })
    }

    func route(_ route: Route) -> PerRoute { perRoute[route]! }

    /// `derive_http_requests_total{route,status}`; statuses are bounded (100–599).
    func requests(_ route: Route, status: Int) -> Metrics.Counter {
        let key = Route.allCases.firstIndex(of: route)! * 1_000 + min(max(status, 0), 999)
        return statuses.withLock { counters in
            if let counter = counters[key] { return counter }
            let counter = Metrics.Counter(
                label: "derive_http_requests_total",
                dimensions: [("route", route.rawValue), ("status", String(status))])
            counters[key] = counter
            return counter
        }
    }
}

/// `GET /metrics`: everything recorded, in Prometheus' text exposition format, plus libvips'
/// tracked memory sampled now.
struct MetricsRoute: Sendable {
    let registry: PrometheusCollectorRegistry
    private let vipsMemory: Prometheus.Gauge
    private let vipsAllocations: Prometheus.Gauge

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        vipsMemory = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "derive_vips_tracked", unitName: "bytes", helpText: "Memory libvips has allocated now"))
        vipsAllocations = registry.makeGauge(
            descriptor: MetricNameDescriptor(
                metricName: "derive_vips_tracked", unitName: "allocations", helpText: "Live libvips allocations"))
    }

    func respond() -> Response {
        vipsMemory.set(Double(VipsRuntime.trackedMemory))
        vipsAllocations.set(Double(VipsRuntime.trackedAllocations))
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
