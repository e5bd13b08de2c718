import DeriveStore
import Foundation
import Logging
import Synchronization

/// The lifecycle machinery a `Derive` owns: hooks, the event notifier, webhook workers.
final class LifecycleState: Sendable {
    let hooks: HookRegistry
    let notifier = EventNotifier()
    let urls: DeliveryURLBuilder
    let logger = Logger(label: "derive.lifecycle")
    private let workers = Mutex<[Task<Void, Never>]>([])
    private let stopping = StopSignal()

    init(configuration: Configuration) {
        urls = DeliveryURLBuilder(
            cloudName: configuration.cloudName, baseURL: configuration.lifecycle.deliveryBaseURL,
            versioned: configuration.lifecycle.invalidateVersionedURLs)
        hooks = HookRegistry(builtIn: [EventLogHook(urls: urls), InvalidationHook(urls: urls)])
    }

    func startWebhooks(_ configuration: LifecycleConfiguration, catalog: any Catalog) async {
        guard configuration.deliverWebhooks else { return }
        let transport = configuration.webhookTransport ?? URLSessionWebhookTransport()
        var dispatchers = configuration.webhooks.map {
            WebhookDispatcher(
                subscription: "webhook:" + $0.name, target: .endpoint($0), catalog: catalog, notifier: notifier,
                transport: transport, secret: configuration.notificationSecret, policy: configuration.webhookPolicy,
                pollInterval: configuration.eventPollInterval, logger: logger, stopping: stopping)
        }
        if configuration.deliverNotificationURLs {
            dispatchers.append(
                WebhookDispatcher(
                    subscription: "notification_url", target: .perEventURL, catalog: catalog, notifier: notifier,
                    transport: transport, secret: configuration.notificationSecret,
                    policy: configuration.webhookPolicy, pollInterval: configuration.eventPollInterval,
                    logger: logger, stopping: stopping))
        }
        // A webhook seen for the first time gets its position now, at the end of the log, before
        // `open` returns. Left to its dispatcher's first claim, events committed right after `open`
        // could come first and never be delivered. (A zero-length lease: it only creates the row.)
        // If this fails the dispatcher creates the position at its first claim (the narrow race
        // above), so it is logged rather than fatal.
        do {
            let end = try await catalog.lastEventSequence()
            let owner = "open:" + UUID().uuidString
            for dispatcher in dispatchers {
                let created = try await catalog.claimSubscription(
                    dispatcher.subscription, owner: owner, leaseSeconds: 0, initial: end)
                if created != nil { try await catalog.releaseSubscription(dispatcher.subscription, owner: owner) }
            }
        } catch {
            logger.error("webhooks: could not record the start position at the end of the event log: \(error)")
        }
        let tasks = dispatchers.map { dispatcher in Task { await dispatcher.run() } }
        workers.withLock { $0 += tasks }
    }

    /// Runs `body` now and then every `interval` (checked at least once a minute) until `stop`.
    func startPeriodic(every interval: TimeInterval, _ body: @escaping @Sendable () async -> Void) {
        let stopping = self.stopping
        let pause = Duration.milliseconds(Int(min(max(interval, 0.05), 60) * 1000))
        let task = Task {
            repeat {
                await body()
            } while await stopping.sleep(for: pause)
        }
        workers.withLock { $0.append(task) }
    }

    func stop() async {
        let tasks = workers.withLock { tasks in
            defer { tasks = [] }
            return tasks
        }
        stopping.set()
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        notifier.close()
    }
}

extension Derive {
    /// Registers a lifecycle hook; it runs for every later change (see ``LifecycleHook``).
    public func addHook(_ hook: any LifecycleHook) {
        lifecycle.hooks.add(hook)
    }

