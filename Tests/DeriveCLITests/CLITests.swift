import Derive
import DeriveRender
import Foundation
import Testing

/// Runs the real `derive` binary (built next to this test bundle) as a child process.
struct CLI {
    static let binary: URL = {
        let bundle = URL(
            fileURLWithPath: CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0])
        return bundle.deletingLastPathComponent().appendingPathComponent("derive")
    }()

    static func image(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TestImages/\(name)").path
    }

    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary on a dispatch thread: waiting for a child process must not block one of
    /// Swift's cooperative threads (two on a 2-core machine), or every other test in the process
    /// stalls meanwhile.
    /// `directory` is the working directory; `environment` is added to this process' own.
    static func run(_ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:])
        async throws -> Result
    {
        try await onOwnThread { try runWaiting(arguments, in: directory, environment: environment) }
    }

    private static func runWaiting(_ arguments: [String], in directory: URL?, environment: [String: String])
        throws -> Result
    {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        // A user's DERIVE_DATA must not reach the tests' commands.
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            .filter { $0.key != "DERIVE_DATA" || environment[$0.key] != nil }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

@Suite struct CLITests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("derive-cli-\(UUID().uuidString)")

    @Test func uploadShowDeleteLeavesNoDerivativesAndNoOrphanBlobs() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        let upload = try await CLI.run([
            "upload", CLI.image("photo_coffee.png"), "--public-id", "shop/coffee", "--json", "--data", data.path,
        ])
        #expect(upload.status == 0, "\(upload.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(upload.stdout.utf8)) as? [String: Any])
        #expect(json["public_id"] as? String == "shop/coffee")
        #expect(json["width"] as? Int == 600 && json["height"] as? Int == 400)
        #expect(json["format"] as? String == "png" && json["bytes"] as? Int == 466_706)
        #expect((json["version"] as? Int ?? 0) > 1_700_000_000)

        // Make derivatives through the library on the same data directory.
        let derive = try await Derive.open(Configuration(dataDirectory: data))
        _ = try await derive.render(publicID: "shop/coffee", transformation: "c_fill,w_30,h_20", format: "jpg")
        _ = try await derive.render(publicID: "shop/coffee", transformation: "w_50", format: "webp")
        await derive.shutdown()

        let show = try await CLI.run(["show", "shop/coffee", "--json", "--data", data.path])
        let details = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
        let derived = try #require(details["derived"] as? [[String: Any]])
        #expect(Set(derived.compactMap { $0["transformation"] as? String }) == ["c_fill,h_20,w_30", "w_50"])
        #expect(derived.allSatisfy { ($0["id"] as? String)?.count == 32 })

        let delete = try await CLI.run(["delete", "shop/coffee", "--data", data.path])
        #expect(delete.status == 0, "\(delete.stderr)")
        let missing = try await CLI.run(["show", "shop/coffee", "--json", "--data", data.path])
        #expect(missing.status == 2)
        let blobs =
            FileManager.default.enumerator(atPath: data.appendingPathComponent("blobs").path)?
            .allObjects.compactMap { $0 as? String }.filter { $0.split(separator: "/").count == 3 } ?? []
        #expect(blobs.isEmpty)
        let reopened = try await Derive.open(Configuration(dataDirectory: data))
        #expect(try await reopened.resource(publicID: "shop/coffee") == nil)
        await reopened.shutdown()
    }

    @Test func renderWritesTheRequestedFormatAndSize() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "derive-render-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("thumb.webp").path
        let result = try await CLI.run([
            "render", CLI.image("photo_12mp.jpg"), "-t", "c_fill,w_300,h_200", "-o", output,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try ImageInfo.probe([UInt8](try #require(FileManager.default.contents(atPath: output))))
        #expect(info.format == .webp && info.width == 300 && info.height == 200)
        let auto = directory.appendingPathComponent("auto").path
        #expect(
            try await CLI.run([
                "render", CLI.image("photo_coffee.png"), "-t", "w_40,f_auto", "-o", auto, "--accept", "image/avif",
            ]).status == 0)
        #expect(try ImageInfo.probe([UInt8](FileManager.default.contents(atPath: auto)!)).format == .avif)
    }

    @Test func avifInputIsReadInAFreshProcess() async throws {
        // The HEIF module is loaded on first use; a new process must still recognise AVIF input.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "derive-avif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let avif = directory.appendingPathComponent("in.avif").path
        let written = try await CLI.run(["render", CLI.image("photo_coffee.png"), "-t", "w_120", "-o", avif])
        #expect(written.status == 0, "writing AVIF: status \(written.status), \(written.stderr)")
        let png = directory.appendingPathComponent("out.png").path
        let result = try await CLI.run(["render", avif, "-t", "w_60", "-o", png])
        #expect(result.status == 0, "\(result.stderr)")
        let info = try ImageInfo.probe([UInt8](try #require(FileManager.default.contents(atPath: png))))
        #expect(info.format == .png && info.width == 60)
    }

    @Test(arguments: [
        (["-t", "c_fil,w_10"], "did you mean \"fill\""),
        (["-t", "w_10", "--corrupt"], "corrupt or truncated"),
        (["-t", "w_10", "--bomb"], "over the limit of 50000000 pixels"),
    ])
    func renderRefusesBadInputWithExitCode2(flags: [String], message: String) async throws {
        var input = CLI.image("photo_coffee.png")
        var arguments = flags
        if let index = arguments.firstIndex(of: "--corrupt") {
            input = CLI.image("broken_truncated_half.jpg")
            arguments.remove(at: index)
        }
        if let index = arguments.firstIndex(of: "--bomb") {
            input = CLI.image("bomb_50000x50000_1bit_valid.png")
            arguments.remove(at: index)
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("derive-\(UUID().uuidString).jpg")
            .path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let result = try await CLI.run(["render", input, "-o", output] + arguments)
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}

@Suite struct ExplainCommandTests {
    @Test func transformationJSONHasTheCanonicalFormAndComponents() async throws {
        let result = try await CLI.run(["explain", "w_300,c_fill,h_200/e_sepia:50", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["canonical"] as? String == "c_fill,h_200,w_300/e_sepia:50")
        #expect((json["components"] as? [Any])?.count == 2)
    }

    @Test func deliveryURLJSONNamesTheAsset() async throws {
        let result = try await CLI.run([
            "explain", "http://127.0.0.1:8080/demo/image/upload/c_scale,w_100/v1712/folder/sample.webp", "--json",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(json["public_id"] as? String == "folder/sample")
        #expect(json["version"] as? Int == 1712)
        #expect(json["format"] as? String == "webp")
        #expect(json["type"] as? String == "upload" && json["resource_type"] as? String == "image")
        #expect(json["canonical"] as? String == "c_scale,w_100")
    }

    @Test func invalidInputExitsWith2AndSaysWhy() async throws {
        let result = try await CLI.run(["explain", "wd_300"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("did you mean \"w\""), "\(result.stderr)")
    }
}

/// Runs blocking work (waiting for a child process) on a thread of its own. Not on Dispatch's
/// global queues either: on Linux their width is the number of cores, and blocking them held up
/// the other tests running in parallel.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Swift.Result { try body() }) }.start()
    }
}
