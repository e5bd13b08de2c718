import Synchronization
import Testing

@testable import Derive

/// The miss path's request coalescing (`SingleFlight`): one run per key at a time, every waiter
/// gets the leader's result, and a cancelled leader hands the work to a waiter.
@Suite struct SingleFlightTests {
    /// Lets a test hold the leader inside its body until the followers are waiting.
    final class Gate: Sendable {
        private let opened = Mutex(false)
        func open() { opened.withLock { $0 = true } }
        func wait() async {
            while !opened.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(2)) }
        }
    }

    /// Counts runs of a body.
    final class Counter: Sendable {
        private let count = Mutex(0)
        @discardableResult func add() -> Int {
            count.withLock {
                $0 += 1; return $0
            }
        }
        var value: Int { count.withLock { $0 } }
    }

    @Test func concurrentCallersShareOneRun() async throws {
        let flights = SingleFlight<Int>()
        let runs = Counter()
        let gate = Gate()
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await flights.run("k") {
                        await gate.wait()
                        runs.add()
                        return 42
                    }
                }
            }
            try await Task.sleep(for: .milliseconds(100))
            gate.open()
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: 42, count: 8))
        #expect(runs.value == 1)
    }

    @Test func differentKeysAndLaterCallsRunAgain() async throws {
        let flights = SingleFlight<String>()
        let runs = Counter()
        for key in ["a", "b", "a"] {
            let value = try await flights.run(key) {
                runs.add()
                return key
            }
            #expect(value == key)
        }
        #expect(runs.value == 3)
    }

    @Test func followersGetTheLeadersError() async throws {
        struct Failure: Error {}
        let flights = SingleFlight<Int>()
        let gate = Gate()
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    do {
                        _ = try await flights.run("k") {
                            await gate.wait()
                            throw Failure()
                        }
                        return false
                    } catch {
                        return error is Failure
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(100))
            gate.open()
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes == [true, true, true, true])
    }

    @Test func aCancelledLeaderHandsTheWorkToAWaiter() async throws {
        let flights = SingleFlight<Int>()
        let runs = Counter()
        let leaderStarted = Gate()
        let leader = Task {
            try await flights.run("k") {
                leaderStarted.open()
                runs.add()
                // Runs until cancelled.
                while true { try await Task.sleep(for: .milliseconds(5)) }
            }
        }
        await leaderStarted.wait()
        let follower = Task {
            try await flights.run("k") {
                runs.add()
                return 7
            }
        }
        try await Task.sleep(for: .milliseconds(50))
        leader.cancel()
        await #expect(throws: CancellationError.self) { try await leader.value }
        #expect(try await follower.value == 7)
        #expect(runs.value == 2)
    }
}