    /// The event log as an `AsyncSequence`.
    /// - Parameters:
    ///   - sequence: start after this position (`0`: from the beginning of the log); nil starts at
    ///     the end, so only events committed from now on arrive.
    ///   - kinds: only these kinds (nil: all).
    ///   - follow: keep waiting for new events (true) or end at the end of the log (false).
    public func events(after sequence: Int64? = nil, kinds: Set<EventKind>? = nil, follow: Bool = true)
        -> DeriveEventStream
    {
        DeriveEventStream(
            catalog: catalog, notifier: lifecycle.notifier, start: sequence, kinds: kinds,
            pollInterval: configuration.lifecycle.eventPollInterval, stopAtEnd: !follow)
    }

    /// The newest event's sequence number (0 when the log is empty).
    public func lastEventSequence() async throws(DeriveError) -> Int64 {
        try await storing { try await self.catalog.lastEventSequence() }
    }

    /// Each webhook's delivery position in the event log, by subscription name (`webhook:<name>`,
    /// `notification_url`).
    public func webhookPositions() async throws(DeriveError) -> [String: Int64] {
        try await storing { try await self.catalog.subscriptionPositions() }.filter {
            !$0.key.hasPrefix(Self.maintenancePrefix)
        }
    }

    /// Webhook deliveries that gave up after their retries, newest first.
    public func deliveryFailures(limit: Int = 100) async throws(DeriveError) -> [DeliveryFailure] {
        try await storing { try await self.catalog.deliveryFailures(subscription: nil, limit: limit) }
    }

    /// Called by `open`: puts back blobs an interrupted reclaim left aside, starts webhook delivery.
    func startLifecycle() async {
        let catalog = self.catalog
        do {
            let recovery = try await blobs.recover(olderThan: 60) { hashes throws(StoreError) in
                try await catalog.referencedAmong(hashes)
            }
            if !recovery.restored.isEmpty {
                lifecycle.logger.warning(
                    "restored \(recovery.restored.count) blobs left aside by an interrupted reclaim")
            }
        } catch {
            lifecycle.logger.error("blob recovery failed: \(error)")
        }
        await lifecycle.startWebhooks(configuration.lifecycle, catalog: catalog)
        if let interval = configuration.lifecycle.gcInterval, interval > 0 {
            let owner = UUID().uuidString
            lifecycle.startPeriodic(every: interval) { [weak self] in
                await self?.collectGarbageOnSchedule(interval: interval, owner: owner)
            }
        }
    }

    /// Runs a catalog change with the hooks' recorder, wakes event readers, then runs the hooks'
    /// after phase with exactly the committed changes. Reports a hook's own error if one failed.
    func committing<T: Sendable>(
        _ context: ChangeContext, _ body: @Sendable (@escaping ChangeRecorder) async throws(StoreError) -> T
    ) async throws(DeriveError) -> T {
        let box = RecorderBox()
        let recorder = lifecycle.hooks.recorder(context, box: box)
        let result: T
        do {
            result = try await body(recorder)
        } catch {
            if let hookError = box.error { throw .hookFailed(hookError) }
            throw DeriveError(error)
        }
        lifecycle.notifier.notify(notificationURL: context.notificationURL != nil)
        await lifecycle.hooks.after(box.changes)
        return result
    }

    /// Removes blobs that nothing references any more (see `LifecycleConfiguration.blobReclaim`).
    /// Safe against writers in any process: see `BlobStore.reclaim(_:unlessReferenced:)`.
    func reclaim(_ hashes: Set<String>) async {
        guard !hashes.isEmpty, configuration.lifecycle.blobReclaim == .immediately else { return }
        let catalog = self.catalog
        do {
            let all = Array(hashes)
            for start in stride(from: 0, to: all.count, by: 2_000) {
                let chunk = Array(all[start..<min(start + 2_000, all.count)])
                let referenced = try await catalog.referencedAmong(chunk)
                let candidates = chunk.filter { !referenced.contains($0) }
                _ = try await blobs.reclaim(candidates) { hashes throws(StoreError) in
                    try await catalog.referencedAmong(hashes)
                }
            }
        } catch {
            // Whatever is left is unreferenced and the garbage collector's.
            lifecycle.logger.warning("blob reclaim failed (gc will retry): \(error)")
        }
    }
}
