import DeriveStore
import Foundation
import Synchronization

/// Wakes event readers when this process appends events, and ends them at shutdown. Readers also
/// poll, so events written by other processes sharing the catalog arrive within the poll interval.
///
/// A reader that only delivers events carrying a notification URL (the `notification_url`
/// dispatcher) waits on its own generation, advanced only by commits whose events carry one: every
/// render miss appends a `derived.created` event, and waking that reader for each (a catalog read
/// and a timer task per miss) cost render throughput for nothing.
final class EventNotifier: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var notificationGeneration: UInt64 = 0
        var closed = false
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
        var notificationWaiters: Set<UInt64> = []
    }

    private let state = Mutex(State())

    var generation: UInt64 { state.withLock { $0.generation } }
    /// Advanced only by commits whose events carry a notification URL (and by ``close()``).
    var notificationGeneration: UInt64 { state.withLock { $0.notificationGeneration } }
    var isClosed: Bool { state.withLock { $0.closed } }

    /// Wakes the readers: all of them, or, when no event of the commit carries a notification URL,
    /// all but those that wait only for such events.
    func notify(notificationURL: Bool = true) {
        let waiters = state.withLock { state in
            state.generation &+= 1
            if notificationURL {
                state.notificationGeneration &+= 1
                defer {
                    state.waiters = [:]
                    state.notificationWaiters = []
                }
                return Array(state.waiters.values)
            }
            var woken: [CheckedContinuation<Bool, Never>] = []
            for (id, waiter) in state.waiters where !state.notificationWaiters.contains(id) {
                woken.append(waiter)
                state.waiters[id] = nil
            }
            return woken
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    func close() {
        state.withLock { $0.closed = true }
        notify()
    }

    /// Returns after a `notify` that follows `generation`, after `timeout`, at `close`, or when the
    /// task is cancelled, whichever comes first. With `notificationsOnly`, `generation` is a
    /// ``notificationGeneration`` and only notifies of events with a notification URL count.
    /// Returns true when a notify or `close` ended the wait, false for the timeout or cancellation.
    @discardableResult
    func wait(after generation: UInt64, timeout: Duration, notificationsOnly: Bool = false) async -> Bool {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            self?.wake(id)
        }
        let notified = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let now = state.withLock { state -> Bool? in
                    let current = notificationsOnly ? state.notificationGeneration : state.generation
                    if current != generation || state.closed { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    if notificationsOnly { state.notificationWaiters.insert(id) }
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            wake(id)
        }
        timer.cancel()
        return notified
    }

    private func wake(_ id: UInt64) {
        state.withLock { state in
            state.notificationWaiters.remove(id)
            return state.waiters.removeValue(forKey: id)
        }?.resume(returning: false)
    }
}

/// The event log as an `AsyncSequence`: the events after a position, then every new one as it is
/// committed, until the task is cancelled or the `Derive` shuts down. Delivery is from the log, so
/// a consumer that remembers the last `sequence` it handled and resumes after it misses nothing.
///
/// ```swift
/// for try await event in derive.events(after: lastHandled) where event.kind == .invalidate {
///     try await cdn.purge(event.urls)
///     lastHandled = event.sequence
/// }
/// ```
public struct DeriveEventStream: AsyncSequence, Sendable {
    public typealias Element = DeriveEvent

    let catalog: any Catalog
    let notifier: EventNotifier
    /// nil: start at the end of the log (only events committed from now on).
    let start: Int64?
    let kinds: Set<EventKind>?
    let pollInterval: Duration
    /// When true, end at the end of the log instead of waiting for more.
    let stopAtEnd: Bool

    public func makeAsyncIterator() -> Iterator {
        Iterator(stream: self, position: start)
    }

    public struct Iterator: AsyncIteratorProtocol {
        let stream: DeriveEventStream
        var position: Int64?
        var buffer: [DeriveEvent] = []

        init(stream: DeriveEventStream, position: Int64?) {
            self.stream = stream
            self.position = position
        }

        public mutating func next() async throws -> DeriveEvent? {
            while true {
                if !buffer.isEmpty { return buffer.removeFirst() }
                if Task.isCancelled || stream.notifier.isClosed { return nil }
                let generation = stream.notifier.generation
                let records: [EventRecord]
                do {
                    if position == nil { position = try await stream.catalog.lastEventSequence() }
                    records = try await stream.catalog.events(after: position!, limit: 500, notificationsOnly: false)
                } catch {
                    // Cancellation (or shutdown) surfaces as a catalog error: end quietly.
                    if Task.isCancelled || stream.notifier.isClosed { return nil }
                    throw error
                }
                if let last = records.last { position = last.sequence }
                buffer = records.map(DeriveEvent.init).filter { stream.kinds?.contains($0.kind) ?? true }
                if records.isEmpty {
                    if stream.stopAtEnd { return nil }
                    await stream.notifier.wait(after: generation, timeout: stream.pollInterval)
                }
            }
        }
    }
}
