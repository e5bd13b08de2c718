import ArgumentParser
import Derive
import Foundation

@main
struct DeriveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "derive",
        abstract: "Self-hosted image derivation: upload originals, serve derived images, delete with cascade.",
        subcommands: [
            Serve.self, Upload.self, Show.self, Delete.self, Render.self, Explain.self, List.self, Tag.self,
            NamedTransformations.self, Events.self, GC.self, Check.self, Regenerate.self, Config.self,
        ]
    )
}

/// Options every command shares.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Data directory (catalog and blobs). Default: $DERIVE_DATA, else ./derive-data.")
    var data: String?
    @Option(
        name: .long,
        help:
            "A JSON configuration file (README, Configuration). Default: $DERIVE_CONFIG. The environment overrides it.")
    var config: String?

    /// The configuration: the file (`--config`, `DERIVE_CONFIG`) under the environment under flags.
    var configuration: Configuration {
        get throws {
            if let file = config ?? ProcessInfo.processInfo.environment["DERIVE_CONFIG"] {
                try ConfigFile.apply(file: file)
            }
            var configuration = Configuration.fromEnvironment()
            if let data { configuration.dataDirectory = URL(fileURLWithPath: data) }
            return configuration
        }
    }

    /// Opens the store, runs `body`, and always shuts the render threads down. One-shot commands
    /// leave webhook delivery to the server (`derive serve`), which reads the events they write.
    func withDerive<T>(
        adjusting adjust: (inout Configuration) -> Void = { _ in }, _ body: (Derive) async throws -> T
    ) async throws -> T {
        var configuration = try self.configuration
        adjust(&configuration)
        configuration.lifecycle.deliverWebhooks = false
        configuration.lifecycle.gcInterval = nil  // and background collection
        let derive = try await Derive.open(configuration)
        do {
            let result = try await body(derive)
            await derive.shutdown()
            return result
        } catch {
            await derive.shutdown()
            throw error
        }
    }
}

/// Prints `error` and exits with status 2: the input was wrong, nothing was changed.
func fail(_ error: any Error) -> ExitCode {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    return ExitCode(2)
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
