import Derive
import Foundation
import Hummingbird
import Logging
import Synchronization

/// `GET /health`: 200 only while the catalog answers and the blob store can be written, else 503.
/// The verdict is kept for a second: load balancers poll often, and the check itself reads the
/// catalog and touches the file system.
final class HealthCheck: Sendable {
    let derive: Derive
    private let last = Mutex<(at: ContinuousClock.Instant, failure: String?)?>(nil)
    static let reuseFor = Duration.seconds(1)

    init(derive: Derive) { self.derive = derive }

    func response(logger: Logger) async throws -> Response {
        let now = ContinuousClock.now
        var failure: String?
        if let cached = last.withLock({ $0 }), now - cached.at < Self.reuseFor {
            failure = cached.failure
        } else {
            do { try await derive.checkHealth() } catch { failure = "\(error)" }
            let verdict = failure
            last.withLock { $0 = (now, verdict) }
            if let failure { logger.error("health check failed: \(failure)") }
        }
        guard let failure else { return jsonResponse(status: .ok, ["status": "ok"]) }
        var response = jsonError(status: .serviceUnavailable, message: "unhealthy: \(failure)")
        response.headers[.retryAfter] = "5"
        return response
    }
}
