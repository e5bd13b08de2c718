import Derive
import DeriveStore
import DeriveTransform
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

/// `POST /v1_1/<cloud>/image/<action>`: signatures, timestamps, files, ids, eager, hostile input.
@Suite struct UploadAPITests {
    static let coffee = ServerFixture.image("photo_coffee.png")

    @Test func signedUploadStoresAndAnswersInCloudinaryShape() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            let reply = try await API.upload(
                client,
                API.signed([("public_id", "shop/item"), ("tags", "b,a"), ("eager", "c_fill,w_50,h_50|w_30/png")]),
                file: ("coffee.png", Self.coffee))
            #expect(reply.status == .ok, "\(reply.message ?? "")")
            let json = reply.json
            #expect(json["public_id"] as? String == "shop/item")
            #expect(json["tags"] as? [String] == ["a", "b"])
            #expect(json["format"] as? String == "png" && json["type"] as? String == "upload")
            let version = try #require(json["version"] as? Int)
            #expect(
                json["signature"] as? String
                    == Signatures.responseSignature(publicID: "shop/item", version: version, secret: API.secret))
            #expect(json["original_filename"] as? String == "coffee.png")
            let eager = try #require(json["eager"] as? [[String: Any]])
            #expect(eager.map { $0["transformation"] as? String } == ["c_fill,h_50,w_50", "w_30"])
            #expect(eager.map { $0["format"] as? String } == ["png", "png"])
            let url = try #require(json["url"] as? String)
            #expect(url.hasSuffix("/demo/image/upload/v\(version)/shop/item.png"))
            let details = try #require(try await derive.resource(publicID: "shop/item"))
            #expect(details.derived.count == 2)
        }
    }

    @Test func badCredentialsAreRefusedAndNothingIsStored() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            let now = Int(Date().timeIntervalSince1970)
            let cases: [([(String, String)], String)] = [
                ([("public_id", "x")], "Missing required parameter - api_key"),
                (API.signed([("public_id", "x")], secret: "wrong"), "Invalid Signature"),
                (API.signed([("public_id", "x")], timestamp: now - 7_200), "Stale request"),
                (API.signed([("public_id", "x")], timestamp: now + 7_200), "Stale request"),
                (
                    API.signed([("public_id", "x")]).map { $0.0 == "timestamp" ? ($0.0, "-9223372036854775808") : $0 },
                    "Stale request"
                ),
                (API.signed([("public_id", "x")]).map { $0.0 == "public_id" ? ($0.0, "y") : $0 }, "Invalid Signature"),
            ]
            for (fields, message) in cases {
                let reply = try await API.upload(client, fields, file: ("c.png", Self.coffee))
                #expect(reply.status == .unauthorized, "\(message)")
                #expect(reply.message?.contains(message) == true, "\(reply.message ?? "none") should say \(message)")
            }
            let x = try await derive.resource(publicID: "x")
            let y = try await derive.resource(publicID: "y")
            #expect(x == nil && y == nil)
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func hostileAndMissingFilesAreClear4xxAndStoreNothing() async throws {
        try await ServerFixture.withServer(configure: {
            API.configure(&$0)
            $0.maxUploadBytes = 1_000_000
        }) { derive, client in
            // Every hostile image of the corpus (TestImages/MANIFEST.md).
            let hostile = [
                "broken_truncated_half.jpg", "broken_not_an_image.jpg", "bomb_50000x50000_header_only.png",
                "bomb_50000x50000_1bit_valid.png", "broken_zero_bytes.jpg",
            ]
            for name in hostile {
                let reply = try await API.upload(
                    client, API.signed([("public_id", "h")]), file: (name, ServerFixture.image(name)))
                #expect((400..<500).contains(reply.status.code), "\(name): \(reply.status) \(reply.json)")
                #expect(reply.message != nil, "\(name)")
            }
            let big = try await API.upload(
                client, API.signed([("public_id", "h")]), file: ("big.jpg", ServerFixture.image("photo_12mp.jpg")))
            #expect(big.status == .contentTooLarge, "\(big.status) \(big.message ?? "")")
            let none = try await API.upload(client, API.signed([("public_id", "h")]), file: nil)
            #expect(none.status == .badRequest && none.message == "Missing required parameter - file")
            let remote = try await API.upload(
                client, API.signed([("public_id", "h"), ("file", "http://127.0.0.1:1/x.png")]), file: nil)
            #expect(remote.status == .badRequest)
            for id in ["../etc/passwd", "a//b", "/abs"] {
                let reply = try await API.upload(client, API.signed([("public_id", id)]), file: ("c.png", Self.coffee))
                #expect(reply.status == .badRequest, "\(id)")
            }
            #expect(try await derive.listResources(ResourceQueryDefaults.all).resources.isEmpty)
            // A PNG named .jpg is a PNG: stored as what it is.
            let misnamed = try await API.upload(
                client, API.signed([("public_id", "misnamed")]),
                file: ("photo.jpg", ServerFixture.image("wrong_ext_png_named.jpg")))
            #expect(misnamed.status == .ok && misnamed.json["format"] as? String == "png")
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func dataURIsFoldersAndFilenames() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            let dataURI = "data:image/png;base64," + Data(Self.coffee).base64EncodedString()
            let fromURI = try await API.upload(client, API.signed([("file", dataURI), ("folder", "f")]), file: nil)
            #expect(fromURI.status == .ok)
            let id = try #require(fromURI.json["public_id"] as? String)
            #expect(id.hasPrefix("f/") && id.count == 22)
            let named = try await API.upload(
                client, API.signed([("use_filename", "1"), ("unique_filename", "0")]),
                file: ("/tmp/logo.png", Self.coffee))
            #expect(named.json["public_id"] as? String == "logo")
            let unique = try await API.upload(
                client, API.signed([("use_filename", "true")]), file: ("logo.png", Self.coffee))
            let uniqueID = try #require(unique.json["public_id"] as? String)
            #expect(uniqueID.hasPrefix("logo_") && uniqueID.count == 11)
            let kept = try await API.upload(
                client, API.signed([("public_id", "logo"), ("overwrite", "0")]),
                file: ("x.png", ServerFixture.image("alpha_logo_skimage.png")))
            #expect(kept.json["existing"] as? Bool == true)
            #expect(try await derive.resource(publicID: "logo")?.resource.format == "png")
        }
    }

    @Test func destroyExplicitAndTags() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            try await derive.upload(Self.coffee, publicID: "item")
            func post(_ action: String, _ fields: [(String, String)]) async throws -> API.Reply {
                let form = API.multipart(API.signed(fields))
                return try await API.call(
                    client, .post, "/v1_1/demo/image/\(action)", headers: [.contentType: form.contentType],
                    body: form.body)
            }
            let explicit = try await post("explicit", [("public_id", "item"), ("eager", "w_40"), ("type", "upload")])
            #expect(explicit.status == .ok && (explicit.json["eager"] as? [Any])?.count == 1)
            let missing = try await post("explicit", [("public_id", "nope")])
            #expect(missing.status == .notFound && missing.message == "Resource not found - nope")
            let tagged = try await post("tags", [("command", "add"), ("tag", "x,y"), ("public_ids[]", "item")])
            #expect(tagged.status == .ok && tagged.json["public_ids"] as? [String] == ["item"])
            #expect(try await derive.resource(publicID: "item")?.resource.tags == ["x", "y"])
            let destroyed = try await post("destroy", [("public_id", "item"), ("invalidate", "1")])
            #expect(destroyed.json["result"] as? String == "ok")
            let again = try await post("destroy", [("public_id", "item")])
            #expect(again.json["result"] as? String == "not found")
            let unknown = try await post("sprite", [("tag", "x")])
            #expect(unknown.status == .notFound)
        }
    }
}

enum ResourceQueryDefaults {
    static let all = ResourceQuery(maxResults: 500)
}
