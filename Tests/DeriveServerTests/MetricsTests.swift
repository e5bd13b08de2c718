import Derive
import Foundation
import HTTPTypes
import Metrics
import NIOCore
import Prometheus
import Testing

/// `GET /metrics`: Prometheus text with requests by route and status, bytes, stored-image hits and
/// misses, render and queue histograms, delivery-cache answers and libvips memory.
@Suite struct MetricsTests {
    /// swift-metrics can be bootstrapped once per process.
    static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    /// The value of a sample line `name{labels} value`, or nil.
    static func value(_ text: String, _ sample: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(sample + " ") {
            return Double(line.dropFirst(sample.count + 1))
        }
        return nil
    }

    @Test func requestsRendersAndCacheAnswersAreExported() async throws {
        let registry = Self.registry
        try await ServerFixture.withServer(metrics: registry) { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "item")
            let path = "/demo/image/upload/w_40/item.jpg"
            let first = try await ServerFixture.get(client, path)
            _ = try await ServerFixture.get(client, path)
            _ = try await ServerFixture.get(client, "/demo/image/upload/w_40/missing.jpg")
            _ = try await ServerFixture.get(client, "/demo/image/upload/w_nope/item.jpg")
            let response = try await ServerFixture.get(client, "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = String(buffer: response.body)
            let ok = #"derive_http_requests_total{route="delivery",status="200"}"#
            #expect(Self.value(text, ok) == 2, "\(text.prefix(2_000))")
            #expect(Self.value(text, #"derive_http_requests_total{route="delivery",status="404"}"#) == 1)
            #expect(Self.value(text, #"derive_http_requests_total{route="delivery",status="400"}"#) == 1)
            #expect(Self.value(text, #"derive_stored_images_total{result="hit"}"#) == 1)
            #expect(Self.value(text, #"derive_stored_images_total{result="miss"}"#) == 1)
            let bytes = try #require(Self.value(text, #"derive_http_response_bytes_total{route="delivery"}"#))
            #expect(bytes >= Double(2 * first.body.readableBytes))
            #expect((Self.value(text, "derive_render_seconds_count") ?? 0) >= 1)
            #expect((Self.value(text, "derive_render_queue_seconds_count") ?? 0) >= 1)
            #expect((Self.value(text, #"derive_delivery_cache_total{answer="memory"}"#) ?? 0) >= 1)
            #expect(Self.value(text, "derive_vips_tracked_bytes") != nil)
            #expect(Self.value(text, "derive_render_queue_depth") != nil)
        }
    }
}
