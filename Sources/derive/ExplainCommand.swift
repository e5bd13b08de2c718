import ArgumentParser
import Derive
import DeriveTransform
import Foundation

/// `derive explain`: how Derive reads a transformation or a delivery URL.
struct Explain: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the canonical form and the typed parameters of a transformation or delivery URL.",
        discussion: """
            Named transformations (t_<name>) are expanded from the catalog of the data folder (--data,
            $DERIVE_DATA, else ./derive-data when it holds a catalog). Without one, the canonical form is
            still printed (a named transformation stays t_<name> in keys) with a note that it was not expanded.

            Examples:
              derive explain 'c_fill,w_300,h_200/e_sepia'
              derive explain 't_thumb' --data ./derive-data
              derive explain https://img.example.com/demo/image/upload/w_400/sample.jpg --json
            """)

    @Argument(help: "A transformation (c_fill,w_300/e_sepia) or a delivery URL or path.") var input: String
    @Option(help: "Cloud name expected in URLs (default: $DERIVE_CLOUD_NAME, else demo).") var cloud: String?
    @Option(
        help: "Data folder whose catalog defines named transformations (default: $DERIVE_DATA, else ./derive-data).")
    var data: String?
    @ArgumentParser.Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let cloudName = cloud ?? ProcessInfo.processInfo.environment["DERIVE_CLOUD_NAME"] ?? "demo"
        var definitions: [String: String]?
        if input.contains("t_") {
            do { definitions = try await namedDefinitions() } catch { throw fail(error) }
        }
        // Without a catalog every name is accepted with an empty definition: the canonical form
        // (which keeps `t_<name>`) is still right, the expansion is not shown.
        let named: (String) -> String? = { name in definitions.map { $0[name] } ?? "" }
        do {
            if let path = Self.urlPath(input) {
                let url = try DeliveryURL(path: path, cloudName: cloudName, named: named)
                if json { return print(url.explanationJSON) }
                print("canonical:  \(url.transformation.canonical.isEmpty ? "(none)" : url.transformation.canonical)")
                print("public id:  \(url.publicID)")
                print("type:       \(url.resourceType)/\(url.type)")
                print("format:     \(url.format ?? "(original)")")
                print("version:    \(url.version.map(String.init) ?? "(none)")")
                Self.printComponents(url.transformation)
            } else {
                let transformation = try Transformation(parsing: input, named: named)
                if json { return print(transformation.explanationJSON) }
                print("canonical:  \(transformation.canonical)")
                Self.printComponents(transformation)
            }
        } catch {
            throw fail(error)
        }
        if let definitions, !json {
            for name in definitions.keys.sorted() { print("t_\(name) = \(definitions[name] ?? "")") }
        }
        if definitions == nil && input.contains("t_") {
            FileHandle.standardError.write(
                Data(
                    "note: named transformations were not expanded: no catalog found (--data, $DERIVE_DATA, ./derive-data)\n"
                        .utf8))
        }
    }

    /// The definitions the input's `t_` names use, from the data folder's catalog; nil without one.
    func namedDefinitions() async throws -> [String: String]? {
        let folder = data ?? ProcessInfo.processInfo.environment["DERIVE_DATA"] ?? "derive-data"
        let directory = URL(fileURLWithPath: folder)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("catalog.sqlite").path) else {
            if data != nil { throw ValidationError("no catalog in \(folder)") }
            return nil
        }
        var configuration = Configuration(dataDirectory: directory)
        configuration.lifecycle.deliverWebhooks = false
        configuration.lifecycle.gcInterval = nil
        let derive = try await Derive.open(configuration)
        do {
            let definitions = try await derive.namedDefinitions(for: input)
            await derive.shutdown()
            return definitions
        } catch {
            await derive.shutdown()
            throw error
        }
    }

    /// A URL or an absolute path is a delivery URL; anything else is a transformation.
    static func urlPath(_ text: String) -> String? {
        if text.hasPrefix("/") { return text }
        guard text.hasPrefix("http://") || text.hasPrefix("https://") else { return nil }
        guard let components = URLComponents(string: text) else { return nil }
        return components.percentEncodedPath
    }

    static func printComponents(_ transformation: Transformation) {
        for (index, component) in transformation.components.enumerated() {
            print("component \(index + 1):")
            for parameter in component.parameters {
                print(
                    "  \(parameter.key.padding(toLength: 4, withPad: " ", startingAt: 0)) \(parameter.kind): \(parameter.valueText)"
                )
            }
        }
    }
}
