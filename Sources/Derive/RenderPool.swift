import Dispatch
import Metrics
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

    /// Renders admitted (running or waiting for a thread), time waiting for a thread, time running.
    private let depth = Gauge(label: "derive_render_queue_depth")
    private let waited = Timer(label: "derive_render_queue_seconds", preferredDisplayUnit: .seconds)
    private let ran = Timer(label: "derive_render_seconds", preferredDisplayUnit: .seconds)
    private let refused = Counter(label: "derive_renders_refused_total")

    func run<T: Sendable>(_ body: @Sendable @escaping () throws -> T) async throws -> T {
        let admitted = inFlight.withLock { count -> Int? in
            guard count < capacity else { return nil }
            count += 1
            return count
        }
        guard let admitted else {
            refused.increment()
            throw DeriveError.overloaded
        }
        depth.record(admitted)
        defer {
            depth.record(
                inFlight.withLock { count in
                    count -= 1
                    return count
                })
        }
        let queued = DispatchTime.now().uptimeNanoseconds
        let waited = self.waited
        let ran = self.ran
        return try await pool.runIfActive {
            let start = DispatchTime.now().uptimeNanoseconds
            waited.recordNanoseconds(Int64(start &- queued))
            defer { ran.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds &- start)) }
            return try body()
        }
    }

    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
