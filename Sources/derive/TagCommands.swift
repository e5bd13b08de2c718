import ArgumentParser
import Derive
import DeriveStore
import Foundation

struct Tag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change or list tags.",
        discussion: """
            derive tag add TAG ID...          derive tag remove TAG ID...
            derive tag replace TAG ID...      (the ids' tags become exactly TAG)
            derive tag exclusive TAG ID...    (only these ids keep TAG)
            derive tag remove-all ID...       derive tag list [--prefix P]

            Examples:
              derive tag add summer shop/coffee shop/tea
              derive tag list --prefix sum
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "add, remove, replace, exclusive, remove-all or list.") var command: String
    @Argument(help: "The tag (comma-separated for several), then public ids.") var arguments: [String] = []
    @Option(help: "Delivery type.") var type = "upload"
    @Option(help: "With list: only tags starting with this.") var prefix: String?

    func run() async throws {
        do {
            try await global.withDerive { derive in
                if command == "list" {
                    var cursor: String?
                    repeat {
                        let page = try await derive.tags(prefix: prefix, cursor: cursor, maxResults: 500)
                        page.tags.forEach { print($0) }
                        cursor = page.nextCursor
                    } while cursor != nil
                    return
                }
                let tagCommand: TagCommand
                var ids = arguments
                var tags: [String] = []
                switch command {
                case "add": tagCommand = .add
                case "remove": tagCommand = .remove
                case "replace": tagCommand = .replace
                case "exclusive": tagCommand = .setExclusive
                case "remove-all": tagCommand = .removeAll
                default: throw ValidationError("unknown tag command \(command)")
                }
                if tagCommand != .removeAll {
                    guard !ids.isEmpty else { throw ValidationError("give a tag and public ids") }
                    tags = ids.removeFirst().split(separator: ",").map(String.init)
                }
                let changed = try await derive.updateTags(tagCommand, tags: tags, publicIDs: ids, type: type)
                print("changed \(changed.count) of \(ids.count): \(changed.joined(separator: " "))")
            }
        } catch { throw fail(error) }
    }
}

struct NamedTransformations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transformation",
        abstract: "Manage named transformations (used as t_<name>).",
        discussion: """
            derive transformation create NAME DEFINITION [--not-allowed-for-strict]
            derive transformation update NAME [--definition D] [--allowed-for-strict true|false] [--delete-derived]
            derive transformation delete NAME     (also deletes every derivative that uses it)
            derive transformation show NAME       derive transformation list

            Examples:
              derive transformation create thumb 'c_fill,w_150,h_150'
              derive transformation update thumb --definition 'c_fill,w_200,h_200' --delete-derived
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "create, update, delete, show or list.") var command: String
    @Argument(help: "The name, then (create) the definition.") var arguments: [String] = []
    @Option(help: "New definition (update).") var definition: String?
    @Option(name: .customLong("allowed-for-strict"), help: "true or false (update).") var allowedForStrict: Bool?
    @Flag(name: .customLong("not-allowed-for-strict"), help: "Create it not allowed for strict mode.")
    var notAllowedForStrict = false
    @Flag(name: .customLong("delete-derived"), help: "Update: delete derivatives rendered with the old definition.")
    var deleteDerived = false

    func run() async throws {
        do {
            try await global.withDerive { derive in
                let name = arguments.first ?? ""
                switch command {
                case "create":
                    guard arguments.count == 2 else { throw ValidationError("give NAME DEFINITION") }
                    let record = try await derive.createNamedTransformation(
                        name, definition: arguments[1], allowedForStrict: !notAllowedForStrict)
                    print("created t_\(record.name) = \(record.definition)")
                case "update":
                    let record = try await derive.updateNamedTransformation(
                        name, definition: definition, allowedForStrict: allowedForStrict, deleteDerived: deleteDerived)
                    print("updated t_\(record.name) = \(record.definition)")
                case "delete":
                    let count = try await derive.deleteNamedTransformation(name)
                    print("deleted t_\(name) and \(count) derived images")
                case "show":
                    guard let record = try await derive.namedTransformation(name) else {
                        throw DeriveError.notFound("transformation \(name)")
                    }
                    let used = try await derive.derivativeCount(usingNamed: name)
                    print(
                        "t_\(record.name) = \(record.definition) allowed_for_strict=\(record.allowedForStrict) used_by=\(used)"
                    )
                case "list":
                    var cursor: String?
                    repeat {
                        let page = try await derive.namedTransformations(after: cursor, limit: 500)
                        for record in page { print("t_\(record.name) = \(record.definition)") }
                        cursor = page.count == 500 ? page.last?.name : nil
                    } while cursor != nil
                default:
                    throw ValidationError("unknown command \(command)")
                }
            }
        } catch { throw fail(error) }
    }
}
