import Derive
import DeriveStore
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization
import Testing

/// A webhook receiver on 127.0.0.1 (ephemeral port) that refuses the first tries of each event.
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        var attempts = 0
        var accepted = 0
        var body = ""
        var kind = ""
        var signatureValid = false
    }

    let secret: String
    let failuresPerEvent: Int
    let deliveries = Mutex<[Int64: Delivery]>([:])
    let port = Mutex<Int?>(nil)

    init(secret: String, failuresPerEvent: Int) {
        self.secret = secret
        self.failuresPerEvent = failuresPerEvent
    }

    var url: URL { URL(string: "http://127.0.0.1:\(port.withLock { $0 }!)/hook")! }

    static func with(
        secret: String = "abcd_secret", failuresPerEvent: Int, _ body: (WebhookReceiver) async throws -> Void
    ) async throws {
        let receiver = WebhookReceiver(secret: secret, failuresPerEvent: failuresPerEvent)
        let router = Router()
        router.post("hook") { request, _ -> Response in
            let bytes = Array(buffer: try await request.body.collect(upTo: 1 << 22))
            return receiver.receive(bytes, headers: request.headers)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in receiver.port.withLock { $0 = channel.localAddress?.port } })
        let server = Task { try await app.runService(gracefulShutdownSignals: []) }
        defer { server.cancel() }
        try await waitUntil("the receiver listens") { receiver.port.withLock { $0 } != nil }
        try await body(receiver)
    }

    func receive(_ body: [UInt8], headers: HTTPFields) -> Response {
        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
        guard let sequence = header("X-Derive-Event").flatMap(Int64.init) else { return Response(status: .badRequest) }
        let timestamp = header("X-Cld-Timestamp") ?? ""
        let expected = SHA1.hex(body + Array((timestamp + secret).utf8))
        return deliveries.withLock { deliveries in
            var delivery = deliveries[sequence] ?? Delivery()
            delivery.attempts += 1
            defer { deliveries[sequence] = delivery }
            guard delivery.attempts > failuresPerEvent else { return Response(status: .serviceUnavailable) }
            delivery.accepted += 1
            delivery.body = String(decoding: body, as: UTF8.self)
            delivery.kind = header("X-Derive-Event-Kind") ?? ""
            delivery.signatureValid = header("X-Cld-Signature") == expected
            return Response(status: .ok)
        }
    }

    var accepted: [Int64: Delivery] { deliveries.withLock { $0.filter { $0.value.accepted > 0 } } }
}

func waitUntil(_ what: String, timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimeout(what: what) }
        try await Task.sleep(for: .milliseconds(20))
    }
}

struct WaitTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting until \(what)" }
}

@Suite struct WebhookTests {
    let coffee = LifecycleFixture.image("photo_coffee.png")

    func configuration(_ directory: URL, _ receiver: WebhookReceiver, deliver: Bool) -> Configuration {
        var configuration = Configuration(dataDirectory: directory)
        configuration.renderThreads = 2
        configuration.lifecycle.webhooks = [WebhookEndpoint(name: "test", url: receiver.url)]
        configuration.lifecycle.notificationSecret = receiver.secret
        configuration.lifecycle.webhookPolicy.initialBackoff = .milliseconds(20)
        configuration.lifecycle.webhookPolicy.maxBackoff = .milliseconds(80)
        configuration.lifecycle.webhookPolicy.lease = .seconds(3)
        configuration.lifecycle.eventPollInterval = .milliseconds(100)
        configuration.lifecycle.deliverWebhooks = deliver
        return configuration
    }

