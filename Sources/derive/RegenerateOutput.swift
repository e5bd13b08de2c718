import Derive
import DeriveStore
import Dispatch
import Foundation
import Synchronization

/// Draws regeneration progress on stderr: a bar with count, rate and ETA redrawn in place on a
/// terminal; a plain line every few seconds otherwise (logs, CI).
final class ProgressDisplay: Sendable {
    let terminal: Bool
    private let lastDraw = Mutex<UInt64>(0)
    private let drewBar = Mutex(false)

    init(terminal: Bool) { self.terminal = terminal }

    func show(_ progress: RegenerationProgress) {
        let now = DispatchTime.now().uptimeNanoseconds
        let interval: UInt64 = terminal ? 100_000_000 : 5_000_000_000
        let due = lastDraw.withLock { last in
            guard progress.finished || last == 0 || now - last >= interval else { return false }
            last = now
            return true
        }
        guard due, !progress.finished else { return }
        let line = Self.line(progress, bar: terminal)
        if terminal {
            drewBar.withLock { $0 = true }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    /// A count-only line (uploads): `120/200 (3 failed) 41.2/s`.
    func showCount(_ done: Int, of total: Int, failed: Int, elapsed: Double) {
        let now = DispatchTime.now().uptimeNanoseconds
        let interval: UInt64 = terminal ? 100_000_000 : 5_000_000_000
        let due = lastDraw.withLock { last in
            guard done == total || last == 0 || now - last >= interval else { return false }
            last = now
            return true
        }
        guard due, total > 1 else { return }
        var line = "\(done)/\(total)"
        if failed > 0 { line += " (\(failed) failed)" }
        if elapsed > 0 { line += " \(RegenerateOutput.format(Double(done) / elapsed))/s" }
        if terminal {
            drewBar.withLock { $0 = true }
            FileHandle.standardError.write(Data("\r\u{1B}[K\(line)".utf8))
        } else {
            FileHandle.standardError.write(Data("\(line)\n".utf8))
        }
    }

    func end() {
        if drewBar.withLock({ $0 }) { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    static func line(_ p: RegenerationProgress, bar: Bool) -> String {
        let handled = p.done + p.failed
        var text = ""
        if let remaining = p.remaining, remaining > 0 {
            let fraction = min(1, Double(handled) / Double(remaining))
            if bar {
                let width = 24
                let filled = Int(fraction * Double(width))
                text +=
                    "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "] "
            }
            text += "\(handled)/\(remaining) \(Int(fraction * 100))%"
        } else {
            text += "\(handled) renders"
        }
        text += " \(RegenerateOutput.format(p.rate))/s"
        if let eta = p.eta { text += " ETA \(duration(eta))" }
        if p.failed > 0 { text += " failed \(p.failed)" }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds >= 0, let total = Int(exactly: seconds.rounded()), total < 1_000_000_000 else { return "?" }
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}

enum RegenerateOutput {
    /// One JSON object on one line, keys sorted.
    static func printObject(_ object: [String: Any]) {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data("{}".utf8)
        print(String(decoding: data, as: UTF8.self))
    }

    static func printEstimate(_ e: RegenerationEstimate, concurrency: Int, json: Bool) {
        if json {
            printObject([
                "dry_run": true, "originals": e.originals, "renders": e.renders, "skipped": e.skipped,
                "sampled": e.sampled, "seconds_per_render": e.sampleSecondsPerRender,
                "bytes_per_render": Int(e.sampleBytesPerRender), "estimated_bytes": e.estimatedBytes,
                "estimated_seconds": e.estimatedSeconds, "concurrency": concurrency,
                "renderer": Derive.rendererFingerprint,
            ])
            return
        }
        print("dry run: \(e.renders) renders over \(e.originals) originals (\(e.skipped) with nothing to do)")
        if e.sampled > 0 {
            print(
                "sample of \(e.sampled): \(format(e.sampleSecondsPerRender * 1000)) ms and "
                    + "\(format(e.sampleBytesPerRender / 1024)) KB per render; estimated "
                    + "\(format(Double(e.estimatedBytes) / 1_048_576)) MB in \(ProgressDisplay.duration(e.estimatedSeconds)) "
                    + "at -j \(concurrency)")
        }
    }

    static func format(_ value: Double) -> String { String(format: "%.1f", value) }

    static func printSummary(
        _ p: RegenerationProgress, job: RegenerationJobRecord?, failures: [RegenerationFailure], json: Bool
    ) {
        let state = job?.state ?? p.state
        if json {
            var object: [String: Any] = [
                "job": p.job, "resumed": p.resumed, "state": state.rawValue, "rendered": p.rendered,
                "unchanged": p.unchanged, "failed": p.failed, "skipped": p.skipped, "bytes": p.bytes,
                "seconds": p.elapsed, "rate": p.rate, "held_elsewhere": p.heldElsewhere,
                "renderer": Derive.rendererFingerprint,
                "failures": failures.map { ["item": $0.label, "error": $0.error] },
            ]
            if let job { object["job_totals"] = totals(job) }
            printObject(object)
            return
        }
        print(
            "job \(p.job) \(state.rawValue): \(p.rendered) rendered, \(p.unchanged) unchanged, \(p.failed) failed, "
                + "\(p.skipped) skipped, \(format(Double(p.bytes) / 1_048_576)) MB in \(format(p.elapsed)) s "
                + "(\(format(p.rate))/s)")
        if p.resumed, let job {
            print("whole job: \(job.rendered) rendered, \(job.unchanged) unchanged, \(job.failed) failed")
        }
        if p.heldElsewhere > 0 {
            print("\(p.heldElsewhere) batches are still being rendered by other processes")
        }
        if !failures.isEmpty {
            print("failures:")
            for failure in failures { print("  \(failure.label): \(failure.error)") }
        }
    }

    static func totals(_ job: RegenerationJobRecord) -> [String: Any] {
        [
            "rendered": job.rendered, "unchanged": job.unchanged, "failed": job.failed, "skipped": job.skipped,
            "bytes": job.bytes, "batches": job.batches,
        ]
    }

    static func printJobs(_ jobs: [RegenerationJobRecord], json: Bool) {
        for job in jobs {
            if json {
                var object = totals(job)
                object["id"] = job.id
                object["state"] = job.state.rawValue
                object["request"] = (try? JSONSerialization.jsonObject(with: Data(job.request.utf8))) ?? job.request
                object["created_at"] = ISOTime.string(job.createdAt)
                object["updated_at"] = ISOTime.string(job.updatedAt)
                printObject(object)
            } else {
                print(
                    "\(job.id) \(job.state.rawValue) \(ISOTime.string(job.updatedAt)) rendered \(job.rendered) "
                        + "unchanged \(job.unchanged) failed \(job.failed) skipped \(job.skipped) \(job.request)")
            }
        }
    }
}
