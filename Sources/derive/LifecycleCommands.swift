import ArgumentParser
import Derive
import DeriveStore
import Foundation

struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List originals, newest first (by public id with --prefix), a page at a time.",
        discussion: """
            Examples:
              derive list --prefix shop/ --all-pages
              derive list --tag summer --max-results 500 --json
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Public ids starting with this prefix (ordered by public id).") var prefix: String?
    @Option(help: "Originals with this tag.") var tag: String?
    @Option(help: "Delivery type (default: every type; upload with --prefix).") var type: String?
    @Option(name: .customLong("resource-type"), help: "Resource type.") var resourceType = "image"
    @Option(help: "asc or desc.") var direction: String?
    @Option(name: .customLong("max-results"), help: "Page size, 1 to 500.") var maxResults = 100
    @Option(help: "Start after this cursor (printed after each page).") var cursor: String?
    @Flag(name: .customLong("all-pages"), help: "Follow the cursor to the end.") var allPages = false
    @Flag(help: "One JSON object per resource (with tags); the next cursor goes to stderr.") var json = false

    func run() async throws {
        var parsedDirection: SortDirection?
        if let direction {
            guard let value = SortDirection(rawValue: direction == "1" ? "asc" : direction == "-1" ? "desc" : direction)
            else { throw fail(ValidationError("direction must be asc or desc")) }
            parsedDirection = value
        }
        var query = ResourceQuery(
            resourceType: resourceType, type: type, prefix: prefix, tag: tag, direction: parsedDirection,
            maxResults: maxResults, cursor: cursor)
        do {
            try await global.withDerive { derive in
                repeat {
                    let page = try await derive.listResources(query)
                    for r in page.resources {
                        if json {
                            try printJSON(ResourceJSON(r, derived: nil, existing: nil))
                        } else {
                            let tags = r.tags.isEmpty ? "" : " [\(r.tags.joined(separator: ","))]"
                            print(
                                "\(r.key.type)/\(r.key.publicID) v\(r.version) \(r.format) \(r.width)x\(r.height) \(r.bytes) bytes\(tags)"
                            )
                        }
                    }
                    query.cursor = page.nextCursor
                    if let next = page.nextCursor, !allPages {
                        FileHandle.standardError.write(Data("next cursor: \(next)\n".utf8))
                    }
                } while allPages && query.cursor != nil
            }
        } catch { throw fail(error) }
    }
}

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the event log (uploads, overwrites, deletes, derived images, invalidations).",
        discussion: """
            --json prints one object per line: seq, time, kind, resource_type, type, public_id, version,
            urls (invalidate events: what to purge) and payload (the webhook body).

            Examples:
              derive events --json
              derive events --since 1200 --follow
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Start after this sequence number (default 0: the whole log; with --follow: now).")
    var since: Int64?
    @Flag(help: "Keep printing new events as they are committed (Ctrl-C to stop).") var follow = false
    @Option(
        help: "Only this kind (repeatable): upload, overwrite, delete, derived.created, derived.deleted, invalidate.")
    var kind: [String] = []
    @Flag(help: "Print webhook delivery positions and failures instead.") var webhooks = false
    @Flag(help: "One JSON object per line.") var json = false

    func run() async throws {
        do {
            try await global.withDerive { derive in
                if webhooks {
                    for (name, position) in try await derive.webhookPositions().sorted(by: { $0.key < $1.key }) {
                        print("\(name) delivered through \(position)")
                    }
                    for failure in try await derive.deliveryFailures() {
                        print("failed \(failure.subscription) seq \(failure.sequence) \(failure.url): \(failure.error)")
                    }
                    return
                }
                let kinds = kind.isEmpty ? nil : Set(kind.map { EventKind(rawValue: $0) })
                let start: Int64? = since ?? (follow ? nil : 0)
                for try await event in derive.events(after: start, kinds: kinds, follow: follow) {
                    var line = event.jsonLine
                    if !json {
                        let subject = event.resource.map { "\($0.type)/\($0.publicID)" } ?? "-"
                        let version = event.version.map { " v\($0)" } ?? ""
                        let urls = event.kind == .invalidate ? " " + event.urls.joined(separator: " ") : ""
                        let time = ISO8601DateFormatter().string(from: event.time)
                        line = "\(event.sequence) \(time) \(event.kind) \(subject)\(version)\(urls)"
                    }
                    // Unbuffered, so `--follow` output reaches a pipe as each event arrives.
                    FileHandle.standardOutput.write(Data((line + "\n").utf8))
                }
            }
        } catch { throw fail(error) }
    }
}

struct GC: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove blobs nothing references (older than the grace period) and interrupted writes.",
        discussion: """
            Examples:
              derive gc --dry-run
              derive gc --grace 0 --json
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(name: .customLong("dry-run"), help: "Report what would be removed; change nothing.") var dryRun = false
    @Option(help: "Grace period in seconds (default: $DERIVE_GC_GRACE_SECONDS, else 3600).") var grace: Double?
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report: GarbageCollectionReport
        do {
            report = try await global.withDerive { try await $0.collectGarbage(dryRun: dryRun, gracePeriod: grace) }
        } catch { throw fail(error) }
        if json { return try printJSON(report) }
        print(
            "\(report.scannedBlobs) blobs, \(report.referencedBlobs) referenced, "
                + "\(report.unreferencedBlobs) unreferenced (\(report.unreferencedBytes) bytes), "
                + "\(report.youngUnreferencedBlobs) unreferenced within the grace period")
        if dryRun {
            for hash in report.candidates { print("would remove \(hash)") }
        } else {
            print(
                "removed \(report.reclaimedBlobs) blobs, \(report.incompleteWritesRemoved) interrupted writes; "
                    + "restored \(report.restoredBlobs); pruned \(report.eventsPruned) events; "
                    + "removed \(report.staleLookupEntriesRemoved) stale catalog lookup entries")
        }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check that every catalog row's blob exists, and list blobs without rows.",
        discussion: """
            Examples:
              derive check
              derive check --repair --json
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Delete derivative rows whose blob is missing (they render again on demand).") var repair = false
    @Flag(help: "Print the report as JSON.") var json = false

    func run() async throws {
        let report: ConsistencyReport
        do { report = try await global.withDerive { try await $0.checkConsistency(repair: repair) } } catch {
            throw fail(error)
        }
        if json {
            try printJSON(report)
        } else {
            print(
                "\(report.referencedBlobs) referenced blobs, \(report.storedBlobs) stored; "
                    + "\(report.missingBlobs.count) missing, \(report.orphanBlobs.count) without rows (gc removes them)"
                    + (repair ? "; \(report.repairedDerivatives) derivative rows repaired" : ""))
            for missing in report.missingBlobs {
                print("missing \(missing.hash): \((missing.resources + missing.derivatives).joined(separator: " "))")
            }
        }
        if !report.isConsistent { throw ExitCode(1) }
    }
}
