import ArgumentParser
import DeriveTransform
import Foundation

/// `derive explain`: how Derive reads a transformation or a delivery URL.
struct Explain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the canonical form and the typed parameters of a transformation or delivery URL.")

    @Argument(help: "A transformation (c_fill,w_300/e_sepia) or a delivery URL or path.") var input: String
    @Option(help: "Cloud name expected in URLs (default: $DERIVE_CLOUD_NAME, else demo).") var cloud: String?
    @ArgumentParser.Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        let cloudName = cloud ?? ProcessInfo.processInfo.environment["DERIVE_CLOUD_NAME"] ?? "demo"
        do {
            if let path = Self.urlPath(input) {
                let url = try DeliveryURL(path: path, cloudName: cloudName)
                if json { return print(url.explanationJSON) }
                print("canonical:  \(url.transformation.canonical.isEmpty ? "(none)" : url.transformation.canonical)")
                print("public id:  \(url.publicID)")
                print("type:       \(url.resourceType)/\(url.type)")
                print("format:     \(url.format ?? "(original)")")
                print("version:    \(url.version.map(String.init) ?? "(none)")")
                Self.printComponents(url.transformation)
            } else {
                let transformation = try Transformation(parsing: input)
                if json { return print(transformation.explanationJSON) }
                print("canonical:  \(transformation.canonical)")
                Self.printComponents(transformation)
            }
        } catch {
            throw fail(error)
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
