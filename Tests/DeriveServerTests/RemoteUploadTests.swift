import Derive
import DeriveStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization
import Testing

@testable import DeriveServer

/// A second HTTP server on loopback: an image origin for remote uploads (redirects, an error, an
/// oversized body) and a receiver that keeps the bodies POSTed to `/hook`.
final class Origin: Sendable {
    let port: Int
    private let inbox: Inbox

    /// The bodies POSTed to `/hook`.
    final class Inbox: Sendable {
        let bodies = Mutex<[String]>([])
    }

    private init(port: Int, inbox: Inbox) {
        self.port = port
        self.inbox = inbox
    }

    var notifications: [String] { inbox.bodies.withLock { $0 } }

    func url(_ path: String, host: String = "127.0.0.1") -> String { "http://\(host):\(port)\(path)" }

    static func with(_ body: (Origin) async throws -> Void) async throws {
        let inbox = Inbox()
        let coffee = ByteBuffer(bytes: ServerFixture.image("photo_coffee.png"))
        let router = Router()
        router.get("coffee.png") { _, _ in
            Response(status: .ok, headers: [.contentType: "image/png"], body: .init(byteBuffer: coffee))
        }
        router.get("relative") { _, _ in Response(status: .found, headers: [.location: "/coffee.png"]) }
        router.get("to-ip") { request, _ in
            let port = request.head.authority?.split(separator: ":").last.map(String.init) ?? ""
            return Response(status: .found, headers: [.location: "http://127.0.0.1:\(port)/coffee.png"])
        }
        router.get("loop") { _, _ in Response(status: .found, headers: [.location: "/loop"]) }
        router.get("missing") { _, _ in Response(status: .notFound) }
        router.get("big") { _, _ in
            Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: 0xFF, count: 3_000_000)))
        }
        router.post("hook") { request, _ in
            let body = try await request.body.collect(upTo: 1 << 20)
            inbox.bodies.withLock { $0.append(String(buffer: body)) }
            return Response(status: .ok)
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        let task = Task { try await app.runService() }
        defer { task.cancel() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw CancellationError() }
        try await body(Origin(port: port, inbox: inbox))
    }
}

/// Uploads whose `file` is a URL, format conversion at upload, and `eager_async`.
@Suite struct RemoteUploadTests {
    static func remote(_ hosts: [String], allowPrivate: Bool) -> (inout Configuration) -> Void {
        { configuration in
            API.configure(&configuration)
            configuration.api.remote = RemoteSourcePolicy(hosts: hosts, allowPrivate: allowPrivate)
            configuration.maxUploadBytes = 1_000_000
        }
    }

    @Test func anAllowListedOriginIsFetchedAndRedirectsAreFollowed() async throws {
        try await Origin.with { origin in
            try await ServerFixture.withServer(configure: Self.remote(["127.0.0.1"], allowPrivate: true)) {
                derive, client in
                for (id, path) in [("direct", "/coffee.png"), ("relative", "/relative")] {
                    let reply = try await API.upload(
                        client, API.signed([("public_id", id), ("file", origin.url(path))]), file: nil)
                    #expect(reply.status == .ok, "\(path): \(reply.message ?? "")")
                    #expect(reply.json["format"] as? String == "png")
                    let stored = try await derive.resource(publicID: id)
                    #expect(stored?.resource.bytes == ServerFixture.image("photo_coffee.png").count)
                }
            }
        }
    }

    @Test func remoteURLsAreRefusedUnlessTheHostIsListedAndPublic() async throws {
        try await Origin.with { origin in
            // No allow-list: nothing is fetched.
            try await ServerFixture.withServer(configure: Self.remote([], allowPrivate: false)) { derive, client in
                let reply = try await API.upload(
                    client, API.signed([("public_id", "r"), ("file", origin.url("/coffee.png"))]), file: nil)
                #expect(reply.status == .badRequest)
                #expect(reply.message?.contains("DERIVE_REMOTE_HOSTS") == true, "\(reply.message ?? "")")
                #expect(try await derive.resource(publicID: "r") == nil)
            }
            // Listed, but loopback is not a public address.
            try await ServerFixture.withServer(configure: Self.remote(["127.0.0.1", "localhost"], allowPrivate: false))
            {
                derive, client in
                for host in ["127.0.0.1", "localhost"] {
                    let reply = try await API.upload(
                        client, API.signed([("public_id", "r"), ("file", origin.url("/coffee.png", host: host))]),
                        file: nil)
                    #expect(reply.status == .badRequest)
                    #expect(reply.message?.contains("non-public address") == true, "\(reply.message ?? "")")
                }
                #expect(try await derive.resource(publicID: "r") == nil)
            }
            // A redirect leaves the list; errors, loops and oversized bodies.
            try await ServerFixture.withServer(configure: Self.remote(["localhost"], allowPrivate: true)) {
                derive, client in
                let cases: [(String, HTTPResponse.Status, String)] = [
                    ("/to-ip", .badRequest, "not in the allow-list"),
                    ("/missing", .badRequest, "answered HTTP 404"),
                    ("/loop", .badRequest, "redirected more than"),
                    ("/big", .contentTooLarge, "over the limit"),
                ]
                for (path, status, message) in cases {
                    let reply = try await API.upload(
                        client, API.signed([("public_id", "r"), ("file", origin.url(path, host: "localhost"))]),
                        file: nil)
                    #expect(reply.status == status, "\(path)")
                    #expect(reply.message?.contains(message) == true, "\(path): \(reply.message ?? "")")
                }
                for url in ["ftp://localhost/x.png", "http://user:pw@localhost/x.png", "http://"] {
                    let reply = try await API.upload(
                        client, API.signed([("public_id", "r"), ("file", url)]), file: nil)
                    #expect(reply.status == .badRequest, "\(url)")
                }
                #expect(try await derive.resource(publicID: "r") == nil)
                try await ServerFixture.expectHealthy(client)
            }
        }
    }

