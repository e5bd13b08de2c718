import Foundation

/// A configuration file: a JSON object whose keys are the `DERIVE_*` settings in lower case without
/// the prefix (`cloud_name`, `api_keys`, `render_threads`, …) and whose values are strings, numbers,
/// booleans or arrays (joined with commas, as the variables take them):
///
/// ```json
/// {"cloud_name": "shop", "api_key": "614335564976464", "api_secret": "…", "delivery_cache_mb": 128,
///  "webhook_url": ["https://hooks.example.com/derive"], "strict_transformations": true}
/// ```
///
/// Precedence: the file < the environment < command-line flags. An unknown key is an error, so a
/// typo does not silently leave a default in place.
public enum ConfigFile {
    /// Every setting, by its environment name.
    public static let settings: Set<String> = [
        "DERIVE_ACCESS_LOG", "DERIVE_ADMIN_RATE_LIMIT", "DERIVE_ADMIN_RATE_WINDOW_SECONDS",
        "DERIVE_ALLOWED_TRANSFORMATIONS", "DERIVE_API_KEY", "DERIVE_API_KEYS", "DERIVE_API_NICENESS",
        "DERIVE_API_SECRET",
        "DERIVE_BODY_TIMEOUT_SECONDS", "DERIVE_IDLE_TIMEOUT_SECONDS",
        "DERIVE_CLOUD_NAME", "DERIVE_DATA", "DERIVE_DELIVERY_BASE_URL", "DERIVE_DELIVERY_CACHE_MB",
        "DERIVE_DELIVERY_CACHE_URLS", "DERIVE_EVENT_RETENTION_DAYS", "DERIVE_GC_GRACE_SECONDS",
        "DERIVE_GC_INTERVAL_SECONDS", "DERIVE_INVALIDATE_VERSIONED_URLS", "DERIVE_MAX_INPUT_PIXELS",
        "DERIVE_MAX_UPLOAD_BYTES", "DERIVE_MUTABLE_MAX_AGE", "DERIVE_PREVIOUS_API_SECRETS",
        "DERIVE_REMOTE_ALLOW_PRIVATE", "DERIVE_REMOTE_HOSTS",
        "DERIVE_RENDER_THREADS", "DERIVE_RENDER_TIMEOUT_SECONDS", "DERIVE_SOURCE_CACHE_MB", "DERIVE_SQLITE_PRAGMAS",
        "DERIVE_STRICT_TRANSFORMATIONS", "DERIVE_VIPS_MODULES", "DERIVE_VIPS_VECTOR", "DERIVE_WEBHOOK_URL",
    ]

    /// The settings a file holds, as environment variables.
    public static func environment(from data: Data, file: String) throws(DeriveError) -> [String: String] {
        let settings: [String: Value]
        do { settings = try JSONDecoder().decode([String: Value].self, from: data) } catch {
            throw .invalidArgument(
                "configuration file \(file) must be a JSON object of strings, numbers, booleans or lists")
        }
        var environment: [String: String] = [:]
        for (key, value) in settings {
            let name = "DERIVE_" + key.uppercased()
            guard Self.settings.contains(name) else {
                throw .invalidArgument("configuration file \(file): unknown setting \"\(key)\"")
            }
            environment[name] = value.text
        }
        return environment
    }

    /// A setting's value; JSON booleans and numbers are told apart by the decoder (Foundation's
    /// `Any` bridges both to NSNumber).
    enum Value: Decodable {
        case text(String)
        case list([Value])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) {
                self = .text(value ? "true" : "false")
            } else if let value = try? container.decode(Int64.self) {
                self = .text(String(value))
            } else if let value = try? container.decode(Double.self) {
                self = .text(String(value))
            } else if let value = try? container.decode(String.self) {
                self = .text(value)
            } else {
                self = .list(try container.decode([Value].self))
            }
        }

        var text: String {
            switch self {
            case .text(let value): value
            case .list(let values): values.map(\.text).joined(separator: ",")
            }
        }
    }

    /// Reads `file` and sets, in this process's environment, each setting the environment does not
    /// already have. Call before anything reads the configuration.
    public static func apply(file: String) throws(DeriveError) {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw .invalidArgument("cannot read configuration file \(file)")
        }
        let current = ProcessInfo.processInfo.environment
        for (name, value) in try environment(from: data, file: file) where current[name] == nil {
            setenv(name, value, 1)
        }
    }
}
