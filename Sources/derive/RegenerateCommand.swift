import ArgumentParser
import Derive
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

struct Regenerate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Render derivatives again in bulk: resumable, parallel, aware of the renderer fingerprint.",
        discussion: """
            Select originals with --all, --prefix, --tag, --type or --public-id, then say what to render:
            --transformation T (repeatable; eager syntax, e.g. c_fill,w_300/webp) creates or re-renders those
            derivatives, --existing re-renders every stored derivative, --stale only those made by another
            renderer (fingerprint differs), --missing-only (with --transformation) only those not stored yet.

            Progress is checkpointed in the catalog: run the same command again after Ctrl-C, kill -9 or a
            crash and it continues the unfinished job, rendering nothing twice. Several processes running
            the same command split the work. A render with different bytes replaces the derivative and
            records an invalidate event for its URL; identical bytes change nothing.

            Exit status: 0 when every render succeeded, 1 when some failed (listed) or the job was
            cancelled, 2 for bad input.

            Examples:
              derive regenerate --all --stale -j 2
              derive regenerate --tag launch --transformation c_fill,w_400,h_300/webp --missing-only
              derive regenerate --prefix products/ --existing --dry-run
              derive regenerate --list-jobs
              derive regenerate --resume 3f2a9c1b7d4e
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Every original.") var all = false
    @Option(help: "Originals whose public id starts with this.") var prefix: String?
    @Option(help: "Originals with this tag.") var tag: String?
    @Option(help: "Only this delivery type (upload, private, authenticated); alone, selects every original of it.")
    var type: String?
    @Option(name: .customLong("public-id"), parsing: .upToNextOption, help: "These public ids.")
    var publicIDs: [String] = []
    @Option(name: .customLong("transformation"), help: "A transformation to render (repeatable).")
    var transformations: [String] = []
    @Flag(help: "Re-render every stored derivative of the selection.") var existing = false
    @Flag(help: "Only derivatives whose renderer fingerprint differs from the current one.") var stale = false
    @Flag(name: .customLong("missing-only"), help: "With --transformation: only derivatives not stored yet.")
    var missingOnly = false
    @Option(name: .short, help: "Renders at once (render threads).") var j = 2
    @Option(name: .customLong("batch-size"), help: "Originals per claimed batch.") var batchSize = 8
    @Flag(name: .customLong("dry-run"), help: "Count the renders and estimate bytes and time from a sample.")
    var dryRun = false
    @Option(help: "Renders in the dry run's sample.") var sample = 3
    @Flag(name: .customLong("list-jobs"), help: "List regeneration jobs, newest first.") var listJobs = false
    @Option(help: "Continue this job (its own request).") var resume: String?
    @Option(help: "Cancel this job.") var cancel: String?
    @Flag(help: "Print the summary (or jobs, or dry run) as JSON.") var json = false

    func validate() throws {
        guard (1...256).contains(j) else { throw ValidationError("-j must be between 1 and 256") }
        guard (1...1000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 1000") }
        guard (0...100).contains(sample) else { throw ValidationError("--sample must be between 0 and 100") }
    }

    /// The request the flags describe.
    func request() throws -> RegenerationRequest {
        let selections = [all, prefix != nil, tag != nil, !publicIDs.isEmpty].filter { $0 }.count
        guard selections <= 1 else {
            throw ValidationError("choose one of --all, --prefix, --tag, --public-id")
        }
        let selection: RegenerationRequest.Selection
        if let prefix {
            selection = .prefix(prefix)
        } else if let tag {
            selection = .tag(tag)
        } else if !publicIDs.isEmpty {
            selection = .publicIDs(publicIDs)
        } else if all || type != nil {
            selection = .all
        } else {
            throw ValidationError("select originals: --all, --prefix, --tag, --type or --public-id")
        }
        return RegenerationRequest(
            selection: selection, type: type, transformations: transformations, existing: existing, stale: stale,
            missingOnly: missingOnly)
    }

    func run() async throws {
        let modes = [listJobs, resume != nil, cancel != nil].filter { $0 }.count
        guard modes <= 1 else { throw fail(ValidationError("use one of --list-jobs, --resume, --cancel")) }
        if listJobs { return try await list() }
        if let cancel { return try await cancelJob(cancel) }
        VipsRuntime.configureMallocForRendering()
        var request: RegenerationRequest?
        if resume == nil {
            do { request = try self.request() } catch { throw fail(error) }
        }
        // -j renders at once (the render threads); twice as many workers, so that one worker's blob
        // read, store and commit overlap another's render.
        let options = RegenerationOptions(concurrency: 2 * j, batchSize: batchSize)
        let threads = j
        var failed = false
        do {
            let adjust: (inout Configuration) -> Void = {
                $0.renderThreads = threads
                $0.maxQueuedRenders = max($0.maxQueuedRenders, 2 * threads)
            }
            try await global.withDerive(adjusting: adjust) { derive in
                if dryRun {
                    var planned = request
                    if let resume {
                        guard let job = try await derive.regenerationJob(resume) else {
                            throw ValidationError("no regeneration job \(resume)")
                        }
                        planned = try Derive.request(of: job)
                    }
                    guard let planned else { return }
                    let estimate = try await derive.estimateRegeneration(planned, sample: sample, concurrency: threads)
                    RegenerateOutput.printEstimate(estimate, concurrency: threads, json: json)
                    return
                }
                let stream =
                    if let resume { derive.resumeRegeneration(job: resume, options: options) } else {
                        derive.regenerate(request!, options: options)
                    }
                let last = try await Self.follow(stream)
                guard let last else { return }
                let job = try await derive.regenerationJob(last.job)
                let failures = try await derive.regenerationFailures(job: last.job)
                RegenerateOutput.printSummary(last, job: job, failures: failures, json: json)
                failed = (job?.failed ?? last.failed) > 0 || job?.state == .cancelled
            }
        } catch let error as ValidationError {
            throw fail(error)
        } catch let error as DeriveError {
            if case .invalidArgument = error { throw fail(error) }
            if case .invalidTransformation = error { throw fail(error) }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if failed { throw ExitCode(1) }
    }

    /// Consumes the progress, drawing it on stderr; Ctrl-C stops claiming and gives batches back
    /// (a second Ctrl-C exits at once; either way a rerun continues).
    static func follow(_ stream: AsyncThrowingStream<RegenerationProgress, any Error>) async throws
        -> RegenerationProgress?
    {
        let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) == 1)
        let consumer = Task {
            var last: RegenerationProgress?
            for try await progress in stream {
                last = progress
                display.show(progress)
            }
            display.end()
            return last
        }
        signal(SIGINT, SIG_IGN)
        let interrupts = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = SignalCount()
        interrupts.setEventHandler {
            if count.next() > 1 { _exit(130) }
            FileHandle.standardError.write(
                Data("\ninterrupted: finishing the renders in flight (Ctrl-C again to quit)\n".utf8))
            consumer.cancel()
        }
        interrupts.resume()
        defer {
            interrupts.cancel()
            signal(SIGINT, SIG_DFL)
        }
        return try await consumer.value
    }

    private func list() async throws {
        do {
            let jobs = try await global.withDerive { try await $0.regenerationJobs() }
            RegenerateOutput.printJobs(jobs, json: json)
        } catch { throw fail(error) }
    }

    private func cancelJob(_ id: String) async throws {
        let job: RegenerationJobRecord?
        do { job = try await global.withDerive { try await $0.cancelRegeneration(job: id) } } catch {
            throw fail(error)
        }
        guard let job else { throw fail(ValidationError("no regeneration job \(id)")) }
        if json {
            RegenerateOutput.printJobs([job], json: true)
        } else {
            print("job \(job.id): \(job.state.rawValue)")
        }
    }
}

private final class SignalCount: Sendable {
    private let value = Mutex(0)
    func next() -> Int {
        value.withLock { count in
            count += 1
            return count
        }
    }
}
