import AsyncHTTPClient
import Derive
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Fetches an upload's `file` given as an `http(s)` URL, only from hosts on the configured
/// allow-list (`DERIVE_REMOTE_HOSTS`). Every address a host resolves to is checked before the
/// connection, and the connection goes to that checked address (AsyncHTTPClient's `dnsOverride`,
/// keeping the host name for TLS), so a DNS answer that changes between check and connect cannot
/// reach an internal address. Loopback, private, link-local and other special addresses are refused
/// unless `DERIVE_REMOTE_ALLOW_PRIVATE` is set. Redirects are followed by hand, each hop checked
/// like the first; the body is read up to the upload limit.
struct RemoteFetcher: Sendable {
    let policy: RemoteSourcePolicy
    let maxBytes: Int
    var maxRedirects = 3
    var timeout: TimeAmount = .seconds(30)

    func fetch(_ text: String) async throws -> (bytes: [UInt8], filename: String?) {
        guard policy.isEnabled else {
            throw APIError.badRequest(
                "Remote URLs are not fetched: no host is allowed (set DERIVE_REMOTE_HOSTS to allow some)")
        }
        var url = try Self.parse(text)
        let deadline = NIODeadline.now() + timeout
        for _ in 0...maxRedirects {
            let address = try await checkedAddress(url)
            let response = try await get(url, address: address, deadline: deadline)
            switch response {
            case .body(let bytes):
                let name = url.path.split(separator: "/").last.map(String.init)
                return (bytes, name)
            case .redirect(let location):
                guard let next = URL(string: location, relativeTo: url)?.absoluteURL else {
                    throw APIError.badRequest("Remote file redirected to an invalid location")
                }
                url = try Self.parse(next.absoluteString)
            }
        }
        throw APIError.badRequest("Remote file redirected more than \(maxRedirects) times")
    }

    static func parse(_ text: String) throws(APIError) -> URL {
        guard text.utf8.count <= 2048, let url = URL(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = url.host, !host.isEmpty, url.user == nil
        else { throw .badRequest("Remote file URL must be an http or https URL without credentials") }
        return url
    }

    /// The host must be on the allow-list and every address it resolves to acceptable.
    private func checkedAddress(_ url: URL) async throws -> String {
        let host = (url.host ?? "").lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        guard policy.allows(host: host) else {
            throw APIError.badRequest("Remote host \(host.prefix(100)) is not in the allow-list (DERIVE_REMOTE_HOSTS)")
        }
        let port = url.port ?? (url.scheme?.lowercased() == "https" ? 443 : 80)
        let addresses = try await Self.resolve(host, port: port)
        guard let first = addresses.first else {
            throw APIError.badRequest("Remote host \(host.prefix(100)) has no address")
        }
        if !policy.allowPrivate {
            for address in addresses where !NetworkAddress.isPublic(address) {
                throw APIError.badRequest(
                    "Remote host \(host.prefix(100)) resolves to a non-public address (\(address)); refused")
            }
        }
        return first
    }

    private enum Outcome {
        case body([UInt8])
        case redirect(String)
    }

    private func get(_ url: URL, address: String, deadline: NIODeadline) async throws -> Outcome {
        var configuration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: .seconds(5), read: .seconds(15)))
        configuration.dnsOverride = [url.host ?? "": address]
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        do {
            var request = HTTPClientRequest(url: url.absoluteString)
            request.headers.add(name: "User-Agent", value: "Derive")
            let response = try await client.execute(request, deadline: deadline)
            let outcome = try await read(response)
            try await client.shutdown()
            return outcome
        } catch {
            try? await client.shutdown()
            if error is APIError { throw error }
            throw APIError.badRequest("Remote file could not be fetched: \(String(describing: error).prefix(200))")
        }
    }

    private func read(_ response: HTTPClientResponse) async throws -> Outcome {
        let code = response.status.code
        if [301, 302, 303, 307, 308].contains(code) {
            guard let location = response.headers.first(name: "Location") else {
                throw APIError.badRequest("Remote file answered \(code) without a Location")
            }
            return .redirect(location)
        }
        guard (200..<300).contains(code) else {
            throw APIError.badRequest("Remote file answered HTTP \(code)")
        }
        if let length = response.headers.first(name: "Content-Length").flatMap(Int.init), length > maxBytes {
            throw APIError.payloadTooLarge("Remote file is \(length) bytes, over the limit of \(maxBytes)")
        }
        var bytes: [UInt8] = []
        for try await chunk in response.body {
            guard bytes.count + chunk.readableBytes <= maxBytes else {
                throw APIError.payloadTooLarge("Remote file is over the limit of \(maxBytes) bytes")
            }
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return .body(bytes)
    }

    /// getaddrinfo on NIO's blocking pool (it blocks the calling thread).
    static func resolve(_ host: String, port: Int) async throws -> [String] {
        try await NIOThreadPool.singleton.runIfActive {
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let list else {
                throw APIError.badRequest("Remote host \(host.prefix(100)) does not resolve")
            }
            defer { freeaddrinfo(list) }
            var addresses: [String] = []
            var entry: UnsafeMutablePointer<addrinfo>? = list
            while let current = entry {
                if let text = NetworkAddress.text(current.pointee.ai_addr) { addresses.append(text) }
                entry = current.pointee.ai_next
            }
            return addresses
        }
    }
}
