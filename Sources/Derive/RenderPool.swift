import NIOPosix
import Synchronization

/// Dedicated threads for libvips work. A render blocks its thread for tens of milliseconds, which
/// would starve Swift's cooperative pool; here it blocks one of `threads` pool threads instead.
/// Work beyond `threads + maxQueued` is refused rather than queued without bound.
final class RenderPool: Sendable {
    private let pool: NIOThreadPool
    private let capacity: Int
    private let inFlight = Mutex(0)

    init(threads: Int, maxQueued: Int) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
        capacity = max(1, threads) + max(0, maxQueued)
    }

    func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        let admitted = inFlight.withLock { count in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard admitted else { throw DeriveError.overloaded }
        defer { inFlight.withLock { $0 -= 1 } }
        return try await pool.runIfActive(body)
    }

    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