    @Test func eachEventArrivesOnceSignedAfterRetriesAcrossARestart() async throws {
        try await WebhookReceiver.with(failuresPerEvent: 2) { receiver in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "derive-wh-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }

            // First run: deliveries start, each event refused twice before it is accepted.
            var derive = try await Derive.open(configuration(directory, receiver, deliver: true))
            try await derive.upload(coffee, publicID: "a")
            try await derive.upload(coffee, options: UploadOptions(publicID: "folder/b", tags: ["t"]))
            _ = try await derive.render(publicID: "folder/b", transformation: "w_16", format: "jpg")
            try await derive.destroy(publicID: "a", invalidate: true)
            try await waitUntil("two events are accepted") { receiver.accepted.count >= 2 }
            await derive.shutdown()

            // Meanwhile, with nobody delivering, more events are committed.
            derive = try await Derive.open(configuration(directory, receiver, deliver: false))
            try await derive.upload(coffee, publicID: "folder/b")  // overwrite
            _ = try await derive.deleteResources(matching: .prefix("folder/"))
            await derive.shutdown()

            // After the restart, delivery resumes where it stopped and nothing is lost.
            derive = try await Derive.open(configuration(directory, receiver, deliver: true))
            let last = try await derive.lastEventSequence()
            #expect(last == 9)
            try await waitUntil("every event is accepted") { receiver.accepted.count == Int(last) }
            try await waitUntil("the position is persisted") {
                try await derive.webhookPositions()["webhook:test"] == last
            }
            var events: [DeriveEvent] = []
            for try await event in derive.events(after: 0, follow: false) { events.append(event) }
            await derive.shutdown()

            let accepted = receiver.accepted
            #expect(Set(accepted.keys) == Set(1...last))
            for event in events {
                let delivery = try #require(accepted[event.sequence])
                #expect(delivery.accepted == 1, "event \(event.sequence) accepted \(delivery.accepted) times")
                #expect(delivery.attempts >= 3)
                #expect(delivery.signatureValid)
                #expect(delivery.body == event.payload && delivery.kind == event.kind.rawValue)
            }
            let upload = try #require(accepted[1])
            #expect(upload.body.hasPrefix(#"{"notification_type":"upload""#))
            #expect(
                events.map(\.kind) == [
                    .upload, .upload, .derivedCreated, .delete, .invalidate, .overwrite, .invalidate, .delete,
                    .invalidate,
                ])
        }
    }

    /// A webhook configured for the first time receives every event committed after `open`
    /// returns, however soon, and none from before.
    @Test func aNewWebhookStartsAtTheEndOfTheLogAsOpenReturns() async throws {
        try await WebhookReceiver.with(failuresPerEvent: 0) { receiver in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "derive-wh-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            var derive = try await Derive.open(configuration(directory, receiver, deliver: false))
            try await derive.upload(coffee, publicID: "before")
            await derive.shutdown()

            derive = try await Derive.open(configuration(directory, receiver, deliver: true))
            #expect(try await derive.webhookPositions()["webhook:test"] == 1)  // fixed before `open` returned
            try await derive.upload(coffee, publicID: "after")  // at once: no time for the worker to start
            try await waitUntil("the new event is accepted") { receiver.accepted[2] != nil }
            #expect(Set(receiver.accepted.keys) == [2])
            await derive.shutdown()
        }
    }

    @Test func aDeliveryThatKeepsFailingIsRecordedAndSkipped() async throws {
        try await WebhookReceiver.with(failuresPerEvent: 3) { receiver in
            try await LifecycleFixture.with(configure: {
                $0.lifecycle.webhooks = [WebhookEndpoint(name: "only-deletes", url: receiver.url, kinds: [.delete])]
                $0.lifecycle.webhookPolicy.initialBackoff = .milliseconds(10)
                $0.lifecycle.webhookPolicy.maxAttempts = 2
                $0.lifecycle.eventPollInterval = .milliseconds(50)
            }) { fixture in
                try await fixture.derive.upload(coffee, publicID: "x")
                try await fixture.derive.destroy(publicID: "x")  // seq 2 (delete), 3 (invalidate)
                try await fixture.derive.upload(coffee, publicID: "y")
                try await fixture.derive.destroy(publicID: "y")  // seq 5
                try await waitUntil("the position passes every event") {
                    try await fixture.derive.webhookPositions()["webhook:only-deletes"] == 6
                }
                let failures = try await fixture.derive.deliveryFailures()
                #expect(failures.map(\.sequence).sorted() == [2, 5])
                #expect(failures.allSatisfy { $0.attempts == 2 && $0.error == "HTTP 503" })
                #expect(Set(receiver.deliveries.withLock { $0.keys }) == [2, 5])  // only the kinds asked for
            }
        }
    }

    @Test func aPerCallNotificationURLGetsThatCallsEvents() async throws {
        try await WebhookReceiver.with(failuresPerEvent: 0) { receiver in
            try await LifecycleFixture.with(configure: {
                $0.lifecycle.deliverNotificationURLs = true
                $0.lifecycle.notificationSecret = receiver.secret
                $0.lifecycle.eventPollInterval = .milliseconds(50)
            }) { fixture in
                try await fixture.derive.upload(coffee, publicID: "quiet")
                try await fixture.derive.upload(
                    coffee, options: UploadOptions(publicID: "loud", notificationURL: receiver.url.absoluteString))
                try await fixture.derive.destroy(publicID: "loud", notificationURL: receiver.url.absoluteString)
                try await waitUntil("two notifications arrive") { receiver.accepted.count == 2 }
                let accepted = receiver.accepted
                #expect(accepted.keys.sorted() == [2, 3])
                #expect(accepted[2]?.kind == "upload" && accepted[3]?.kind == "delete")
                #expect(accepted.values.allSatisfy { $0.signatureValid })
                #expect(accepted[3]!.body.contains(#""notification_type":"delete","#))
            }
        }
    }
}

/// SHA-1 (FIPS 180-4), written out here so the test checks the signature independently of the
/// code that makes it.
enum SHA1 {
    static func hex(_ message: [UInt8]) -> String {
        var h: [UInt32] = [0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0]
        var data = message + [0x80]
        while data.count % 64 != 56 { data.append(0) }
        let bits = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) {
            data.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift)))
        }
        for chunk in stride(from: 0, to: data.count, by: 64) {
            var w = [UInt32](repeating: 0, count: 80)
            for i in 0..<16 {
                let b = data[(chunk + 4 * i)..<(chunk + 4 * i + 4)].map(UInt32.init)
                w[i] = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]
            }
            for i in 16..<80 {
                let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                w[i] = x << 1 | x >> 31
            }
            var (a, b, c, d, e) = (h[0], h[1], h[2], h[3], h[4])
            for i in 0..<80 {
                let (f, k): (UInt32, UInt32) =
                    i < 20
                    ? ((b & c) | (~b & d), 0x5A82_7999)
                    : i < 40
                        ? (b ^ c ^ d, 0x6ED9_EBA1)
                        : i < 60 ? ((b & c) | (b & d) | (c & d), 0x8F1B_BCDC) : (b ^ c ^ d, 0xCA62_C1D6)
                let t = (a << 5 | a >> 27) &+ f &+ e &+ k &+ w[i]
                (e, d, c, b, a) = (d, c, b << 30 | b >> 2, a, t)
            }
            h = [h[0] &+ a, h[1] &+ b, h[2] &+ c, h[3] &+ d, h[4] &+ e]
        }
        return h.map { String(format: "%08x", $0) }.joined()
    }
}
