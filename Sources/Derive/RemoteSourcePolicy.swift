import Foundation

/// Which remote URLs an upload may name as its `file` (Cloudinary fetches any URL; a self-hosted
/// server must not become a proxy into its own network). Empty = none.
public struct RemoteSourcePolicy: Sendable, Hashable {
    /// Host names (`images.example.com`), suffix patterns (`*.example.com`: any subdomain), IP
    /// literals, or `*` for any host. `DERIVE_REMOTE_HOSTS`, comma-separated.
    public var hosts: [String] = []
    /// Allow hosts on the list to resolve to loopback, private or link-local addresses
    /// (`DERIVE_REMOTE_ALLOW_PRIVATE`): for an image server on the same private network.
    public var allowPrivate = false

    public init(hosts: [String] = [], allowPrivate: Bool = false) {
        self.hosts = hosts
        self.allowPrivate = allowPrivate
    }

    public var isEnabled: Bool { !hosts.isEmpty }

    public func allows(host: String) -> Bool {
        let host = host.lowercased()
        guard !host.isEmpty else { return false }
        return hosts.contains { pattern in
            if pattern == "*" { return true }
            if pattern.hasPrefix("*.") { return host.hasSuffix(pattern.dropFirst()) }
            return host == pattern
        }
    }

    mutating func apply(environment: [String: String]) {
        if let list = environment["DERIVE_REMOTE_HOSTS"] {
            hosts = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
                .filter { !$0.isEmpty }
        }
        if let flag = environment["DERIVE_REMOTE_ALLOW_PRIVATE"] {
            allowPrivate = ["1", "true", "yes"].contains(flag.lowercased())
        }
    }

    var summary: String {
        hosts.isEmpty
            ? "remote-hosts=none"
            : "remote-hosts=\(hosts.joined(separator: ","))\(allowPrivate ? " (private allowed)" : "")"
    }
}
