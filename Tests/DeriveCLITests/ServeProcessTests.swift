import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `derive serve` as a real process: the access log and `/metrics`.
@Suite struct ServeProcessTests {
    let data = FileManager.default.temporaryDirectory.appendingPathComponent("derive-serve-\(UUID().uuidString)")

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func get(_ url: String) async throws -> (Int, [AnyHashable: Any], Data) {
        let (body, response) = try await URLSession.shared.data(from: URL(string: url)!)
        let http = response as! HTTPURLResponse
        return (http.statusCode, http.allHeaderFields, body)
    }

    @Test func everyRequestIsOneAccessLogLineAndMetricsAreServed() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        let upload = try await CLI.run([
            "upload", CLI.image("photo_coffee.png"), "--public-id", "item", "--data", data.path,
        ])
        #expect(upload.status == 0)
        let port = Self.freePort()
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["serve", "--data", data.path, "--port", String(port), "--gc-interval", "0"]
        let log = data.appendingPathComponent("serve.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        do {
            try await exercise(port: port, log: log)
        } catch {
            await Self.stop(process)
            throw error
        }
        await Self.stop(process)
    }

    /// Stops the server and waits for it on a dispatch thread: waiting must not block one of the
    /// cooperative threads that every other test in this process shares.
    static func stop(_ process: Process) async {
        _ = try? await onOwnThread {
            process.terminate()
            process.waitUntilExit()
        }
    }

    private func exercise(port: Int, log: URL) async throws {
        let base = "http://127.0.0.1:\(port)"
        var up = false
        for _ in 0..<100 where !up {
            up = (try? await Self.get(base + "/health").0) == 200
            if !up { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(up, "derive serve answered /health")
        let (status, headers, _) = try await Self.get(base + "/demo/image/upload/w_30/item.jpg")
        #expect(status == 200)
        let id = try #require(headers["X-Request-Id"] as? String ?? headers["x-request-id"] as? String)
        let (metricsStatus, _, metrics) = try await Self.get(base + "/metrics")
        #expect(metricsStatus == 200)
        #expect(
            String(decoding: metrics, as: UTF8.self).contains(
                #"derive_http_requests_total{route="delivery",status="200"} 1"#))
        try await Task.sleep(for: .milliseconds(300))
        let lines = try String(contentsOf: log, encoding: .utf8).split(separator: "\n")
        let entry = try #require(lines.first { $0.contains("\"id\":\"\(id)\"") }, "\(lines)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(entry.utf8)) as? [String: Any])
        #expect(object["path"] as? String == "/demo/image/upload/w_30/item.jpg")
        #expect(object["status"] as? Int == 200 && object["cache"] as? String == "miss")
        #expect((object["bytes"] as? Int ?? 0) > 0 && object["ms"] != nil)
    }

    @Test func aConfigurationFileSetsWhatFlagsDoNot() async throws {
        defer { try? FileManager.default.removeItem(at: data) }
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        let store = data.appendingPathComponent("store")
        let file = data.appendingPathComponent("derive.json")
        try Data(#"{"data": "\#(store.path)", "cloud_name": "shop"}"#.utf8).write(to: file)
        let upload = try await CLI.run([
            "upload", CLI.image("photo_coffee.png"), "--public-id", "a", "--config", file.path,
        ])
        #expect(upload.status == 0, "\(upload.stderr)")
        #expect(FileManager.default.fileExists(atPath: store.appendingPathComponent("catalog.sqlite").path))
        let typo = data.appendingPathComponent("typo.json")
        try Data(#"{"cloud_nmae": "shop"}"#.utf8).write(to: typo)
        let refused = try await CLI.run(["list", "--config", typo.path])
        #expect(refused.status != 0 && refused.stderr.contains("cloud_nmae"))
    }
}
