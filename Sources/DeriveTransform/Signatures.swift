/// The hash used by a signature.
public enum SignatureAlgorithm: String, Sendable, Hashable, CaseIterable {
    case sha1, sha256

    /// The raw digest of `bytes`.
    public func digest(_ bytes: [UInt8]) -> [UInt8] {
        switch self {
        case .sha1: Digest.sha1(bytes)
        case .sha256: Digest.sha256(bytes)
        }
    }
}

/// Cloudinary signatures: delivery-URL signatures (`s--…--`) and Upload API request signatures.
public enum Signatures {
    // MARK: - URL signatures

    /// The signature text (without `s--` / `--`) of `toSign`: the first 8 characters of
    /// base64url(HASH(toSign + secret)), or 32 characters of the SHA-256 form when `long` is true.
    public static func urlSignature(
        toSign: String, secret: String, algorithm: SignatureAlgorithm = .sha1, long: Bool = false
    ) -> String {
        let digest = (long ? .sha256 : algorithm).digest(Array((toSign + secret).utf8))
        return String(Digest.base64URL(digest).prefix(long ? 32 : 8))
    }

    /// The signature text for a transformation string and an escaped source (`folder/sample.jpg`):
    /// the two are joined with `/` (empty parts dropped), as the SDK does.
    public static func urlSignature(
        transformation: String, source: String, secret: String, algorithm: SignatureAlgorithm = .sha1,
        long: Bool = false
    ) -> String {
        let toSign = [transformation, source].filter { !$0.isEmpty }.joined(separator: "/")
        return urlSignature(toSign: toSign, secret: secret, algorithm: algorithm, long: long)
    }

    /// Checks the `s--…--` signature of a parsed delivery URL. An 8-character signature is tried with
    /// SHA-1 then SHA-256, a 32-character one with SHA-256; first over the raw (still-encoded) text,
    /// then over the re-escaped decoded public id. Comparison is constant-time.
    public static func verifyURLSignature(
        _ url: DeliveryURL, secret: String, algorithms: [SignatureAlgorithm] = [.sha1, .sha256]
    ) -> Bool {
        guard let signature = url.signature else { return false }
        var candidates = [url.stringToSign]
        let escaped = url.reescapedStringToSign
        if escaped != candidates[0] { candidates.append(escaped) }
        for toSign in candidates {
            switch signature.utf8.count {
            case 8:
                for algorithm in algorithms
                where constantTimeEquals(urlSignature(toSign: toSign, secret: secret, algorithm: algorithm), signature)
                {
                    return true
                }
            case 32:
                if constantTimeEquals(urlSignature(toSign: toSign, secret: secret, long: true), signature) {
                    return true
                }
            default:
                return false
            }
        }
        return false
    }

    // MARK: - Request signatures (Upload API)

    /// Parameters the SDK never signs: `file`, `api_key`, `signature`, `cloud_name`, `resource_type`.
    public static let unsignedParameters: Set<String> = ["file", "api_key", "signature", "cloud_name", "resource_type"]

    /// The received parameters that take part in the signature (section 4.3): the unsigned ones removed
    /// (plus `notification_url` and `batch_id` for the tags/context/metadata endpoints), empty values dropped.
    public static func signableParameters(
        _ received: [(String, String)], excludingNotificationParameters: Bool = false
    ) -> [(String, String)] {
        received.filter { key, value in
            !value.isEmpty && !unsignedParameters.contains(key)
                && !(excludingNotificationParameters && (key == "notification_url" || key == "batch_id"))
        }
    }

    /// The string to sign: `k=v` items (empty values dropped; v2 replaces `&` with `%26` in each item),
    /// sorted, joined with `&`. List values must already be joined with `,`.
    public static func stringToSign(params: [(String, String)], version: Int = 2) -> String {
        var items: [String] = []
        items.reserveCapacity(params.count)
        for (k, v) in params where !v.isEmpty {
            var item = k + "=" + v
            if version >= 2, item.utf8.contains(0x26) { item = replaceAmpersands(item) }
            items.append(item)
        }
        items.sort { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        return items.joined(separator: "&")
    }

    /// `hex(HASH(stringToSign + secret))`, the Upload API request signature.
    public static func requestSignature(
        params: [(String, String)], secret: String, algorithm: SignatureAlgorithm = .sha1, version: Int = 2
    ) -> String {
        let toSign = stringToSign(params: params, version: version)
        return Digest.hex(algorithm.digest(Array((toSign + secret).utf8)))
    }

    /// Verifies a request signature: 40 hex characters mean SHA-1, 64 mean SHA-256; v2 then v1 is tried.
    public static func verifyRequestSignature(
        params: [(String, String)], signature: String, secret: String
    ) -> Bool {
        let lower = signature.lowercased()
        let algorithm: SignatureAlgorithm
        switch lower.utf8.count {
        case 40: algorithm = .sha1
        case 64: algorithm = .sha256
        default: return false
        }
        for version in [2, 1] {
            let expected = requestSignature(params: params, secret: secret, algorithm: algorithm, version: version)
            if constantTimeEquals(expected, lower) { return true }
        }
        return false
    }

    /// The `signature` field of upload responses: `hex(SHA1("public_id=<id>&version=<v>" + secret))`.
    public static func responseSignature(publicID: String, version: Int, secret: String) -> String {
        requestSignature(
            params: [("public_id", publicID), ("version", String(version))], secret: secret, version: 1)
    }

    /// The `X-Cld-Signature` of a notification: `hex(SHA1(body + timestamp + secret))`.
    public static func notificationSignature(
        body: [UInt8], timestamp: String, secret: String, algorithm: SignatureAlgorithm = .sha1
    ) -> String {
        Digest.hex(algorithm.digest(body + Array((timestamp + secret).utf8)))
    }

    // MARK: - Helpers

    static func replaceAmpersands(_ s: String) -> String {
        var out: [UInt8] = []
        for c in s.utf8 {
            if c == 0x26 { out.append(contentsOf: [0x25, 0x32, 0x36]) } else { out.append(c) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Compares two strings without an early exit on the first difference.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8)
        let y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<x.count { diff |= x[i] ^ y[i] }
        return diff == 0
    }
}
