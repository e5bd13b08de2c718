import Crypto

/// Content addresses: lowercase hex SHA-256.
public enum ContentHash {
    public static func sha256Hex(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes), digits: 64)
    }

    /// The first `digits` (even, at most 64) hex digits of the SHA-256 of `text`'s UTF-8: ids
    /// derived from keys, computed per record on hot paths, without an intermediate byte array.
    public static func sha256Hex(of text: String, digits: Int = 64) -> String {
        var text = text
        let digest = text.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
        return hex(digest, digits: digits)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func hex(_ digest: SHA256.Digest, digits: Int) -> String {
        let count = min(max(0, digits / 2), SHA256.byteCount)
        return String(unsafeUninitializedCapacity: count * 2) { buffer in
            for (index, byte) in digest.prefix(count).enumerated() {
                buffer[2 * index] = hexDigits[Int(byte >> 4)]
                buffer[2 * index + 1] = hexDigits[Int(byte & 15)]
            }
            return count * 2
        }
    }

    /// Whether `text` looks like a content address (64 lowercase hex digits).
    public static func isValid(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
