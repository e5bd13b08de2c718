import Derive
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Prometheus

/// The HTTP face of Derive: delivery URLs, the Upload and Admin API, the web console, health.
public enum DeriveHTTPServer {
    /// Builds the application. `onRunning` receives the bound port once the server listens
    /// (useful with port 0).
    /// `accessLog`: one JSON line per request on standard output.
    /// `metrics`: the registry swift-metrics was bootstrapped with (`PrometheusMetricsFactory`),
    /// served at `GET /metrics`; nil serves no metrics.
    public static func makeApplication(
        derive: Derive, host: String = "127.0.0.1", port: Int = 8080, logger: Logger? = nil,
        metrics: PrometheusCollectorRegistry? = nil, accessLog: Bool = false,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        if accessLog { router.add(middleware: AccessLogMiddleware()) }
        // Outermost, so it counts the final status of every response, errors included.
        if metrics != nil {
            router.add(middleware: MetricsMiddleware(cloudPrefix: "/\(derive.configuration.cloudName)/"))
        }
        router.add(middleware: ErrorMiddleware())
        if let metrics {
            let route = MetricsRoute(registry: metrics)
            router.get("/metrics") { _, _ in route.respond() }
        }
        let delivery = DeliveryRoutes(derive: derive)
        router.add(middleware: DeliveryMiddleware(delivery: delivery, prefix: "/\(derive.configuration.cloudName)/"))
        let health = HealthCheck(derive: derive)
        router.get("/health") { _, context in try await health.response(logger: context.logger) }
        // The web console (`/console`): its sessions also authorize the API calls its page makes.
        let sessions = ConsoleSessions()
        ConsoleRoutes(configuration: derive.configuration, sessions: sessions).register(on: router)
        let api = APIRoutes(derive: derive, sessions: sessions)
        for method in [HTTPRequest.Method.get, .post, .put, .delete] {
            router.on("/v1_1/**", method: method) { request, context in
                try await withTaskExecutorPreference(APIExecutor.shared) {
                    try await api.handle(request, context: context)
                }
            }
        }
        router.get("/**") { request, _ in try await delivery.deliver(request) }
        router.head("/**") { request, _ in try await delivery.deliver(request) }
        var logger = logger ?? Logger(label: "derive")
        if logger.logLevel > .info { logger.logLevel = .info }
        return Application(
            router: router,
            server: .http1(
                configuration: .init(idleTimeout: .seconds(Int64(derive.configuration.idleTimeoutSeconds)))),
            configuration: .init(address: .hostname(host, port: port), serverName: "Derive"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
