import Derive
import DeriveTransform
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Requests to the Upload and Admin API as the SDKs make them.
enum API {
    static let key = "test-key"
    static let secret = "test-secret"
    static let readOnlyKey = "reader"
    static let readOnlySecret = "reader-secret"

    static func configure(_ configuration: inout Configuration) {
        configuration.api.keys = [
            .init(key: key, secret: secret), .init(key: readOnlyKey, secret: readOnlySecret, readOnly: true),
        ]
        configuration.delivery.signingSecrets = [secret]
    }

    static func basic(_ key: String = key, _ secret: String = secret) -> String {
        "Basic " + Data("\(key):\(secret)".utf8).base64EncodedString()
    }

    /// Signs upload parameters as the SDK does (v2, SHA-1) and adds `api_key`, `timestamp`, `signature`.
    static func signed(
        _ parameters: [(String, String)], timestamp: Int = Int(Date().timeIntervalSince1970), secret: String = secret
    ) -> [(String, String)] {
        let params = parameters + [("timestamp", String(timestamp))]
        // Lists travel as `k[]` but are signed as `k=v1,v2`.
        var signable: [(String, String)] = []
        for (key, value) in params {
            let base = key.hasSuffix("[]") ? String(key.dropLast(2)) : key
            if let index = signable.firstIndex(where: { $0.0 == base }) {
                signable[index].1 += "," + value
            } else {
                signable.append((base, value))
            }
        }
        let signature = Signatures.requestSignature(
            params: Signatures.signableParameters(signable), secret: secret)
        return params + [("api_key", key), ("signature", signature)]
    }

    /// A multipart/form-data body with text fields and an optional file.
    static func multipart(_ fields: [(String, String)], file: (name: String, bytes: [UInt8])? = nil)
        -> (contentType: String, body: ByteBuffer)
    {
        let boundary = "derive-test-boundary-7d2f"
        var body = ByteBuffer()
        for (name, value) in fields {
            body.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n")
        }
        if let file {
            body.writeString(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(file.name)\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n")
            body.writeBytes(file.bytes)
            body.writeString("\r\n")
        }
        body.writeString("--\(boundary)--\r\n")
        return ("multipart/form-data; boundary=\(boundary)", body)
    }

    struct Reply {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
        }
        var message: String? { (json["error"] as? [String: Any])?["message"] as? String }
    }

    static func call(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, headers: HTTPFields = [:],
        body: ByteBuffer? = nil
    ) async throws -> Reply {
        try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            Reply(status: response.status, headers: response.headers, body: response.body)
        }
    }

    static func upload(
        _ client: any TestClientProtocol, _ fields: [(String, String)], file: (name: String, bytes: [UInt8])?
    ) async throws -> Reply {
        let form = multipart(fields, file: file)
        return try await call(
            client, .post, "/v1_1/demo/image/upload", headers: [.contentType: form.contentType], body: form.body)
    }

    static func admin(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, json: String? = nil,
        authorization: String? = basic()
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let authorization { headers[.authorization] = authorization }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(string: json)
        }
        return try await call(client, method, "/v1_1/demo/" + path, headers: headers, body: body)
    }
}
