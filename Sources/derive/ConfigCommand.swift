import ArgumentParser
import Derive
import Foundation

/// `derive config`: the configuration a command would run with (defaults < file < environment <
/// flags), secrets masked.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the effective configuration (secrets masked) and the renderer fingerprint.",
        discussion: """
            The values every command uses: defaults, then the --config / $DERIVE_CONFIG file, then
            DERIVE_* environment variables, then --data. API secrets and the notification secret print as ****.

            Examples:
              derive config
              DERIVE_RENDER_THREADS=4 derive config --data /srv/derive --json
            """)

    @OptionGroup var global: GlobalOptions
    @Flag(help: "Print one JSON object (setting → value).") var json = false

    func run() async throws {
        let configuration: Configuration
        do { configuration = try global.configuration } catch { throw fail(error) }
        var settings: [(String, String)] = []
        // The start-up summary: `key=value` separated by spaces (values never contain "key=").
        var current: (String, String)?
        for token in configuration.summary.split(separator: " ") {
            if let equals = token.firstIndex(of: "="), !token[..<equals].isEmpty,
                token[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            {
                if let current { settings.append(current) }
                current = (String(token[..<equals]), String(token[token.index(after: equals)...]))
            } else if current != nil {
                current!.1 += " " + token
            }
        }
        if let current { settings.append(current) }
        settings.append(("renderer", Derive.rendererFingerprint))
        if json {
            try printJSON(Dictionary(settings, uniquingKeysWith: { _, last in last }))
        } else {
            let width = settings.map(\.0.count).max() ?? 0
            for (key, value) in settings {
                print(key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value)
            }
        }
    }
}
