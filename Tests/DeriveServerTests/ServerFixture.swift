import Derive
import DeriveServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Prometheus
import Testing

/// A real server on an ephemeral loopback port over a fresh data directory.
enum ServerFixture {
    static func image(_ name: String) -> [UInt8] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TestImages")
        return [UInt8](FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)!)
    }

    /// `seed` runs first, on a `Derive` with the default configuration over the same data (to
    /// store originals that the configured limits would refuse to upload).
    static func withServer(
        configure: (inout Configuration) -> Void = { _ in }, seed: ((Derive) async throws -> Void)? = nil,
        metrics: PrometheusCollectorRegistry? = nil,
        _ body: @escaping @Sendable (Derive, any TestClientProtocol) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "derive-http-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        if let seed {
            let seeding = try await Derive.open(Configuration(dataDirectory: directory))
            do { try await seed(seeding) } catch {
                await seeding.shutdown()
                throw error
            }
            await seeding.shutdown()
        }
        var configuration = Configuration(dataDirectory: directory)
        configure(&configuration)
        let derive = try await Derive.open(configuration)
        let app = DeriveHTTPServer.makeApplication(derive: derive, host: "127.0.0.1", port: 0, metrics: metrics)
        do {
            try await app.test(.live) { client in try await body(derive, client) }
        } catch {
            await derive.shutdown()
            throw error
        }
        await derive.shutdown()
    }

    /// The `error.message` of a JSON error body.
    static func message(_ body: ByteBuffer) -> String? {
        let object = try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: [String: String]]
        return object?["error"]?["message"]
    }

    /// Requests `path` and returns status, headers and body.
    static func get(
        _ client: any TestClientProtocol, _ path: String, headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        try await client.execute(uri: path, method: .get, headers: headers) { response in
            (response.status, response.headers, response.body)
        }
    }

    static func expectHealthy(_ client: any TestClientProtocol) async throws {
        let health = try await get(client, "/health")
        #expect(health.status == .ok)
    }
}

extension HTTPField.Name {
    static let derivedCache = HTTPField.Name("X-Derive-Cache")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let cldError = HTTPField.Name("X-Cld-Error")!
    static let dpr = HTTPField.Name("DPR")!
    static let width = HTTPField.Name("Width")!
}