    @Test func addressesAreClassified() {
        let public_ = ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "93.184.216.34"]
        let refused = [
            "127.0.0.1", "127.8.9.10", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254",
            "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255", "::1", "::", "fe80::1", "fc00::1", "fd12::3",
            "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1", "2002:c0a8:101::1", "2001:db8::1",
            "not an address", "",
        ]
        for address in public_ { #expect(NetworkAddress.isPublic(address), "\(address)") }
        for address in refused { #expect(!NetworkAddress.isPublic(address), "\(address)") }
        #expect(NetworkAddress.isPublic("::ffff:8.8.8.8"))
        let policy = RemoteSourcePolicy(hosts: ["images.example.com", "*.cdn.example.org"])
        #expect(policy.allows(host: "images.example.com") && policy.allows(host: "a.b.cdn.example.org"))
        #expect(!policy.allows(host: "cdn.example.org") && !policy.allows(host: "evil-images.example.com"))
        #expect(!policy.allows(host: "images.example.com.evil.net"))
    }

    @Test func formatConvertsAndAllowedFormatsRefuseOrConvert() async throws {
        try await ServerFixture.withServer(configure: API.configure) { derive, client in
            let coffee = ServerFixture.image("photo_coffee.png")
            let converted = try await API.upload(
                client, API.signed([("public_id", "as-jpg"), ("format", "jpg")]), file: ("c.png", coffee))
            #expect(converted.status == .ok, "\(converted.message ?? "")")
            #expect(converted.json["format"] as? String == "jpg")
            #expect((converted.json["url"] as? String)?.hasSuffix("/as-jpg.jpg") == true)
            let stored = try #require(try await derive.resource(publicID: "as-jpg"))
            #expect(stored.resource.format == "jpg" && stored.resource.width == converted.json["width"] as? Int)

            let refused = try await API.upload(
                client, API.signed([("public_id", "no"), ("allowed_formats", "jpg,webp")]), file: ("c.png", coffee))
            #expect(refused.status == .badRequest)
            #expect(refused.message?.contains("png not allowed") == true, "\(refused.message ?? "")")
            #expect(try await derive.resource(publicID: "no") == nil)

            // With both, only an image outside the list is converted.
            let kept = try await API.upload(
                client, API.signed([("public_id", "kept"), ("allowed_formats", "png,jpg"), ("format", "webp")]),
                file: ("c.png", coffee))
            #expect(kept.json["format"] as? String == "png")
            let webp = try await API.upload(
                client, API.signed([("public_id", "webp"), ("allowed_formats", "jpg"), ("format", "webp")]),
                file: ("c.png", coffee))
            #expect(webp.json["format"] as? String == "webp")
            let bad = try await API.upload(
                client, API.signed([("public_id", "bad"), ("format", "exe")]), file: ("c.png", coffee))
            #expect(bad.status == .badRequest)
        }
    }

    @Test func eagerAsyncAnswersAtOnceThenNotifies() async throws {
        try await Origin.with { origin in
            try await ServerFixture.withServer(configure: API.configure) { derive, client in
                let reply = try await API.upload(
                    client,
                    API.signed([
                        ("public_id", "later"), ("eager", "c_fill,w_40,h_40|w_20/webp"), ("eager_async", "1"),
                        ("eager_notification_url", origin.url("/hook")),
                    ]), file: ("c.png", ServerFixture.image("photo_coffee.png")))
                #expect(reply.status == .ok, "\(reply.message ?? "")")
                let eager = try #require(reply.json["eager"] as? [[String: Any]])
                #expect(eager.map { $0["status"] as? String } == ["processing", "processing"])
                let batch = try #require(eager.first?["batch_id"] as? String)
                let deadline = Date().addingTimeInterval(20)
                while origin.notifications.isEmpty && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
                let note = try #require(origin.notifications.first)
                let json = try #require(try JSONSerialization.jsonObject(with: Data(note.utf8)) as? [String: Any])
                #expect(json["notification_type"] as? String == "eager")
                #expect(json["batch_id"] as? String == batch && json["public_id"] as? String == "later")
                let entries = try #require(json["eager"] as? [[String: Any]])
                #expect(entries.map { $0["format"] as? String } == ["png", "webp"])
                #expect(try await derive.resource(publicID: "later")?.derived.count == 2)

                // A bad eager transformation is refused at once, not in the background.
                let bad = try await API.upload(
                    client, API.signed([("public_id", "x"), ("eager", "w_abc"), ("eager_async", "1")]),
                    file: ("c.png", ServerFixture.image("photo_coffee.png")))
                #expect(bad.status == .badRequest)
            }
        }
    }
}
