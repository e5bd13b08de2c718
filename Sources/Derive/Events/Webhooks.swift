import DeriveStore
import DeriveTransform
import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Sends one webhook request and returns the HTTP status. Replaceable (e.g. to route through a
/// proxy or an outbound queue); the default uses `URLSession`.
public protocol WebhookTransport: Sendable {
    func post(_ url: URL, headers: [String: String], body: [UInt8], timeout: Duration) async throws -> Int
}

/// `URLSession` with no cache, no cookies and no redirects to other hosts.
public final class URLSessionWebhookTransport: WebhookTransport {
    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    public func post(_ url: URL, headers: [String: String], body: [UInt8], timeout: Duration) async throws -> Int {
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (_, response) = try await session.data(for: request)
        return (response as? HTTPURLResponse)?.statusCode ?? 0
    }

    deinit { session.invalidateAndCancel() }
}

/// Delivers the event log to one webhook (or, for `perEventURL`, each event with a per-call
/// `notification_url` to that URL), in order and at least once.
///
/// The position lives in the catalog (`subscriptions`), advanced after each event is delivered or
/// given up on, so a restart resumes where delivery stopped; a lease there makes one process (or
/// node) deliver at a time. Each request carries Cloudinary's `X-Cld-Timestamp` and
/// `X-Cld-Signature = sha1(body + timestamp + api_secret)`, plus `X-Derive-Event` (the sequence
/// number, for de-duplication) and `X-Derive-Event-Kind`.
struct WebhookDispatcher: Sendable {
    enum Target: Sendable {
        case endpoint(WebhookEndpoint)
        case perEventURL
    }

    let subscription: String
    let target: Target
    let catalog: any Catalog
    let notifier: EventNotifier
    let transport: any WebhookTransport
    let secret: String?
    let policy: WebhookPolicy
    let pollInterval: Duration
    let owner = UUID().uuidString
    let logger: Logger
    /// Set at shutdown: finish the delivery in flight (and persist it), start no other.
    let stopping: StopSignal

    private var leaseSeconds: Double { Self.seconds(policy.lease) }

    /// The position while this worker holds the lease, and when the lease was last renewed.
    struct Lease {
        var position: Int64
        var renewed: ContinuousClock.Instant
    }

    /// Runs until the task is cancelled; then gives the lease up.
    func run() async {
        var lease: Lease?
        while !Task.isCancelled {
            do {
                try await round(&lease)
            } catch {
                if Task.isCancelled { break }
                logger.warning("webhook \(subscription): \(error)")
                lease = nil
                try? await Task.sleep(for: pollInterval)
            }
        }
        // Unstructured: the release must not be cancelled with this task.
        let catalog = self.catalog
        let (subscription, owner) = (self.subscription, self.owner)
        await Task { try? await catalog.releaseSubscription(subscription, owner: owner) }.value
    }

    /// One round: (re)claim the lease when it is due, deliver what is there, or wait for more.
    private func round(_ lease: inout Lease?) async throws {
        let clock = ContinuousClock()
        if lease == nil || clock.now - lease!.renewed > policy.lease / 3 {
            let initial = try await catalog.lastEventSequence()
            guard
                let position = try await catalog.claimSubscription(
                    subscription, owner: owner, leaseSeconds: leaseSeconds, initial: initial)
            else {
                // Another process delivers; check again when its lease could have lapsed.
                lease = nil
                try await Task.sleep(for: policy.lease / 3)
                return
            }
            lease = Lease(position: position, renewed: clock.now)
        }
        let generation = isPerEvent ? notifier.notificationGeneration : notifier.generation
        let events = try await catalog.events(after: lease!.position, limit: 100, notificationsOnly: isPerEvent)
        guard !events.isEmpty else {
            await notifier.wait(
                after: generation, timeout: min(pollInterval, policy.lease / 3), notificationsOnly: isPerEvent)
            return
        }
        var persisted = lease!.position
        for event in events {
            if stopping.isSet { return }
            try Task.checkCancellation()
            guard let url = destination(for: event) else {
                // Not for this endpoint: skip it, and persist the skips once at the end of the batch.
                lease!.position = event.sequence
                continue
            }
            // Unstructured, so shutting down does not cut a delivery in flight: it finishes and its
            // position is persisted, and the receiver does not get it again after a restart.
            let position = persisted
            let delivered = await Task { try await self.deliverAndAdvance(event, to: url, from: position) }.result
            guard try delivered.get() else {
                lease = nil
                return
            }
            lease = Lease(position: event.sequence, renewed: clock.now)
            persisted = event.sequence
        }
        if let position = lease?.position, position > persisted { _ = try await advance(to: position, &lease) }
    }

    /// Delivers one event (with retries), records a give-up, and persists the position past it.
    /// Returns false when delivery stopped (shutdown) or the lease was lost, leaving it undelivered.
    private func deliverAndAdvance(_ event: EventRecord, to url: URL, from position: Int64) async throws -> Bool {
        switch await deliver(event, to: url, position: position) {
        case .delivered:
            break
        case .gaveUp(let attempts, let error):
            logger.error(
                "webhook \(subscription): gave up on event \(event.sequence) after \(attempts) attempts: \(error)")
            try await catalog.recordDeliveryFailure(
                DeliveryFailure(
                    subscription: subscription, sequence: event.sequence, url: url.absoluteString,
                    attempts: attempts, error: error, time: Date()))
        case .stopped:
            return false
        }
        return try await catalog.advanceSubscription(
            subscription, owner: owner, to: event.sequence, leaseSeconds: leaseSeconds)
    }

    /// Persists the position (and renews the lease); false when the lease was lost.
    private func advance(to sequence: Int64, _ lease: inout Lease?) async throws -> Bool {
        guard
            try await catalog.advanceSubscription(subscription, owner: owner, to: sequence, leaseSeconds: leaseSeconds)
        else {
            lease = nil
            return false
        }
        lease = Lease(position: sequence, renewed: ContinuousClock().now)
        return true
    }

    private var isPerEvent: Bool {
        if case .perEventURL = target { return true }
        return false
    }

    private func destination(for event: EventRecord) -> URL? {
        switch target {
        case .endpoint(let endpoint):
            guard endpoint.kinds?.contains(EventKind(rawValue: event.kind)) ?? true else { return nil }
            return endpoint.url
        case .perEventURL:
            return event.notificationURL.flatMap(URL.init(string:))
        }
    }

    enum Outcome {
        case delivered
        case gaveUp(attempts: Int, error: String)
        /// Cancelled or the lease was lost: the event stays undelivered for whoever delivers next.
        case stopped
    }

    private func deliver(_ event: EventRecord, to url: URL, position: Int64) async -> Outcome {
        let body = Array(event.payload.utf8)
        var backoff = policy.initialBackoff
        var lastError = ""
        for attempt in 1...max(1, policy.maxAttempts) {
            if stopping.isSet { return .stopped }
            let timestamp = String(Int(Date().timeIntervalSince1970))
            var headers = [
                "Content-Type": "application/json",
                "User-Agent": "Derive-Webhooks",
                "X-Cld-Timestamp": timestamp,
                "X-Derive-Event": String(event.sequence),
                "X-Derive-Event-Kind": event.kind,
            ]
            if let secret {
                headers["X-Cld-Signature"] = Signatures.notificationSignature(
                    body: body, timestamp: timestamp, secret: secret)
            }
            do {
                let status = try await transport.post(url, headers: headers, body: body, timeout: policy.timeout)
                if (200..<300).contains(status) { return .delivered }
                lastError = "HTTP \(status)"
            } catch {
                lastError = "\(error)"
            }
            guard attempt < policy.maxAttempts else { break }
            logger.debug("webhook \(subscription): event \(event.sequence) attempt \(attempt) failed: \(lastError)")
            guard await stopping.sleep(for: backoff) else { return .stopped }
            backoff = min(backoff * 2, policy.maxBackoff)
            // Keep the lease while retrying.
            do {
                guard
                    try await catalog.advanceSubscription(
                        subscription, owner: owner, to: position, leaseSeconds: leaseSeconds)
                else { return .stopped }  // another process took the lease
            } catch {
                logger.warning("webhook \(subscription): renewing the lease failed, stopping this attempt: \(error)")
                return .stopped
            }
        }
        return .gaveUp(attempts: max(1, policy.maxAttempts), error: lastError)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Tells webhook workers to stop; sleeping workers wake at once.
final class StopSignal: Sendable {
    private let notifier = EventNotifier()

    var isSet: Bool { notifier.isClosed }

    func set() { notifier.close() }

    /// Sleeps for `duration`; returns false if the signal was set meanwhile.
    func sleep(for duration: Duration) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while !isSet, clock.now < deadline {
            await notifier.wait(after: notifier.generation, timeout: deadline - clock.now)
        }
        return !isSet
    }
}
