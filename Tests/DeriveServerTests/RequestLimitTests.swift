import Derive
import DeriveStore
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A raw TCP connection to the server on loopback, for requests no HTTP client would send:
/// bodies that stop half-way, connections that say nothing.
final class RawConnection: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    func send(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything the server sends until it closes the connection (or 20 s pass). The blocking
    /// reads run on a thread of their own: on the cooperative pool they would hold up the server.
    func readUntilClosed() async -> String {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.readBlocking()) }.start()
        }
    }

    private func readBlocking() -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += buffer[0..<count]
        }
        return String(decoding: received, as: UTF8.self)
    }
}

/// Request limits: an API body that does not arrive in time, and idle connections.
@Suite struct RequestLimitTests {
    @Test func aBodyThatStopsArrivingIsA408AndNothingIsStored() async throws {
        try await ServerFixture.withServer(configure: {
            API.configure(&$0)
            $0.bodyTimeoutSeconds = 1
        }) { derive, client in
            let port = try #require(client.port)
            let connection = try RawConnection(port: port)
            connection.send(
                "POST /v1_1/demo/image/upload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n")
            let started = Date()
            let answer = await connection.readUntilClosed()
            #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(200))")
            #expect(answer.contains("did not arrive within 1 seconds"))
            #expect(Date().timeIntervalSince(started) < 15)
            let page = try await derive.listResources(ResourceQuery(resourceType: "image"))
            #expect(page.resources.isEmpty)
            try await ServerFixture.expectHealthy(client)
        }
    }

    @Test func anIdleConnectionIsClosed() async throws {
        try await ServerFixture.withServer(configure: { $0.idleTimeoutSeconds = 1 }) { _, client in
            let connection = try RawConnection(port: try #require(client.port))
            let started = Date()
            #expect(await connection.readUntilClosed().isEmpty)
            let waited = Date().timeIntervalSince(started)
            #expect(waited >= 0.9 && waited < 15, "closed after \(waited) s")
            // (The test client's own idle connection was closed too: ask on a fresh one.)
            let next = try RawConnection(port: try #require(client.port))
            next.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            #expect(await next.readUntilClosed().hasPrefix("HTTP/1.1 200"))
        }
    }
}
