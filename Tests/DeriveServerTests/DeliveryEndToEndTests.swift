import Derive
import DeriveServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Starts the real server on an ephemeral loopback port and talks HTTP to it.
@Suite struct DeliveryEndToEndTests {
    static func image(_ name: String) -> [UInt8] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("TestImages")
        return [UInt8](FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)!)
    }

    func withServer(_ body: @escaping @Sendable (Derive, any TestClientProtocol, URL) async throws -> Void) async throws
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("derive-e2e-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let derive = try await Derive.open(Configuration(dataDirectory: directory))
        let app = DeriveHTTPServer.makeApplication(derive: derive, host: "127.0.0.1", port: 0)
        try await app.test(.live) { client in try await body(derive, client, directory) }
        await derive.shutdown()
    }

    @Test func uploadFetchTwiceDeleteThen404() async throws {
        try await withServer { derive, client, directory in
            try await client.execute(uri: "/health", method: .get) { response in #expect(response.status == .ok) }
            try await derive.upload(Self.image("photo_12mp.jpg"), publicID: "samples/kleiber")

            let path = "/demo/image/upload/c_fill,w_300,h_200/v1/samples/kleiber.jpg"
            let first = try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/jpeg")
                #expect(response.headers[HTTPField.Name("X-Derive-Cache")!] == "miss")
                return (response.headers[.eTag], Array(buffer: response.body))
            }
            let info = try DeriveRenderProbe.size(first.1)
            #expect(info == (300, 200))
            let second = try await client.execute(uri: path, method: .get) { response in
                #expect(response.headers[HTTPField.Name("X-Derive-Cache")!] == "hit")
                return (response.headers[.eTag], Array(buffer: response.body))
            }
            #expect(second.0 == first.0 && second.1 == first.1)
            #expect(derive.renderCount == 1)
            try await client.execute(uri: path, method: .get, headers: [.ifNoneMatch: first.0 ?? ""]) { response in
                #expect(response.status == .notModified)
            }

            try await derive.delete(publicID: "samples/kleiber")
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .notFound)
                let body =
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: String]]
                #expect(body?["error"]?["message"] == "resource not found: samples/kleiber")
            }
            #expect(try await derive.resource(publicID: "samples/kleiber") == nil)
            let blobs = FileManager.default.enumerator(atPath: directory.appendingPathComponent("blobs").path)?
                .allObjects.compactMap { $0 as? String }.filter { $0.split(separator: "/").count == 3 }
            #expect(blobs == [])
        }
    }

    @Test func badTransformationIs400WithAJSONMessage() async throws {
        try await withServer { derive, client, _ in
            try await derive.upload(Self.image("photo_coffee.png"), publicID: "coffee")
            try await client.execute(uri: "/demo/image/upload/c_fil,w_300/coffee.jpg", method: .get) { response in
                #expect(response.status == .badRequest)
                let body =
                    try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: String]]
                let message = try #require(body?["error"]?["message"])
                #expect(message.contains("fil"))
            }
            try await client.execute(uri: "/demo/image/upload/w_100/missing.jpg", method: .get) { response in
                #expect(response.status == .notFound)
            }
            // The server keeps serving after errors.
            try await client.execute(uri: "/demo/image/upload/w_100/coffee.webp", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "image/webp")
            }
        }
    }
}
