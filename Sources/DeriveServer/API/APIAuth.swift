import Derive
import DeriveTransform
import Foundation
import HTTPTypes
import Hummingbird

/// Who is calling the API, and checks of their credentials.
///
/// - Admin API: HTTP Basic with `api_key:api_secret` (cloudinary-api.md §5.1).
/// - Upload API: `api_key`, `timestamp` and `signature` among the parameters (§4.3): SHA-1 or
///   SHA-256 by length, v2 then v1 string-to-sign, the timestamp within the tolerance of now.
///
/// The web console's session (cookie + `X-CSRF-Token`, see ``ConsoleSessions``) stands in for both
/// when a call carries no Basic credentials (Admin) or no signature (Upload).
struct APIAuth: Sendable {
    let configuration: APIConfiguration
    var sessions: ConsoleSessions?

    /// The key pair of an Admin API call; `write` calls refuse read-only pairs (403).
    func adminCaller(_ request: Request, write: Bool) throws(APIError) -> APIConfiguration.KeyPair {
        guard !configuration.keys.isEmpty else {
            throw .unauthorized("the Admin API is disabled: no API key is configured")
        }
        guard let header = request.headers[.authorization] else {
            if let pair = try sessions?.caller(request, configuration: configuration, write: write) { return pair }
            throw .unauthorized("Missing credentials: send the API key and secret with HTTP Basic authentication")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "basic",
            let decoded = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
            let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else {
            throw .unauthorized("Invalid credentials: use HTTP Basic authentication with api_key:api_secret")
        }
        let key = String(text[..<colon])
        let secret = String(text[text.index(after: colon)...])
        guard let pair = configuration.pair(forKey: key), Signatures.constantTimeEquals(pair.secret, secret) else {
            throw .unauthorized("Invalid api_key or api_secret")
        }
        if write, pair.readOnly {
            throw .forbidden("api_key \(key) is read-only")
        }
        return pair
    }

    /// The key pair of a signed Upload API call (its `signature` verified against the other
    /// parameters). `excludingNotificationParameters`: the tags and context endpoints, where the SDK
    /// sends `notification_url` and `batch_id` unsigned.
    /// A console session (no `signature` among the parameters) may call every action but read-only
    /// pairs may not (each action changes something).
    func uploadCaller(
        _ parameters: APIParameters, request: Request, now: Date = Date(), excludingNotificationParameters: Bool = false
    ) throws(APIError) -> APIConfiguration.KeyPair {
        guard !configuration.keys.isEmpty else {
            throw .unauthorized("the Upload API is disabled: no API key is configured")
        }
        if parameters.string("signature") == nil,
            let pair = try sessions?.caller(request, configuration: configuration, write: true)
        {
            return pair
        }
        guard let key = parameters.string("api_key") else {
            throw .unauthorized("Missing required parameter - api_key")
        }
        guard let pair = configuration.pair(forKey: key) else {
            throw .unauthorized("Invalid api_key \(key.prefix(64))")
        }
        guard let timestampText = parameters.string("timestamp") else {
            throw .unauthorized("Missing required parameter - timestamp")
        }
        // Bounded before any arithmetic: the value is the client's (Int.min would overflow the difference).
        let plausible = 0...(1 << 40)
        guard let timestamp = Int(timestampText), plausible.contains(timestamp),
            abs(Int(now.timeIntervalSince1970) - timestamp) <= configuration.timestampTolerance
        else {
            let reported = Int(timestampText).flatMap { plausible.contains($0) ? $0 : nil }.map {
                ISODate.string(Date(timeIntervalSince1970: Double($0)))
            }
            throw .unauthorized(
                "Stale request - reported time is \(reported ?? String(timestampText.prefix(40))) which is more than 1 hour away from now"
            )
        }
        guard let signature = parameters.string("signature") else {
            throw .unauthorized("Missing required parameter - signature")
        }
        let signable = Signatures.signableParameters(
            parameters.signable, excludingNotificationParameters: excludingNotificationParameters)
        guard Signatures.verifyRequestSignature(params: signable, signature: signature, secret: pair.secret) else {
            let toSign = Signatures.stringToSign(params: signable)
            throw .unauthorized(
                "Invalid Signature \(signature.prefix(64)). String to sign - '\(toSign.prefix(2_000))'.")
        }
        // Every Upload API action changes something: a read-only pair may only read the Admin API.
        if pair.readOnly { throw .forbidden("api_key \(key) is read-only") }
        return pair
    }
}

/// `2015-06-20 12:59:41 +0000`, as Cloudinary's stale-request message writes times.
enum ISODate {
    static func string(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss Z"
        return formatter.string(from: date)
    }
}
