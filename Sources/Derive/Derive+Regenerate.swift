import DeriveRender
import DeriveStore
import Foundation

/// What a batch regeneration renders (``Derive/regenerate(_:options:)``).
///
/// - With `transformations`: each one (eager syntax, `c_fill,w_100/jpg`) is rendered for every
///   selected original, creating the derivative or rendering it again; `missingOnly` renders only
///   those that do not exist yet, `stale` (also) leaves alone those the current renderer made.
/// - With `existing`: every stored derivative of the selected originals is rendered again.
/// - With `stale`: only derivatives whose renderer fingerprint differs from ``Derive/rendererFingerprint``.
///
/// A render with different bytes replaces the derivative (same id and URL) in one transaction and
/// records a `derived.replaced` and an `invalidate` event; identical bytes change nothing but the
/// row's fingerprint and record no event.
public struct RegenerationRequest: Sendable, Hashable, Codable {
    public typealias Selection = RegenerationWalk.Selection

    public var selection: Selection
    public var resourceType: String
    /// The delivery type (`upload`, `private`, `authenticated`); nil: every type.
    public var type: String?
    public var transformations: [String]
    public var existing: Bool
    public var stale: Bool
    public var missingOnly: Bool

    public init(
        selection: Selection, resourceType: String = "image", type: String? = nil, transformations: [String] = [],
        existing: Bool = false, stale: Bool = false, missingOnly: Bool = false
    ) {
        self.selection = selection
        self.resourceType = resourceType
        self.type = type
        self.transformations = transformations
        self.existing = existing
        self.stale = stale
        self.missingOnly = missingOnly
    }

    /// Refuses requests that select or render nothing sensible.
    func validate() throws(DeriveError) {
        if case .publicIDs(let ids) = selection {
            guard !ids.isEmpty else { throw .invalidArgument("no public ids given") }
            for id in ids where id.isEmpty { throw .invalidArgument("empty public id") }
        }
        if transformations.isEmpty {
            guard existing || stale else {
                throw .invalidArgument("say what to render: transformations, existing or stale")
            }
            guard !missingOnly else { throw .invalidArgument("missing-only needs transformations") }
        } else if existing {
            throw .invalidArgument("existing re-renders stored derivatives; it cannot be combined with transformations")
        }
    }

    var walk: RegenerationWalk { RegenerationWalk(resourceType: resourceType, type: type, selection: selection) }

    /// JSON with sorted keys: the same request always gives the same text, hence the same job.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}

/// How a regeneration runs (not part of the job: a resumed job may use other options).
public struct RegenerationOptions: Sendable, Hashable {
    /// Items in flight (each render on the render pool, so at most `Configuration.renderThreads`
    /// run at once; more workers than threads let reading and storing overlap rendering).
    public var concurrency: Int
    /// Originals per claimed batch.
    public var batchSize: Int
    /// How long a claim holds without progress before another process may take the batch over.
    public var leaseSeconds: Double
    /// Count the job's renders first (for `total` and an ETA): one read-only walk of the selection.
    public var countFirst: Bool

    public init(concurrency: Int = 2, batchSize: Int = 8, leaseSeconds: Double = 60, countFirst: Bool = true) {
        self.concurrency = concurrency
        self.batchSize = batchSize
        self.leaseSeconds = leaseSeconds
        self.countFirst = countFirst
    }
}

/// Progress of a run, sent after every item and once more at the end (`finished`).
public struct RegenerationProgress: Sendable, Hashable {
    public var job: String
    /// The job existed (an interrupted run of the same request, or `resumeRegeneration`).
    public var resumed: Bool
    /// This run: derivatives stored (new or replaced), renders with identical bytes, failures,
    /// items with nothing to do, bytes stored.
    public var rendered = 0
    public var unchanged = 0
    public var failed = 0
    public var skipped = 0
    public var bytes = 0
    /// Renders this run still expected to do (when counted), for an ETA.
    public var remaining: Int?
    public var elapsed: Double = 0
    /// Renders per second in this run.
    public var rate: Double { elapsed > 0 ? Double(done + failed) / elapsed : 0 }
    public var done: Int { rendered + unchanged }
    /// Seconds left at the current rate (nil without a count or a rate yet).
    public var eta: Double? {
        guard let remaining, rate > 0 else { return nil }
        return Double(max(0, remaining - done - failed)) / rate
    }
    /// Set on the last element: the job's state (`done`; `running` when other processes hold
    /// batches or the run was cancelled; `cancelled`).
    public var finished = false
    public var state: RegenerationJobState = .running
    /// Batches other processes still hold when this run ended.
    public var heldElsewhere = 0
    /// The latest failure (`public_id transformation format` and why).
    public var lastFailure: RegenerationFailure?

