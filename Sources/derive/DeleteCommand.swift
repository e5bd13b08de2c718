import ArgumentParser
import Derive
import DeriveStore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct Delete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Delete originals with every derivative and every blob nothing else references.",
        discussion: """
            By id:      derive delete ID... [--keep-original] [--transformations T]
            In bulk:    derive delete --prefix P | --tag T | --all   (1000 originals per transaction,
                        continuing with the cursor until done; --one-batch stops after one)
            Derived:    derive delete --derived DERIVED_ID...
            Each transaction also records `delete`/`derived.deleted` and `invalidate` events.
            A bulk delete asks for confirmation when run on a terminal, unless --yes.

            Examples:
              derive delete shop/coffee shop/tea
              derive delete --prefix old/ --yes
              derive delete --tag summer --keep-original --transformations 'c_fill,w_100,h_100/jpg'
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Public ids (or derived ids with --derived).") var ids: [String] = []
    @Option(help: "Delete every original whose public id starts with this prefix.") var prefix: String?
    @Option(help: "Delete every original with this tag.") var tag: String?
    @Flag(help: "Delete every original of the delivery type.") var all = false
    @Flag(help: "The ids are derived resource ids: delete those derivatives only.") var derived = false
    @Flag(name: .customLong("keep-original"), help: "Delete only derivatives, keep the originals.")
    var keepOriginal = false
    @Option(help: "Delete only these derivatives (eager syntax, `|`-separated, e.g. c_fill,w_100/jpg).")
    var transformations: String?
    @Option(help: "Delivery type (default: upload; for --tag, every type).") var type: String?
    @Option(name: .customLong("resource-type"), help: "Resource type.") var resourceType = "image"
    @Flag(help: "Mark the invalidation events as requested (Cloudinary's invalidate=true).") var invalidate = false
    @Option(help: "Continue a bulk delete from this cursor.") var cursor: String?
    @Flag(name: .customLong("one-batch"), help: "Bulk: stop after one batch and print the cursor.")
    var oneBatch = false
    @Flag(help: "Print JSON: one object per id, or Cloudinary's response body per bulk batch.") var json = false
    @Flag(help: "Bulk deletes: do not ask for confirmation on a terminal.") var yes = false

    /// On a terminal, asks before a bulk delete; false when the answer is not yes.
    func confirmBulk() -> Bool {
        guard !yes, isatty(STDIN_FILENO) == 1 else { return true }
        let what =
            prefix.map { "every original whose public id starts with \"\($0)\"" }
            ?? tag.map { "every original tagged \"\($0)\"" } ?? "every original"
        let scope = keepOriginal || transformations != nil ? " (derivatives only)" : " and all their derivatives"
        FileHandle.standardError.write(Data("Delete \(what)\(scope)? [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        return answer == "y" || answer == "yes"
    }

    func run() async throws {
        let modes = [!ids.isEmpty && !derived, prefix != nil, tag != nil, all, derived].filter { $0 }.count
        guard modes == 1 else {
            throw fail(ValidationError("give ids, --derived ids, --prefix, --tag or --all (exactly one)"))
        }
        if prefix != nil || tag != nil || all, !confirmBulk() {
            FileHandle.standardError.write(Data("nothing deleted\n".utf8))
            throw ExitCode(1)
        }
        var options = DeleteOptions(
            resourceType: resourceType, type: tag != nil ? type : (type ?? "upload"), keepOriginal: keepOriginal,
            transformations: transformations.map { [$0] }, invalidate: invalidate, cursor: cursor)
        var missing = 0
        do {
            try await global.withDerive { derive in
                if derived {
                    for start in stride(from: 0, to: ids.count, by: DeleteOptions.maxPublicIDs) {
                        let chunk = Array(ids[start..<min(start + DeleteOptions.maxPublicIDs, ids.count)])
                        let statuses = try await derive.deleteDerivedResources(ids: chunk, invalidate: invalidate)
                        missing += statuses.values.filter { $0 == .notFound }.count
                        if json {
                            try printJSON(["deleted": statuses.mapValues(\.rawValue)])
                        } else {
                            for id in chunk { print("\(statuses[id]?.rawValue ?? "not_found") \(id)") }
                        }
                    }
                    return
                }
                if !ids.isEmpty {
                    for start in stride(from: 0, to: ids.count, by: DeleteOptions.maxPublicIDs) {
                        let chunk = Array(ids[start..<min(start + DeleteOptions.maxPublicIDs, ids.count)])
                        let result = try await derive.deleteResources(publicIDs: chunk, options: options)
                        missing += result.outcomes.filter { $0.status == .notFound }.count
                        try report(result)
                    }
                    return
                }
                let selection: ResourceSelection = prefix.map { .prefix($0) } ?? tag.map { .tag($0) } ?? .all
                var totals = (originals: 0, derived: 0, batches: 0)
                repeat {
                    let result = try await derive.deleteResources(matching: selection, options: options)
                    totals.originals += result.originalsDeleted
                    totals.derived += result.derivedDeleted
                    totals.batches += 1
                    if json { print(result.json) }
                    options.cursor = result.nextCursor
                } while options.cursor != nil && !oneBatch
                if !json {
                    print(
                        "deleted \(totals.originals) originals and \(totals.derived) derived images "
                            + "in \(totals.batches) transaction\(totals.batches == 1 ? "" : "s")")
                    if let next = options.cursor { print("next cursor: \(next)") }
                }
            }
        } catch { throw fail(error) }
        if missing > 0 { throw ExitCode(1) }
    }

    private func report(_ result: DeleteResult) throws {
        for outcome in result.outcomes {
            if json {
                try printJSON(
                    DeleteJSON(
                        public_id: outcome.key.publicID, result: outcome.status.rawValue, original: outcome.originals,
                        derived: outcome.derived))
                continue
            }
            let id = outcome.key.publicID
            switch outcome.status {
            case .notFound: print("not found: \(id)")
            case .deleted where outcome.originals == 0:
                print("deleted \(outcome.derived) derived images of \(id)")
            case .deleted: print("deleted \(id) and \(outcome.derived) derived images")
            }
        }
    }
}

struct DeleteJSON: Encodable {
    var public_id: String
    var result: String
    var original: Int
    var derived: Int
}
