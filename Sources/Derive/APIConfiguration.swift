import Foundation

/// Credentials and quotas of the Upload and Admin API.
public struct APIConfiguration: Sendable {
    /// An API key and its secret. A read-only pair may call the Admin API's reads only.
    public struct KeyPair: Sendable, Hashable {
        public var key: String
        public var secret: String
        public var readOnly: Bool

        public init(key: String, secret: String, readOnly: Bool = false) {
            self.key = key
            self.secret = secret
            self.readOnly = readOnly
        }
    }

    /// Every accepted pair (several during a rotation). `DERIVE_API_KEY` + `DERIVE_API_SECRET` give
    /// one; `DERIVE_API_KEYS` adds `key:secret` or `key:secret:read-only` items, comma-separated.
    public var keys: [KeyPair] = []
    /// Admin API calls allowed per key per window (Cloudinary: 500 or 2,000 an hour); 0 = unlimited.
    public var adminRateLimit = 2_000
    /// The rate-limit window, in seconds.
    public var adminRateWindow = 3_600
    /// Upload and explicit requests whose `timestamp` is further than this from now are refused.
    public var timestampTolerance = 3_600
    /// Remote URLs an upload may fetch.
    public var remote = RemoteSourcePolicy()

    public init() {}

    public func pair(forKey key: String) -> KeyPair? { keys.first { $0.key == key } }

    mutating func apply(environment: [String: String]) {
        if let key = environment["DERIVE_API_KEY"], !key.isEmpty, let secret = environment["DERIVE_API_SECRET"],
            !secret.isEmpty
        {
            keys.append(KeyPair(key: key, secret: secret))
        }
        for item in (environment["DERIVE_API_KEYS"] ?? "").split(separator: ",") {
            let parts = item.split(separator: ":").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count >= 2, !parts[0].isEmpty, !parts[1].isEmpty else { continue }
            let readOnly = parts.count > 2 && ["read-only", "readonly", "ro"].contains(parts[2].lowercased())
            keys.append(KeyPair(key: parts[0], secret: parts[1], readOnly: readOnly))
        }
        if let limit = environment["DERIVE_ADMIN_RATE_LIMIT"].flatMap(Int.init), limit >= 0 { adminRateLimit = limit }
        if let window = environment["DERIVE_ADMIN_RATE_WINDOW_SECONDS"].flatMap(Int.init), window > 0 {
            adminRateWindow = window
        }
        remote.apply(environment: environment)
    }

    var summary: String {
        let masked = keys.map { "\($0.key):****\($0.readOnly ? ":read-only" : "")" }.joined(separator: ",")
        return "api-keys=[\(masked)] admin-rate-limit=\(adminRateLimit)/\(adminRateWindow)s \(remote.summary)"
    }
}

extension APIConfiguration {
    /// The key pair kept in `<data>/api-key.json`, made (random, file mode 0600) when there is none:
    /// what `derive serve` uses when no key is configured, so the API works from the first start.
    public static func generatedPair(in directory: URL) throws(DeriveError) -> KeyPair {
        let file = directory.appendingPathComponent("api-key.json")
        if let data = FileManager.default.contents(atPath: file.path) {
            guard let object = try? JSONDecoder().decode([String: String].self, from: data),
                let key = object["api_key"], let secret = object["api_secret"], !key.isEmpty, !secret.isEmpty
            else { throw .invalidArgument("\(file.path) does not hold {\"api_key\":…,\"api_secret\":…}") }
            return KeyPair(key: key, secret: secret)
        }
        var generator = SystemRandomNumberGenerator()
        let key = String((0..<15).map { _ in "0123456789".randomElement(using: &generator)! })
        let alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
        let secret = String((0..<27).map { _ in alphabet.randomElement(using: &generator)! })
        let json = "{\"api_key\":\"\(key)\",\"api_secret\":\"\(secret)\"}\n"
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            guard
                FileManager.default.createFile(
                    atPath: file.path, contents: Data(json.utf8), attributes: [.posixPermissions: 0o600])
            else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw .invalidArgument("cannot write \(file.path): \(error.localizedDescription)")
        }
        return KeyPair(key: key, secret: secret)
    }
}
