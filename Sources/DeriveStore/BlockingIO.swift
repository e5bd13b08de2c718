import NIOPosix

/// Runs blocking file work (writes with fsync, reads, renames) off Swift's cooperative pool, on
/// threads of its own. The cooperative pool has one thread per core (two here): a blob write
/// waiting for the disk there held up every other request, so delivery hits stalled while uploads
/// were being stored. Dispatch's global queues are no better on Linux: their width is also the
/// number of cores, shared with everything else that uses them.
enum BlockingIO {
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 4)
        pool.start()
        return pool
    }()

    static func run<T: Sendable>(_ work: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError>
        do {
            result = try await pool.runIfActive { Result { () throws(StoreError) -> T in try work() } }
        } catch {
            return try work()  // the pool is shut down only at exit: do the work here then
        }
        return try result.get()
    }
}
