import DeriveRender
import DeriveStore
import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Runs a regeneration job: `concurrency` workers each claim a batch of originals from the
/// catalog, render its items one by one (skipping those the job already recorded), store each with
/// its completion mark in one transaction, and finish the batch.
enum Regenerator {
    typealias Start = @Sendable () async throws(DeriveError) -> (RegenerationRequest, RegenerationJobRecord, Bool)

    static func newJobID() -> String {
        String(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12))
    }

    static func stream(_ derive: Derive, options: RegenerationOptions, start: @escaping Start)
        -> AsyncThrowingStream<RegenerationProgress, any Error>
    {
        let (stream, continuation) = AsyncThrowingStream.makeStream(
            of: RegenerationProgress.self, bufferingPolicy: .bufferingNewest(1))
        let id = UUID()
        let task = Task {
            defer { derive.regenerations.remove(id) }
            do {
                let (request, job, resumed) = try await start()
                let run = Run(
                    derive: derive, request: request, job: job, options: options,
                    progress: RegenerationProgress(job: job.id, resumed: resumed), continuation: continuation)
                try await run.execute(recordedBefore: job.rendered + job.unchanged + job.failed)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        derive.regenerations.add(id, task)
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    /// `host|pid|random`: another process on this host can tell whether the owner still runs.
    static func makeOwner() -> String {
        "\(ProcessInfo.processInfo.hostName)|\(getpid())|\(UUID().uuidString.prefix(8))"
    }

    /// True when `owner` was a process on this host that no longer exists (so its claims can be
    /// taken over at once instead of after the lease). Owners elsewhere wait for their lease.
    static func ownerIsGone(_ owner: String) -> Bool {
        let parts = owner.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]),
            pid != getpid(), pid > 0
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}

/// The runs of one `Derive`: cancelled and awaited by `shutdown`, awaited by `waitForRegenerations`.
final class RegenerationTasks: Sendable {
    private let state = Mutex<(tasks: [UUID: Task<Void, Never>], ended: Set<UUID>)>(([:], []))

    func add(_ id: UUID, _ task: Task<Void, Never>) {
        state.withLock { state in
            if state.ended.remove(id) == nil { state.tasks[id] = task }
        }
    }

    func remove(_ id: UUID) {
        state.withLock { state in
            if state.tasks.removeValue(forKey: id) == nil { state.ended.insert(id) }
        }
    }

    func wait() async {
        for task in state.withLock({ Array($0.tasks.values) }) { await task.value }
    }

    func cancelAndWait() async {
        let tasks = state.withLock { Array($0.tasks.values) }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
    }
}

/// One run of a job in this process.
private final class Run: Sendable {
    let derive: Derive
    let request: RegenerationRequest
    let job: RegenerationJobRecord
    let options: RegenerationOptions
    let owner = Regenerator.makeOwner()
    let started = DispatchTime.now().uptimeNanoseconds
    let progress: Mutex<RegenerationProgress>
    let continuation: AsyncThrowingStream<RegenerationProgress, any Error>.Continuation

    init(
        derive: Derive, request: RegenerationRequest, job: RegenerationJobRecord, options: RegenerationOptions,
        progress: RegenerationProgress, continuation: AsyncThrowingStream<RegenerationProgress, any Error>.Continuation
    ) {
        self.derive = derive
        self.request = request
        self.job = job
        self.options = options
        self.progress = Mutex(progress)
        self.continuation = continuation
    }

    func execute(recordedBefore: Int) async throws {
        let planner = try await RegenerationPlanner(derive, request)
        if options.countFirst {
            var planned = 0
            try await planner.walkAll { _, items, _ throws(DeriveError) in planned += items.count }
            // Stale and missing-only plans leave out what earlier runs did; the others include it.
            let excludesDone = request.stale || request.missingOnly
            update { $0.remaining = max(0, planned - (excludesDone ? 0 : recordedBefore)) }
        } else {
            update { _ in }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<max(1, options.concurrency) {
                group.addTask { try await self.work(planner) }
            }
            try await group.waitForAll()
        }
        let state = try await derive.regenerationJob(job.id)?.state ?? .cancelled
        update {
            $0.finished = true
            $0.state = state
        }
    }

    private func update(_ change: (inout RegenerationProgress) -> Void) {
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let snapshot = progress.withLock { progress in
            change(&progress)
            progress.elapsed = elapsed
            return progress
        }
        continuation.yield(snapshot)
    }

    /// A worker: claims and processes batches until the job has none left for it.
    private func work(_ planner: RegenerationPlanner) async throws {
        while !Task.isCancelled {
            let claim = try await derive.storing {
                try await self.derive.catalog.claimRegenerationBatch(
                    job: self.job.id, walk: self.request.walk, owner: self.owner,
                    leaseSeconds: self.options.leaseSeconds,
                    batchSize: self.options.batchSize, ownerIsGone: Regenerator.ownerIsGone)
            }
            switch claim {
            case .finished:
                return
            case .waiting(let held):
                update { $0.heldElsewhere = max($0.heldElsewhere, held) }
                return
            case .batch(let batch):
                do {
                    try await process(batch, planner)
                } catch {
                    // Whatever stopped it (a cancellation arriving during a catalog call is refused
                    // by GRDB and lands here too), the batch must not stay held by a live owner:
                    // a rerun in this process would wait for its lease. Giving back twice is harmless.
                    await giveBack(
                        RegenerationLease(
                            job: job.id, batch: batch.number, owner: owner, seconds: options.leaseSeconds))
                    throw error
                }
            }
        }
    }

    /// Stores an item; when the render pool is full (a server's delivery renders share it), waits
    /// and tries again rather than failing the item (up to about a minute).
    private func storeWaitingForThePool(_ item: RegenerationItem, source: [UInt8], lease: RegenerationLease)
        async throws(DeriveError) -> RegenerationWrite
    {
        var attempt = 0
        while true {
            do {
                return try await derive.storeRegenerated(item, source: source, lease: lease)
            } catch .overloaded where attempt < 600 && !Task.isCancelled {
                attempt += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Releases a batch so any process can claim it at once. Detached: a cancelled task's catalog
    /// calls are refused (GRDB checks cancellation), and this one must still happen.
    private func giveBack(_ lease: RegenerationLease) async {
        let catalog = derive.catalog
        await Task.detached { try? await catalog.releaseRegenerationBatch(lease) }.value
    }

    /// Records an item that failed (in the catalog, so a rerun reports it) and counts it.
    private func record(_ failure: RegenerationFailure, _ lease: RegenerationLease) async throws {
        try await derive.storing {
            try await self.derive.catalog.recordRegenerationFailure(
                lease, item: failure.item, label: failure.label, error: failure.error)
        }
        update {
            $0.failed += 1
            $0.lastFailure = failure
        }
    }

    private func process(_ batch: RegenerationBatch, _ planner: RegenerationPlanner) async throws {
        let lease = RegenerationLease(job: job.id, batch: batch.number, owner: owner, seconds: options.leaseSeconds)
        let plan: (items: [RegenerationItem], skipped: Int, failures: [RegenerationFailure])
        do {
            plan = try await planner.plan(batch.keys)
        } catch {
            await giveBack(lease)
            throw error
        }
        for failure in plan.failures where !batch.finishedItems.contains(failure.item) {
            try await record(failure, lease)
        }
        var source: (blob: String, bytes: [UInt8])?
        for item in plan.items where !batch.finishedItems.contains(item.id) {
            if Task.isCancelled {
                await giveBack(lease)
                return
            }
            do {
                if source?.blob != item.resource.blob {
                    source = (
                        item.resource.blob,
                        try await derive.storing { try await self.derive.blobs.get(item.resource.blob) }
                    )
                }
                let outcome = try await storeWaitingForThePool(item, source: source?.bytes ?? [], lease: lease)
                update { progress in
                    switch outcome {
                    case .created(let record), .replaced(let record, _):
                        progress.rendered += 1
                        progress.bytes += record.bytes
                    case .unchanged: progress.unchanged += 1
                    case .alreadyDone: progress.skipped += 1
                    }
                }
            } catch {
                if Task.isCancelled {
                    // Stopped mid-render (the render pool refuses work once cancelled): not a failure.
                    await giveBack(lease)
                    return
                }
                if case .store(let failure) = error,
                    failure != .resourceGone(item.resource.key, version: item.resource.version)
                {
                    // The catalog or blob store failed: not this item's fault. Stop; a rerun resumes.
                    await giveBack(lease)
                    throw error
                }
                try await record(RegenerationFailure(item: item.id, label: item.label, error: "\(error)"), lease)
            }
        }
        if Task.isCancelled {
            await giveBack(lease)
            return
        }
        try await derive.storing { try await self.derive.catalog.finishRegenerationBatch(lease, skipped: plan.skipped) }
        update { $0.skipped += plan.skipped }
    }
}

extension Derive {
    /// Renders an item and stores it with its completion mark (``Catalog/storeRegenerated``).
    func storeRegenerated(_ item: RegenerationItem, source: [UInt8], lease: RegenerationLease)
        async throws(DeriveError) -> RegenerationWrite
    {
        let (rendered, hash) = try await renderItem(item, source: source)
        renderCount(add: 1)
        let record = DerivativeRecord(
            key: item.resource.key, version: item.resource.version, transformation: item.keyTransformation,
            format: item.output.rawValue, blob: hash, bytes: rendered.bytes.count,
            width: rendered.width, height: rendered.height, renderer: Renderer.fingerprint, createdAt: Date())
        if item.previous == nil {
            try await lifecycle.hooks.before { try await $0.willCreateDerived(record) }
        }
        // Written before the row (write-once: cheap when the bytes are already there).
        try await storing { try await self.blobs.put(rendered.bytes, hash: hash) }
        let outcome: RegenerationWrite
        do {
            outcome = try await committing(ChangeContext(operation: .regenerate)) { recorder throws(StoreError) in
                try await self.catalog.storeRegenerated(
                    record, namedTransformations: item.transformation.namedTransformations, lease: lease,
                    label: item.label, recorder: recorder)
            }
        } catch {
            await reclaim([record.blob])
            throw error
        }
        switch outcome {
        case .replaced(_, let previous): await reclaim([previous.blob])
        case .alreadyDone: await reclaim([record.blob])
        case .created, .unchanged: break
        }
        return outcome
    }
}
