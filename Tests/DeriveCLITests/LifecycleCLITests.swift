import Derive
import DeriveStore
import Foundation
import Testing

/// `derive list`, `tag`, `transformation`, `delete --prefix`, `events --json`, `gc` and `check`
/// on a real data directory.
@Suite struct LifecycleCLITests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("derive-cli-lc-\(UUID().uuidString)")

    func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> CLI.Result {
        let result = try await CLI.run(arguments + ["--data", data.path])
        #expect(result.status == 0, "\(arguments): \(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    @Test func theLifecycleCommandsWorkTogether() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        for id in ["shop/a", "shop/b", "other"] {
            _ = try await run(["upload", CLI.image("photo_chelsea.png"), "--public-id", id, "--tags", "cats"])
        }
        let derive = try await Derive.open(Configuration(dataDirectory: data))
        _ = try await derive.render(publicID: "shop/a", transformation: "w_20", format: "jpg")
        await derive.shutdown()

        let list = try await run(["list", "--prefix", "shop/", "--json"])
        let listed = list.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(listed.map { $0["public_id"] as? String } == ["shop/a", "shop/b"])
        #expect(listed.allSatisfy { $0["tags"] as? [String] == ["cats"] })
        let paged = try await run(["list", "--max-results", "1"])
        #expect(paged.stdout.split(separator: "\n").count == 1 && paged.stderr.contains("next cursor: "))

        _ = try await run(["tag", "add", "sale", "shop/b"])
        #expect(try await run(["list", "--tag", "sale"]).stdout.contains("upload/shop/b"))
        _ = try await run(["transformation", "create", "thumb", "c_fill,w_10,h_10"])
        #expect(try await run(["transformation", "list"]).stdout == "t_thumb = c_fill,h_10,w_10\n")

        let delete = try await run(["delete", "--prefix", "shop/"])
        #expect(delete.stdout.contains("deleted 2 originals and 1 derived images in 1 transaction"))

        let events = try await run(["events", "--json"]).stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(events.map { $0["seq"] as? Int } == Array(1...8).map { Optional($0) })
        #expect(
            events.map { $0["kind"] as? String } == [
                "upload", "upload", "upload", "derived.created", "delete", "invalidate", "delete", "invalidate",
            ])
        try #require(events.count > 5)
        let invalidate = events[5]
        #expect(invalidate["public_id"] as? String == "shop/a" && (invalidate["version"] as? Int ?? 0) > 0)
        #expect(
            Set(invalidate["urls"] as? [String] ?? []) == [
                "/demo/image/upload/v1/shop/a.png", "/demo/image/upload/v1/shop/a",
                "/demo/image/upload/w_20/v1/shop/a.jpg",
            ])
        #expect(try await run(["events", "--since", "7"]).stdout.split(separator: "\n").count == 1)

        let gc = try await run(["gc", "--dry-run", "--json"])
        #expect(gc.stdout.contains(#""dryRun":true"#))
        #expect(try await run(["check"]).stdout.contains("0 missing"))
    }

    @Test func serveCollectsGarbageInTheBackground() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        _ = try await run(["upload", CLI.image("photo_chelsea.png"), "--public-id", "kept"])
        // An orphan an hour and a half old, as a crash between a blob write and its row leaves.
        let bytes = Data("orphan".utf8)
        let hash = ContentHash.sha256Hex(Array(bytes))
        let folder = data.appendingPathComponent("blobs/\(hash.prefix(2))/\(hash.dropFirst(2).prefix(2))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let orphan = folder.appendingPathComponent(hash)
        try bytes.write(to: orphan)
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-5_400)], ofItemAtPath: orphan.path)

        let server = Process()
        server.executableURL = CLI.binary
        server.arguments = ["serve", "--port", "0", "--gc-interval", "1", "--data", data.path]
        server.standardOutput = FileHandle.nullDevice
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(20)
        while FileManager.default.fileExists(atPath: orphan.path), Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(!FileManager.default.fileExists(atPath: orphan.path), "the server never collected the orphan")
        #expect(try await run(["check"]).stdout.contains("0 missing"))
    }
}
