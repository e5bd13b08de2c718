import Derive
import Foundation
import Testing

/// The everyday CLI gaps of issue 13: `upload --folder`, `config`, `explain` with named
/// transformations, an example in every command's help.
@Suite struct EverydayCLITests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("derive-everyday-\(UUID().uuidString)")

    /// Runs the binary with extra environment variables, in `root` as the working directory.
    func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> CLI.Result {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        return try await CLI.run(arguments, in: root, environment: environment)
    }

    @Test func uploadFolderKeepsGoingPastABadFileAndReportsIt() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let folder = root.appendingPathComponent("in/sub")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let files = FileManager.default
        try files.copyItem(atPath: CLI.image("photo_coffee.png"), toPath: root.appendingPathComponent("in/a.png").path)
        try files.copyItem(atPath: CLI.image("tiny_1x1.gif"), toPath: folder.appendingPathComponent("b.gif").path)
        try files.copyItem(
            atPath: CLI.image("broken_not_an_image.jpg"), toPath: folder.appendingPathComponent("bad.jpg").path)
        try files.copyItem(atPath: CLI.image("tiny_1x1.png"), toPath: folder.appendingPathComponent(".hidden.png").path)
        let data = root.appendingPathComponent("data").path
        let upload = try await run([
            "upload", "--folder", root.appendingPathComponent("in").path, "--prefix", "f/", "--json", "--data", data,
        ])
        #expect(upload.status == 1)
        let ids = upload.stdout.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["public_id"] as? String
        }
        #expect(ids == ["f/a", "f/sub/b"])
        #expect(
            upload.stderr.contains("uploaded 2 of 3 files") && upload.stderr.contains("failed: ")
                && upload.stderr.contains("bad.jpg"))
        let list = try await run(["list", "--prefix", "f/", "--data", data])
        #expect(list.stdout.split(separator: "\n").count == 2)
    }

    @Test func configPrintsTheEffectiveSettingsWithSecretsMasked() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let config = try await run(
            ["config", "--json", "--data", root.appendingPathComponent("d").path],
            environment: [
                "DERIVE_API_KEYS": "k1:topsecret", "DERIVE_API_SECRET": "alsosecret", "DERIVE_RENDER_THREADS": "3",
            ])
        #expect(config.status == 0, "\(config.stderr)")
        #expect(!config.stdout.contains("topsecret") && !config.stdout.contains("alsosecret"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(config.stdout.utf8)) as? [String: String])
        #expect(object["render-threads"] == "3" && object["api-keys"]?.contains("k1:****") == true)
        #expect(object["renderer"] == Derive.rendererFingerprint)
    }

    @Test func explainExpandsNamedTransformationsFromTheCatalogOrNotesItDidNot() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data").path
        let created = try await run(["transformation", "create", "thumb", "c_fill,w_50,h_50", "--data", data])
        #expect(created.status == 0, "\(created.stderr)")
        let expanded = try await run(["explain", "t_thumb/e_sepia", "--data", data])
        #expect(expanded.status == 0 && expanded.stdout.contains("canonical:  t_thumb/e_sepia"))
        #expect(expanded.stdout.contains("t_thumb = c_fill,h_50,w_50") && !expanded.stderr.contains("note"))
        let unknown = try await run(["explain", "t_nope", "--data", data])
        #expect(unknown.status == 2 && unknown.stderr.contains("unknown named transformation"))
        // No catalog anywhere (the working directory has no derive-data): canonical form plus a note.
        let bare = try await run(
            ["explain", "t_thumb/w_10"], environment: ["DERIVE_DATA": root.appendingPathComponent("none").path])
        #expect(bare.status == 0, "\(bare.stderr)")
        #expect(bare.stdout.contains("canonical:") && bare.stdout.contains("t_thumb"))
        #expect(bare.stderr.contains("not expanded"))
        // $DERIVE_DATA finds the catalog.
        let viaEnvironment = try await run(["explain", "t_thumb"], environment: ["DERIVE_DATA": data])
        #expect(viaEnvironment.stdout.contains("t_thumb = c_fill,h_50,w_50"))
    }

    @Test func everyCommandsHelpHasAnExampleAndCompletionScriptsAreGenerated() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let commands = [
            "serve", "upload", "show", "delete", "render", "explain", "list", "tag", "transformation", "events", "gc",
            "check", "regenerate", "config",
        ]
        for command in commands {
            let help = try await run(["help", command])
            #expect(help.status == 0 && help.stdout.contains("Examples:"), "\(command)")
        }
        for shell in ["bash", "zsh", "fish"] {
            let script = try await run(["--generate-completion-script", shell])
            #expect(script.status == 0 && script.stdout.contains("regenerate"), "\(shell)")
        }
    }
}
