import Derive
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The web console's security rules, against a real server on loopback: login (with login CSRF),
/// cookie flags, the Content-Security-Policy, and the session + `X-CSRF-Token` that authorize the
/// page's Admin and Upload API calls (401 without a session, 403 without the token, 403 for a
/// read-only key's writes).
@Suite struct ConsoleTests {
    struct Login {
        var cookie: String
        var csrf: String
        var setCookie: String
    }

    /// Fetches the login form (its token and cookie), posts the credentials, reads the session.
    static func login(
        _ client: any TestClientProtocol, key: String = API.key, secret: String = API.secret,
        headers extra: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, login: Login?) {
        let form = try await API.call(client, .get, "/console", headers: extra)
        let html = String(buffer: form.body)
        let token = try #require(html.firstMatch(of: /name="login_token" value="([0-9a-f]{64})"/)).1
        let loginCookie = try #require(
            form.headers[values: .setCookie].first { $0.hasPrefix("derive_login=") }?.split(separator: ";").first)
        var headers = extra
        headers[.contentType] = "application/x-www-form-urlencoded"
        headers[.cookie] = String(loginCookie)
        let body = "login_token=\(token)&api_key=\(key)&api_secret=\(secret)"
        let reply = try await API.call(
            client, .post, "/console/login", headers: headers, body: ByteBuffer(string: body))
        guard reply.status == .seeOther,
            let set = reply.headers[values: .setCookie].first(where: { $0.hasPrefix("derive_session=") })
        else { return (reply.status, nil) }
        let cookie = String(set.split(separator: ";")[0])
        let session = try await API.call(client, .get, "/console/session", headers: [.cookie: cookie])
        let csrf = try #require(session.json["csrf_token"] as? String)
        return (reply.status, Login(cookie: cookie, csrf: csrf, setCookie: set))
    }

    static func configure(_ configuration: inout Configuration) { API.configure(&configuration) }
    static let csrf = HTTPField.Name("X-CSRF-Token")!

    @Test func loginSetsAStrictHttpOnlyCookieAndTheSessionHidesTheSecret() async throws {
        try await ServerFixture.withServer(configure: Self.configure) { _, client in
            let (status, login) = try await Self.login(client)
            #expect(status == .seeOther)
            let session = try #require(login)
            #expect(session.setCookie.contains("HttpOnly"))
            #expect(session.setCookie.contains("SameSite=Strict"))
            #expect(session.setCookie.contains("Path=/"))
            #expect(!session.setCookie.contains("Secure"), "plain HTTP: no Secure flag")
            let info = try await API.call(client, .get, "/console/session", headers: [.cookie: session.cookie])
            #expect(info.json["api_key"] as? String == API.key)
            #expect(info.json["read_only"] as? Bool == false)
            #expect(!String(buffer: info.body).contains(API.secret))
            // Behind a TLS-terminating proxy the cookie is Secure.
            let (_, proxied) = try await Self.login(client, headers: [HTTPField.Name("X-Forwarded-Proto")!: "https"])
            #expect(try #require(proxied).setCookie.contains("; Secure"))
        }
    }

    @Test func aWrongSecretOrAMissingLoginTokenIsRefused() async throws {
        try await ServerFixture.withServer(configure: Self.configure) { _, client in
            let (status, login) = try await Self.login(client, secret: "wrong")
            #expect(status == .unauthorized)
            #expect(login == nil)
            // No login token (login CSRF): refused even with the right secret.
            let body = "api_key=\(API.key)&api_secret=\(API.secret)"
            let bare = try await API.call(
                client, .post, "/console/login", headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: body))
            #expect(bare.status == .forbidden)
            #expect(!bare.headers[values: .setCookie].contains { $0.hasPrefix("derive_session=") })
            // A cross-origin post is refused.
            let (crossStatus, cross) = try await Self.login(client, headers: [.origin: "http://evil.example"])
            #expect(crossStatus == .forbidden)
            #expect(cross == nil)
        }
    }

    @Test func pagesCarryTheContentSecurityPolicyAndNoInlineCode() async throws {
        try await ServerFixture.withServer(configure: Self.configure) { _, client in
            let session = try #require(try await Self.login(client).login)
            let app = try await API.call(client, .get, "/console", headers: [.cookie: session.cookie])
            let loginPage = try await API.call(client, .get, "/console")
            for page in [app, loginPage] {
                #expect(page.status == .ok)
                let csp = try #require(page.headers[.contentSecurityPolicy])
                #expect(csp.contains("default-src 'self'"))
                #expect(csp.contains("script-src 'self'"))
                #expect(csp.contains("style-src 'self'"))
                #expect(csp.contains("frame-ancestors 'none'"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(page.headers[.xContentTypeOptions] == "nosniff")
                let html = String(buffer: page.body)
                #expect(!html.contains("style="))
                #expect(!html.contains("<style"))
                #expect(!html.contains("<script>"))
                #expect(!html.contains("http://") && !html.contains("https://"), "no external assets")
            }
            #expect(String(buffer: app.body).contains("/console/assets/core.js"))
            for asset in ["core.js", "views.js", "tools.js", "console.css"] {
                let reply = try await API.call(client, .get, "/console/assets/" + asset)
                #expect(reply.status == .ok)
                #expect(reply.headers[.xContentTypeOptions] == "nosniff")
            }
            #expect(try await API.call(client, .get, "/console/assets/nope.js").status == .notFound)
        }
    }

    @Test func apiCallsNeedTheSessionAndTheCSRFToken() async throws {
        try await ServerFixture.withServer(configure: Self.configure) { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            let session = try #require(try await Self.login(client).login)
            // No session (and no Basic credentials): 401, on the API and the session endpoint.
            #expect(try await API.admin(client, .get, "resources/image", authorization: nil).status == .unauthorized)
            #expect(try await API.call(client, .get, "/console/session").status == .unauthorized)
            // A cookie naming no session: 401.
            let forged = try await API.call(
                client, .get, "/v1_1/demo/resources/image",
                headers: [.cookie: "derive_session=" + String(repeating: "a", count: 64), Self.csrf: "x"])
            #expect(forged.status == .unauthorized)
            // The session without the CSRF token: 403, also on a change; nothing is deleted.
            let noToken = try await API.call(
                client, .get, "/v1_1/demo/resources/image", headers: [.cookie: session.cookie])
            #expect(noToken.status == .forbidden)
            let deleteWithout = try await API.call(
                client, .delete, "/v1_1/demo/resources/image/upload",
                headers: [.cookie: session.cookie, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"public_ids":["coffee"]}"#))
            #expect(deleteWithout.status == .forbidden)
            let wrongToken = try await API.call(
                client, .delete, "/v1_1/demo/resources/image/upload",
                headers: [
                    .cookie: session.cookie, .contentType: "application/json",
                    // Another first character (a token that starts with "0" stayed right once in 16 runs).
                    Self.csrf: (session.csrf.first == "0" ? "1" : "0") + session.csrf.dropFirst(),
                ],
                body: ByteBuffer(string: #"{"public_ids":["coffee"]}"#))
            #expect(wrongToken.status == .forbidden)
            #expect(try await derive.resource(publicID: "coffee") != nil)
            // With both: the listing (with Derive's derivative counts) and the delete work.
            let headers: HTTPFields = [.cookie: session.cookie, Self.csrf: session.csrf]
            let listing = try await API.call(
                client, .get, "/v1_1/demo/resources/image/upload?derived_stats=true", headers: headers)
            #expect(listing.status == .ok)
            let first = try #require((listing.json["resources"] as? [[String: Any]])?.first)
            #expect(first["derived_count"] as? Int == 0)
            var deleting = headers
            deleting[.contentType] = "application/json"
            let deleted = try await API.call(
                client, .delete, "/v1_1/demo/resources/image/upload", headers: deleting,
                body: ByteBuffer(string: #"{"public_ids":["coffee"]}"#))
            #expect(deleted.status == .ok)
            #expect(try await derive.resource(publicID: "coffee") == nil)
            // Logout ends the session.
            #expect(
                try await API.call(client, .post, "/console/logout", headers: [.cookie: session.cookie]).status
                    == .forbidden)
            #expect(try await API.call(client, .post, "/console/logout", headers: headers).status == .ok)
            #expect(
                try await API.call(client, .get, "/v1_1/demo/resources/image", headers: headers).status == .unauthorized
            )
        }
    }

    @Test func aReadOnlySessionReadsButCannotChangeAnything() async throws {
        try await ServerFixture.withServer(configure: Self.configure) { derive, client in
            try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: "coffee")
            let session = try #require(
                try await Self.login(client, key: API.readOnlyKey, secret: API.readOnlySecret).login)
            let headers: HTTPFields = [.cookie: session.cookie, Self.csrf: session.csrf]
            let info = try await API.call(client, .get, "/console/session", headers: [.cookie: session.cookie])
            #expect(info.json["read_only"] as? Bool == true)
            #expect(try await API.call(client, .get, "/v1_1/demo/resources/image", headers: headers).status == .ok)
            var deleting = headers
            deleting[.contentType] = "application/json"
            let delete = try await API.call(
                client, .delete, "/v1_1/demo/resources/image/upload", headers: deleting,
                body: ByteBuffer(string: #"{"public_ids":["coffee"]}"#))
            #expect(delete.status == .forbidden)
            // The Upload API through the session: refused for a read-only key.
            let form = API.multipart([], file: (name: "x.png", bytes: ServerFixture.image("photo_coffee.png")))
            var uploading = headers
            uploading[.contentType] = form.contentType
            let upload = try await API.call(
                client, .post, "/v1_1/demo/image/upload", headers: uploading, body: form.body)
            #expect(upload.status == .forbidden)
            // Signed by the read-only pair (no session): refused too.
            let signed = API.multipart(
                API.signed([("public_id", "coffee")], secret: API.readOnlySecret).map {
                    $0.0 == "api_key" ? ("api_key", API.readOnlyKey) : $0
                }, file: nil)
            let destroy = try await API.call(
                client, .post, "/v1_1/demo/image/destroy", headers: [.contentType: signed.contentType],
                body: signed.body)
            #expect(destroy.status == .forbidden, "\(destroy.message ?? "")")
            #expect(try await derive.resource(publicID: "coffee") != nil)
        }
    }

    @Test func aSessionUploadsWithoutASignatureAndTheEventFeedNamesInvalidatedURLs() async throws {
        try await ServerFixture.withServer(configure: Self.configure) { _, client in
            let session = try #require(try await Self.login(client).login)
            let headers: HTTPFields = [.cookie: session.cookie, Self.csrf: session.csrf]
            let form = API.multipart(
                [("public_id", "cup"), ("tags", "console")],
                file: (name: "cup.png", bytes: ServerFixture.image("photo_coffee.png")))
            var uploading = headers
            uploading[.contentType] = form.contentType
            let upload = try await API.call(
                client, .post, "/v1_1/demo/image/upload", headers: uploading, body: form.body)
            #expect(upload.status == .ok)
            #expect(upload.json["public_id"] as? String == "cup")
            // Without the token the same upload is refused.
            var noToken = uploading
            noToken[Self.csrf] = nil
            #expect(
                try await API.call(client, .post, "/v1_1/demo/image/upload", headers: noToken, body: form.body).status
                    == .forbidden)
            #expect(try await ServerFixture.get(client, "/demo/image/upload/c_scale,w_40/cup.png").status == .ok)
            let used = try await API.call(client, .get, "/v1_1/demo/derive/transformations", headers: headers)
            let entry = try #require((used.json["transformations"] as? [[String: Any]])?.first)
            #expect(entry["transformation"] as? String == "c_scale,w_40")
            #expect(entry["derived_count"] as? Int == 1)
            let before = try #require(
                try await API.call(client, .get, "/v1_1/demo/derive/events?kind=none", headers: headers)
                    .json["last_sequence"] as? Int)
            var deleting = headers
            deleting[.contentType] = "application/json"
            let deleted = try await API.call(
                client, .delete, "/v1_1/demo/resources/image/upload", headers: deleting,
                body: ByteBuffer(string: #"{"public_ids":["cup"],"keep_original":true,"invalidate":true}"#))
            #expect(deleted.status == .ok)
            let events = try await API.call(
                client, .get, "/v1_1/demo/derive/events?kind=invalidate&after=\(before)", headers: headers)
            let urls = (events.json["events"] as? [[String: Any]])?.flatMap { $0["urls"] as? [String] ?? [] } ?? []
            #expect(urls.contains { $0.contains("c_scale,w_40") && $0.contains("cup") }, "\(urls)")
            #expect(
                try await API.call(client, .get, "/v1_1/demo/derive/events?after=-1", headers: headers).status
                    == .badRequest)
        }
    }

    /// What the console's "Delete all" on the derived-images page sends: every derivative of one
    /// canonical transformation (a chained one here), across the library, the others kept.
    @Test func deletingByOneTransformationFromItsListedNameKeepsTheOthers() async throws {
        try await ServerFixture.withServer(configure: Self.configure) { derive, client in
            for id in ["a", "b"] { try await derive.upload(ServerFixture.image("photo_coffee.png"), publicID: id) }
            for path in ["a.jpg", "b.jpg", "a.webp"] {
                #expect(
                    try await ServerFixture.get(client, "/demo/image/upload/c_scale,w_40/e_grayscale/" + path).status
                        == .ok)
            }
            #expect(try await ServerFixture.get(client, "/demo/image/upload/w_30/a.jpg").status == .ok)
            // Each original's count and bytes in the listing.
            let originals = try #require(
                try await API.admin(client, .get, "resources/image/upload?derived_stats=true").json["resources"]
                    as? [[String: Any]])
            let stats = Dictionary(
                uniqueKeysWithValues: originals.map {
                    ($0["public_id"] as? String ?? "", ($0["derived_count"] as? Int, $0["derived_bytes"] as? Int))
                })
            #expect(stats["a"]?.0 == 3)
            #expect(stats["b"]?.0 == 1)
            #expect((stats["a"]?.1 ?? 0) > (stats["b"]?.1 ?? 0) && (stats["b"]?.1 ?? 0) > 0)
            let listed = try await API.admin(client, .get, "derive/transformations")
            let entries = try #require(listed.json["transformations"] as? [[String: Any]])
            let chained = try #require(entries.first { ($0["transformation"] as? String)?.contains("/") == true })
            #expect(chained["derived_count"] as? Int == 3)
            #expect(chained["originals"] as? Int == 2)
            let name = try #require(chained["transformation"] as? String)
            // Its derived images, two a page.
            let query =
                "derive/derived?max_results=2&transformation="
                + name.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let first = try await API.admin(client, .get, query)
            let firstItems = try #require(first.json["derived"] as? [[String: Any]])
            let cursor = try #require(first.json["next_cursor"] as? String)
            let second = try await API.admin(client, .get, query + "&next_cursor=" + cursor)
            let secondItems = try #require(second.json["derived"] as? [[String: Any]])
            #expect(second.json["next_cursor"] == nil)
            let listedIDs = (firstItems + secondItems).compactMap { $0["public_id"] as? String }.sorted()
            #expect(listedIDs == ["a", "a", "b"])
            #expect((firstItems + secondItems).allSatisfy { $0["transformation"] as? String == name })
            #expect(try await API.admin(client, .get, "derive/derived").status == .badRequest)
            #expect(try await API.admin(client, .get, query + "&next_cursor=x").status == .badRequest)
            let deleted = try await API.admin(
                client, .delete, "resources/image/upload",
                json: #"{"all":true,"keep_original":true,"transformations":"\#(name)"}"#)
            #expect(deleted.status == .ok)
            let after = try #require(
                try await API.admin(client, .get, "derive/transformations").json["transformations"] as? [[String: Any]])
            #expect(after.map { $0["transformation"] as? String } == ["w_30"])
            #expect(try await derive.resource(publicID: "a") != nil)
        }
    }
}