    init(job: String, resumed: Bool) {
        self.job = job
        self.resumed = resumed
    }
}

/// A dry run's answer: how many renders a request means, and estimates from a sample.
public struct RegenerationEstimate: Sendable, Hashable {
    public var originals: Int
    public var renders: Int
    public var skipped: Int
    public var sampled: Int
    /// Average over the sample (0 without one).
    public var sampleSecondsPerRender: Double
    public var sampleBytesPerRender: Double
    public var estimatedBytes: Int
    /// At the given concurrency.
    public var estimatedSeconds: Double
}

extension Derive {
    /// What `renderer` says on every derivative this build makes: Derive's renderer version and
    /// the libvips version (`derive-render/<n>;libvips/<x.y.z>`).
    public static var rendererFingerprint: String { Renderer.fingerprint }

    /// Regenerates derivatives in bulk (see ``RegenerationRequest``), checkpointed in the catalog.
    /// The same request, started again while its job is unfinished, continues that job: nothing
    /// recorded is rendered again. Several processes on one job split its batches. Cancelling the
    /// iteration (or its task) stops claiming, gives the current batches back and ends the sequence.
    public func regenerate(_ request: RegenerationRequest, options: RegenerationOptions = RegenerationOptions())
        -> AsyncThrowingStream<RegenerationProgress, any Error>
    {
        Regenerator.stream(self, options: options) { () async throws(DeriveError) in
            try request.validate()
            let json = request.json
            let (job, resumed) = try await self.storing {
                try await self.catalog.startRegenerationJob(
                    id: Regenerator.newJobID(), request: json, requestKey: ContentHash.sha256Hex(of: json, digits: 32))
            }
            return (request, job, resumed)
        }
    }

    /// Returns once every regeneration run of this `Derive` has stopped: after the consumer of a
    /// progress sequence stops iterating, the renders in flight finish and the unfinished batches
    /// are given back before the run ends.
    public func waitForRegenerations() async {
        await regenerations.wait()
    }

    /// Continues job `id` with its stored request.
    public func resumeRegeneration(job id: String, options: RegenerationOptions = RegenerationOptions())
        -> AsyncThrowingStream<RegenerationProgress, any Error>
    {
        Regenerator.stream(self, options: options) { () async throws(DeriveError) in
            guard let job = try await self.regenerationJob(id) else {
                throw .invalidArgument("no regeneration job \(id)")
            }
            guard job.state == .running else { throw .invalidArgument("job \(id) is \(job.state.rawValue)") }
            return (try Self.request(of: job), job, true)
        }
    }

    /// The request a job was started with.
    public static func request(of job: RegenerationJobRecord) throws(DeriveError) -> RegenerationRequest {
        do {
            return try JSONDecoder().decode(RegenerationRequest.self, from: Data(job.request.utf8))
        } catch {
            throw .invalidArgument("job \(job.id) has an unreadable request: \(error)")
        }
    }

    public func regenerationJob(_ id: String) async throws(DeriveError) -> RegenerationJobRecord? {
        try await storing { try await self.catalog.regenerationJob(id) }
    }

    /// Jobs, newest first.
    public func regenerationJobs(limit: Int = 50) async throws(DeriveError) -> [RegenerationJobRecord] {
        try await storing { try await self.catalog.regenerationJobs(limit: limit) }
    }

    /// Cancels a running job (runs stop at their next claim). Nil when there is no such job.
    public func cancelRegeneration(job id: String) async throws(DeriveError) -> RegenerationJobRecord? {
        try await storing { try await self.catalog.cancelRegenerationJob(id) }
    }

    public func regenerationFailures(job id: String, limit: Int = 1000) async throws(DeriveError)
        -> [RegenerationFailure]
    {
        try await storing { try await self.catalog.regenerationFailures(job: id, limit: limit) }
    }

    /// A dry run: counts the renders `request` means (a read-only walk) and renders up to
    /// `sample` of them without storing anything, to estimate bytes and time at `concurrency`.
    public func estimateRegeneration(_ request: RegenerationRequest, sample: Int = 3, concurrency: Int = 2)
        async throws(DeriveError) -> RegenerationEstimate
    {
        try request.validate()
        let planner = try await RegenerationPlanner(self, request)
        var originals = 0
        var renders = 0
        var skipped = 0
        var samples: [RegenerationItem] = []
        try await planner.walkAll { keys, items, skip throws(DeriveError) in
            originals += keys.count
            renders += items.count
            skipped += skip
            for item in items where samples.count < sample { samples.append(item) }
        }
        var seconds = 0.0
        var bytes = 0
        for item in samples {
            let start = DispatchTime.now().uptimeNanoseconds
            let rendered = try await renderItem(item)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            bytes += rendered.image.bytes.count
        }
        let perRender = samples.isEmpty ? 0 : seconds / Double(samples.count)
        let perBytes = samples.isEmpty ? 0 : Double(bytes) / Double(samples.count)
        return RegenerationEstimate(
            originals: originals, renders: renders, skipped: skipped, sampled: samples.count,
            sampleSecondsPerRender: perRender, sampleBytesPerRender: perBytes,
            estimatedBytes: Int(perBytes * Double(renders)),
            estimatedSeconds: perRender * Double(renders)
                / Double(max(1, min(concurrency, configuration.renderThreads))))
    }
}
