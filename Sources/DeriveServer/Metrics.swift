import DeriveRender
import Foundation
import HTTPTypes
import Hummingbird
import Metrics
import Prometheus

/// Request metrics (swift-metrics, exported by `GET /metrics` from a swift-prometheus registry):
/// requests by route family and status, their duration, bytes sent, and stored-image hits and
/// misses. The library adds render time, queue wait and depth, and delivery-cache answers.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let cloudPrefix: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let start = ContinuousClock.now
        let route = route(of: request.uri.path)
        // Outside the error middleware: every error is a response by now.
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        Counter(
            label: "derive_http_requests_total",
            dimensions: [("route", route), ("status", String(response.status.code))]
        ).increment()
        Timer(label: "derive_http_request_seconds", dimensions: [("route", route)], preferredDisplayUnit: .seconds)
            .recordNanoseconds(
                Int64(elapsed.components.seconds) * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        if let length = response.headers[.contentLength].flatMap(Int.init) {
            Counter(label: "derive_http_response_bytes_total", dimensions: [("route", route)]).increment(by: length)
        }
        if let cache = response.headers[.deriveCache] {
            Counter(label: "derive_stored_images_total", dimensions: [("result", cache)]).increment()
        }
        return response
    }

    /// A bounded label: the route family, never the path.
    private func route(of path: String) -> String {
        if path.hasPrefix(cloudPrefix) { return "delivery" }
        if path.hasPrefix("/v1_1/") {
            let parts = path.split(separator: "/")
            return parts.count == 4 && ["image", "auto", "video", "raw"].contains(String(parts[2]))
                ? "upload_api" : "admin_api"
        }
        switch path {
        case "/health": return "health"
        case "/metrics": return "metrics"
        default: return "other"
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
        vipsMemory = registry.makeGauge(name: "derive_vips_tracked_bytes", help: "Memory libvips has allocated now")
        vipsAllocations = registry.makeGauge(
            name: "derive_vips_tracked_allocations", help: "Live libvips allocations")
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
