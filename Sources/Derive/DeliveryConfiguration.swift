import DeriveTransform
import Foundation

/// Access control and caching of delivery URLs.
public struct DeliveryConfiguration: Sendable {
    /// Secrets that verify `s--SIG--` signatures: the first is the current one (`DERIVE_API_SECRET`),
    /// the others are accepted during a rotation (`DERIVE_PREVIOUS_API_SECRETS`, comma-separated).
    /// Without any, signed URLs and the `private`/`authenticated` types are refused.
    public var signingSecrets: [String] = []
    /// Strict transformations (`DERIVE_STRICT_TRANSFORMATIONS=1`): only derivatives that already
    /// exist, signed URLs and ``allowedTransformations`` may create derivatives.
    public var strictTransformations = false
    /// Transformations any URL may create in strict mode (`DERIVE_ALLOWED_TRANSFORMATIONS`,
    /// `|`-separated); compared by canonical form, so parameter order does not matter.
    public var allowedTransformations: [String] = [] {
        didSet { allowedCanonical = Self.canonicalise(allowedTransformations) }
    }
    private(set) var allowedCanonical: Set<String> = []
    /// `max-age` for URLs that change on overwrite (`v1`, unversioned, or an older version) and for
    /// default images (`DERIVE_MUTABLE_MAX_AGE`, seconds).
    public var mutableMaxAge = 3_600
    /// `max-age` for URLs carrying the original's current version (they never change).
    public var immutableMaxAge = 31_536_000

    public init() {}

    mutating func apply(environment: [String: String]) {
        var secrets: [String] = []
        if let secret = environment["DERIVE_API_SECRET"], !secret.isEmpty { secrets.append(secret) }
        for old in (environment["DERIVE_PREVIOUS_API_SECRETS"] ?? "").split(separator: ",") {
            let trimmed = old.trimmingCharacters(in: .whitespaces)
            if !trimmed.isEmpty { secrets.append(trimmed) }
        }
        if !secrets.isEmpty { signingSecrets = secrets }
        if let flag = environment["DERIVE_STRICT_TRANSFORMATIONS"] {
            strictTransformations = ["1", "true", "yes", "on"].contains(flag.lowercased())
        }
        if let list = environment["DERIVE_ALLOWED_TRANSFORMATIONS"] {
            allowedTransformations = list.split(separator: "|").map(String.init)
        }
        if let age = environment["DERIVE_MUTABLE_MAX_AGE"].flatMap(Int.init), age >= 0 { mutableMaxAge = age }
    }

    var summary: String {
        "signing-secrets=\(signingSecrets.count) strict-transformations=\(strictTransformations) "
            + "allowed-transformations=\(allowedTransformations.count) mutable-max-age=\(mutableMaxAge)"
    }

    private static func canonicalise(_ list: [String]) -> Set<String> {
        Set(list.map { text in (try? Transformation(parsing: text))?.canonical ?? text })
    }
}

/// Who asks for a derivative: a trusted library call, or a delivery URL (signed or not).
struct Access: Sendable {
    var trusted: Bool
    var signed: Bool

    static let trusted = Access(trusted: true, signed: true)

    /// Strict transformations: a URL may create a derivative only when signed or allow-listed.
    func check(canonical: String, configuration: DeliveryConfiguration) throws(DeriveError) {
        guard !trusted, !signed, configuration.strictTransformations else { return }
        guard configuration.allowedCanonical.contains(canonical) else {
            throw .unauthorized(
                "strict transformations are on: \"\(canonical)\" is not an allowed transformation and the URL is not signed"
            )
        }
    }
}
