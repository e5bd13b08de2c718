import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Runs the Upload and Admin API's handlers on threads of their own. On Swift's cooperative pool
/// (one thread per core) they ran next to every delivery request, and a job there keeps its thread
/// until its next `await`: a multipart body being parsed or a listing being encoded held cached
/// images back (hits fell to a twentieth of their idle rate in the API benchmark). On their own
/// threads the kernel time-slices them against delivery instead. `DERIVE_API_NICENESS` (0–19,
/// default 0) also lowers their priority, so that delivery gets most of a contended CPU (nice 5:
/// about three quarters). Renders are unaffected: they run on the render threads either way.
final class APIExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = APIExecutor(
        threads: max(2, ProcessInfo.processInfo.activeProcessorCount),
        niceness: ProcessInfo.processInfo.environment["DERIVE_API_NICENESS"].flatMap(Int32.init).map {
            min(19, max(0, $0))
        } ?? 0)

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var next = 0

    private init(threads: Int, niceness: Int32) {
        for index in 0..<threads {
            let thread = Thread { [self] in
                // On Linux a thread is a task of its own: this lowers only the calling thread.
                if niceness > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
                work()
            }
            thread.name = "derive-api-\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while next == jobs.count { condition.wait() }
            let job = jobs[next]
            next += 1
            if next == jobs.count {
                // Drained: reuse the storage instead of removing from the front one by one.
                jobs.removeAll(keepingCapacity: true)
                next = 0
            }
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
