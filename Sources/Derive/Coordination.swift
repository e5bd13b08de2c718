import Synchronization

/// Runs identical concurrent requests once: callers with the same key share one result.
///
/// The first caller (the leader) runs the work in its own task; later callers wait for its
/// result. No task is created and no actor entered, so a render miss pays no extra hop between
/// threads (an unstructured `Task` per miss woke the other cooperative thread twice). If the
/// leader's work ends in cancellation (its request went away), the waiting callers do not inherit
/// it: one of them becomes the leader and runs the work again.
final class SingleFlight<Value: Sendable>: Sendable {
    private enum Turn {
        case result(Result<Value, any Error>)
        case lead
    }

    private typealias Waiter = CheckedContinuation<Turn, Never>
    private let waiting = Mutex<[String: [Waiter]]>([:])

    func run(_ key: String, _ body: () async throws -> Value) async throws -> Value {
        var leads = waiting.withLock { flights -> Bool in
            guard flights[key] == nil else { return false }
            flights[key] = []
            return true
        }
        while true {
            if !leads {
                let turn: Turn = await withCheckedContinuation { continuation in
                    // The leader may have finished since the first look: then this caller leads.
                    let late = waiting.withLock { flights -> Bool in
                        guard flights[key] != nil else {
                            flights[key] = []
                            return true
                        }
                        flights[key]?.append(continuation)
                        return false
                    }
                    if late { continuation.resume(returning: .lead) }
                }
                guard case .result(let result) = turn else {
                    leads = true
                    continue
                }
                return try result.get()
            }
            let result: Result<Value, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            let cancelled: Bool
            if case .failure(let error) = result, error is CancellationError {
                cancelled = true
            } else {
                cancelled = false
            }
            let handOver = waiting.withLock { flights -> (next: Waiter?, followers: [Waiter]) in
                let all = flights.removeValue(forKey: key) ?? []
                guard cancelled, let next = all.first else { return (nil, all) }
                // The next caller leads; the others keep waiting, now for it.
                flights[key] = Array(all.dropFirst())
                return (next, [])
            }
            let (next, followers) = handOver
            next?.resume(returning: .lead)
            for follower in followers { follower.resume(returning: .result(result)) }
            return try result.get()
        }
    }
}
