import Derive
import Foundation
import HTTPTypes
import NIOCore
import Testing

/// 600 random hostile requests against the Upload and Admin API, through the real server: every
/// answer must be a JSON body with a 2xx or 4xx status (never a 5xx, never a crash), and the
/// server keeps serving. The seed is printed on failure; the generator covers what a request
/// reaches before and after authentication: paths, methods, content types and boundaries, bodies
/// (JSON, urlencoded, multipart, binary), Basic credentials and signature parameters.
@Suite struct HostileAPITests {
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let paths = [
        "/v1_1/demo/image/upload", "/v1_1/demo/image/destroy", "/v1_1/demo/image/explicit", "/v1_1/demo/image/tags",
        "/v1_1/demo/resources/image", "/v1_1/demo/resources/image/upload", "/v1_1/demo/resources/image/upload/a/b",
        "/v1_1/demo/resources/image/tags/x", "/v1_1/demo/derived_resources", "/v1_1/demo/transformations",
        "/v1_1/demo/transformations/t_x", "/v1_1/demo/tags/image", "/v1_1/demo/usage", "/v1_1/demo/ping",
        "/v1_1/demo/%00/..%2f..%2f", "/v1_1/demo/resources/image/upload/%2e%2e/%2e%2e", "/v1_1/", "/v1_1/x",
        "/v1_1/demo/resources", "/v1_1/demo/image/sprite",
    ]
    static let keys = [
        "public_id", "public_ids", "public_ids[]", "public_ids[0]", "public_ids[99999999999999999999]", "file", "tags",
        "eager", "timestamp", "signature", "api_key", "max_results", "next_cursor", "direction", "prefix", "all",
        "keep_original", "transformations", "derived_resource_ids", "transformation", "name", "unsafe_update",
        "command", "tag", "type", "folder", "use_filename", "unique_filename", "overwrite", "invalidate",
        "notification_url", "allowed_for_strict", "", "[]", "[", "a[b]",
    ]
    static let values = [
        "", "0", "-1", "1e309", "99999999999999999999999", "true", "null", "a/../b", "../../etc/passwd", "/", "//",
        "\u{0}", "\u{7F}", "%00", "%zz", "w_100000000", "c_fill,w_1|w_2/png", "t_missing", "data:image/png;base64,!!",
        "data:,", "http://127.0.0.1:1/x", String(repeating: "a", count: 5_000), "ü", "\u{FFFF}", "a,b,,c", "-0",
        "Qx80", "asc", "-1", "set_exclusive", "remove_all",
    ]

    static func randomBody(_ rng: inout Generator) -> (String?, ByteBuffer?) {
        func pick<T>(_ list: [T]) -> T { list[Int(rng.next() % UInt64(list.count))] }
        func pairs() -> [(String, String)] { (0..<Int(rng.next() % 6)).map { _ in (pick(keys), pick(values)) } }
        switch rng.next() % 8 {
        case 0:
            let json =
                "{"
                + pairs().map { "\"\($0.0)\":\"\($0.1.replacingOccurrences(of: "\"", with: ""))\"" }
                .joined(separator: ",") + "}"
            return ("application/json", ByteBuffer(string: json))
        case 1:
            return (
                "application/json",
                ByteBuffer(string: pick(["[", "{\"a\":", "1", "null", "{\"a\":[[[[]]]]}", "\"x\""]))
            )
        case 2:
            let form = pairs().map { "\($0.0)=\($0.1)" }.joined(separator: "&")
            return ("application/x-www-form-urlencoded", ByteBuffer(string: form))
        case 3:
            let multipart = API.multipart(
                pairs(), file: rng.next() % 2 == 0 ? ("x.png", [0x89, 0x50, 0x4E, 0x47]) : nil)
            var body = multipart.body
            if rng.next() % 3 == 0, body.readableBytes > 4 { body.moveWriterIndex(to: body.writerIndex - 4) }
            return (multipart.contentType, body)
        case 4:
            let boundary = pick(["", "x", String(repeating: "b", count: 200), "\"\"", "a;b"])
            return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(string: "--\(boundary)\r\n\r\n--"))
        case 5:
            let bytes = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            return (
                pick(["application/octet-stream", "text/plain", "image/png", "multipart/mixed"]),
                ByteBuffer(bytes: bytes)
            )
        case 6:
            return (nil, nil)
        default:
            return (
                "application/json; charset=utf-8",
                ByteBuffer(string: "{\"public_ids\":[1,2,{\"a\":null}],\"all\":true}")
            )
        }
    }

    static func randomAuthorization(_ rng: inout Generator) -> String? {
        switch rng.next() % 6 {
        case 0: return nil
        case 1: return API.basic()
        case 2: return API.basic(API.readOnlyKey, API.readOnlySecret)
        case 3:
            return "Basic "
                + Data((0..<Int(rng.next() % 40)).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
                .base64EncodedString()
        case 4:
            return [
                "Basic", "Basic ", "Bearer", "Basic ====", "basic dGVzdC1rZXk6",
                "Basic " + String(repeating: "A", count: 9_000),
            ][Int(rng.next() % 6)]
        default: return "Basic " + Data("\(API.key):\(API.secret)x".utf8).base64EncodedString()
        }
    }

    @Test func randomHostileRequestsAreJSON4xxAndTheServerKeepsServing() async throws {
        let seed = UInt64(Date().timeIntervalSince1970 * 1000)
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "a/b")
            var rng = Generator(state: seed)
            let methods: [HTTPRequest.Method] = [.get, .post, .put, .delete, .patch]
            for index in 0..<600 {
                let path = Self.paths[Int(rng.next() % UInt64(Self.paths.count))]
                let method = methods[Int(rng.next() % UInt64(methods.count))]
                let (contentType, body) = Self.randomBody(&rng)
                var headers: HTTPFields = [:]
                if let contentType { headers[.contentType] = contentType }
                if let authorization = Self.randomAuthorization(&rng) { headers[.authorization] = authorization }
                let query =
                    rng.next() % 3 == 0
                    ? "?max_results=\(["0", "501", "x", "10"][Int(rng.next() % 4)])&public_ids[0]=a/b" : ""
                let reply = try await API.call(client, method, path + query, headers: headers, body: body)
                let what = "seed \(seed) request \(index): \(method) \(path)\(query) \(contentType ?? "-")"
                #expect(reply.status.code < 500, "\(what) → \(reply.status) \(reply.message ?? "")")
                #expect(
                    reply.status.code < 300 || reply.message != nil || reply.status == .notFound
                        || reply.status == .methodNotAllowed, "\(what) → \(reply.status) without a JSON error")
            }
            try await ServerFixture.expectHealthy(client)
        }
    }
}
