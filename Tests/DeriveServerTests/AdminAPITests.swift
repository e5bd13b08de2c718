import Derive
import DeriveStore
import Foundation
import HTTPTypes
import NIOCore
import Testing

@testable import DeriveServer

/// The Admin API: Basic auth, read-only keys, the quota, every parameter encoding, listings,
/// details, the delete family and named transformations.
@Suite struct AdminAPITests {
    static let coffee = ServerFixture.image("photo_coffee.png")

    @Test func credentialsAreCheckedAndReadOnlyKeysCannotWrite() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            try await derive.upload(Self.coffee, publicID: "item")
            let cases: [(String?, HTTPResponse.Status)] = [
                (nil, .unauthorized), (API.basic(API.key, "wrong"), .unauthorized), ("Bearer x", .unauthorized),
                ("Basic !!!", .unauthorized), (API.basic("nobody", API.secret), .unauthorized),
                (API.basic(), .ok), (API.basic(API.readOnlyKey, API.readOnlySecret), .ok),
            ]
            for (authorization, status) in cases {
                let reply = try await API.admin(client, .get, "resources/image", authorization: authorization)
                #expect(reply.status == status, "\(authorization ?? "none")")
                if status != .ok { #expect(reply.message != nil) }
            }
            let denied = try await API.admin(
                client, .delete, "resources/image/upload", json: #"{"public_ids":["item"]}"#,
                authorization: API.basic(API.readOnlyKey, API.readOnlySecret))
            #expect(denied.status == .forbidden)
            #expect(try await derive.resource(publicID: "item") != nil)
            let unknownCloud = try await API.call(
                client, .get, "/v1_1/other/ping", headers: [.authorization: API.basic()])
            #expect(unknownCloud.status == .notFound)
        }
    }

    @Test func theQuotaIsReportedAndEnforced() async throws {
        try await ServerFixture.withServer(configure: {
            API.configure(&$0)
            $0.api.adminRateLimit = 3
        }) { _, client in
            for remaining in [2, 1, 0] {
                let reply = try await API.admin(client, .get, "ping")
                #expect(reply.status == .ok)
                #expect(reply.headers[.rateLimitLimit] == "3")
                #expect(reply.headers[.rateLimitRemaining] == String(remaining))
                #expect(reply.headers[.rateLimitReset]?.hasSuffix(" GMT") == true)
            }
            let refused = try await API.admin(client, .get, "ping")
            #expect(refused.status.code == 420 && refused.message?.contains("Rate Limit Exceeded") == true)
            // Another key has its own quota.
            let other = try await API.admin(
                client, .get, "ping", authorization: API.basic(API.readOnlyKey, API.readOnlySecret))
            #expect(other.status == .ok)
        }
    }

    @Test func theQuotaResetsWithTheWindow() {
        let limiter = RateLimiter(limit: 2, windowSeconds: 3600)
        let start = Date(timeIntervalSince1970: 1_800_000_000)  // a multiple of 3600 s
        #expect(limiter.take("k", now: start).allowed)
        #expect(limiter.take("k", now: start.addingTimeInterval(10)).remaining == 0)
        let refused = limiter.take("k", now: start.addingTimeInterval(3599))
        #expect(!refused.allowed && refused.reset == start.addingTimeInterval(3600))
        let next = limiter.take("k", now: start.addingTimeInterval(3600))
        #expect(next.allowed && next.remaining == 1)
        #expect(RateLimiter.httpDate(start) == "Fri, 15 Jan 2027 08:00:00 GMT")
    }

    @Test func everyParameterEncodingIsRead() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            for id in ["a", "b", "c", "d", "e"] { try await derive.upload(Self.coffee, publicID: id) }
            // JSON body on DELETE (SDK ≥ 1.42.2), with null meaning absent.
            let json = try await API.admin(
                client, .delete, "resources/image/upload",
                json: #"{"public_ids":["a"],"keep_original":null,"transformations":null}"#)
            #expect(json.status == .ok && (json.json["deleted"] as? [String: String]) == ["a": "deleted"])
            // Query string with indexed lists (SDK ≤ 1.42.1).
            let indexed = try await API.admin(
                client, .delete, "resources/image/upload?public_ids%5B0%5D=b&public_ids%5B1%5D=zz")
            #expect((indexed.json["deleted"] as? [String: String]) == ["b": "deleted", "zz": "not_found"])
            // urlencoded body with k[] (curl examples), also on DELETE.
            var headers: HTTPFields = [.authorization: API.basic(), .contentType: "application/x-www-form-urlencoded"]
            let form = try await API.call(
                client, .delete, "/v1_1/demo/resources/image/upload", headers: headers,
                body: ByteBuffer(string: "public_ids[]=c&keep_original=true"))
            #expect((form.json["deleted_counts"] as? [String: [String: Int]])?["c"]?["original"] == 0)
            // multipart (old SDKs' POST/PUT): create a named transformation.
            let multipart = API.multipart([("name", "card"), ("transformation", "c_fill,w_10,h_10")])
            headers[.contentType] = multipart.contentType
            let created = try await API.call(
                client, .post, "/v1_1/demo/transformations", headers: headers, body: multipart.body)
            #expect(created.status == .ok && created.json["message"] as? String == "created")
            // Bad encodings are 400s, not crashes.
            for (type, body) in [
                ("application/json", "[1,2]"), ("application/json", "{"), ("multipart/form-data", "x"),
                ("multipart/form-data; boundary=", "x"), ("text/csv", "a,b"),
            ] {
                headers[.contentType] = type
                let bad = try await API.call(
                    client, .delete, "/v1_1/demo/resources/image/upload", headers: headers,
                    body: ByteBuffer(string: body))
                #expect(bad.status == .badRequest, "\(type) \(body)")
            }
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func listingsDetailsAndBulkDeletesWithCursors() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            for index in 0..<7 {
                try await derive.upload(Self.coffee, options: UploadOptions(publicID: "shop/\(index)", tags: ["t"]))
            }
            try await derive.upload(Self.coffee, publicID: "other")
            _ = try await derive.render(publicID: "shop/0", transformation: "w_20", format: "jpg")
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query =
                    "resources/image/upload?prefix=shop/&max_results=3" + (cursor.map { "&next_cursor=\($0)" } ?? "")
                let page = try await API.admin(client, .get, query)
                let resources = try #require(page.json["resources"] as? [[String: Any]])
                seen += resources.compactMap { $0["public_id"] as? String }
                cursor = page.json["next_cursor"] as? String
            } while cursor != nil
            #expect(Set(seen) == Set((0..<7).map { "shop/\($0)" }) && seen.count == 7)
            let details = try await API.admin(client, .get, "resources/image/upload/shop/0")
            let derived = try #require(details.json["derived"] as? [[String: Any]])
            #expect(derived.count == 1 && derived[0]["transformation"] as? String == "w_20")
            #expect((derived[0]["renderer"] as? String)?.hasPrefix("derive-render/") == true)  // the fingerprint
            let id = try #require(derived[0]["id"] as? String)
            let derivedDelete = try await API.admin(
                client, .delete, "derived_resources", json: #"{"derived_resource_ids":["\#(id)"]}"#)
            #expect((derivedDelete.json["deleted"] as? [String: String]) == [id: "deleted"])
            let missing = try await API.admin(client, .get, "resources/image/upload/nope")
            #expect(missing.status == .notFound && missing.message == "Resource not found - nope")
            let byTag = try await API.admin(client, .get, "resources/image/tags/t?max_results=100")
            #expect((byTag.json["resources"] as? [Any])?.count == 7)
            let tags = try await API.admin(client, .get, "tags/image")
            #expect(tags.json["tags"] as? [String] == ["t"])
            let deleted = try await API.admin(client, .delete, "resources/image/tags/t", json: "{}")
            #expect((deleted.json["deleted"] as? [String: String])?.count == 7)
            let all = try await API.admin(client, .delete, "resources/image/upload", json: #"{"all":true}"#)
            #expect((all.json["deleted"] as? [String: String]) == ["other": "deleted"])
            let usage = try await API.admin(client, .get, "usage")
            #expect(usage.json["resources"] as? Int == 0)
            let nothing = try await API.admin(client, .delete, "resources/image/upload", json: "{}")
            #expect(nothing.status == .badRequest)
        }
    }

    @Test func namedTransformations() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            try await derive.upload(Self.coffee, publicID: "item")
            let created = try await API.admin(
                client, .post, "transformations", json: #"{"name":"thumb","transformation":"c_fill,w_20,h_20"}"#)
            #expect(created.json["message"] as? String == "created")
            let duplicate = try await API.admin(
                client, .post, "transformations", json: #"{"name":"thumb","transformation":"w_5"}"#)
            #expect(duplicate.status == .conflict)
            let shown = try await API.admin(client, .get, "transformations?transformation=t_thumb")
            #expect(shown.json["name"] as? String == "t_thumb" && shown.json["used"] as? Bool == false)
            let info = try #require(shown.json["info"] as? [[String: String]])
            #expect(info == [["crop": "fill", "width": "20", "height": "20"]])
            let updated = try await API.admin(
                client, .put, "transformations", json: #"{"transformation":"t_thumb","unsafe_update":"w_8"}"#)
            #expect(updated.json["message"] as? String == "updated")
            #expect(try await derive.namedTransformation("thumb")?.definition == "w_8")
            let listed = try await API.admin(client, .get, "transformations")
            #expect((listed.json["transformations"] as? [[String: Any]])?.first?["name"] as? String == "t_thumb")
            let byPath = try await API.admin(client, .get, "transformations/thumb")
            #expect(byPath.status == .ok)
            let removed = try await API.admin(
                client, .delete, "transformations", json: #"{"transformation":"t_thumb"}"#)
            #expect(removed.json["message"] as? String == "deleted")
            let gone = try await API.admin(client, .get, "transformations/thumb")
            #expect(gone.status == .notFound)
        }
    }
}
