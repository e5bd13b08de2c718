/// Percent-decoding and the SDK's `smart_escape`.
public enum PercentCoding {
    /// Decodes `%XX` escapes (UTF-8). Returns nil for a malformed escape or invalid UTF-8. `+` is kept.
    public static func decode(_ text: String) -> String? {
        guard text.utf8.contains(0x25) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var it = Array(text.utf8)[...]
        while let c = it.popFirst() {
            if c == 0x25 {
                guard it.count >= 2, let h = hexValue(it[it.startIndex]), let l = hexValue(it[it.startIndex + 1]) else {
                    return nil
                }
                out.append(h << 4 | l)
                it = it.dropFirst(2)
            } else {
                out.append(c)
            }
        }
        return String(validating: out, as: UTF8.self)
    }

    /// The SDK's `smart_escape`: every byte outside `[A-Za-z0-9_.\-/:]` becomes `%XX` (uppercase hex, UTF-8).
    public static func smartEscape(_ text: String) -> String {
        smartEscape(
            text, keep: { ASCII.isAlnum($0) || $0 == 0x5F || $0 == 0x2E || $0 == 0x2D || $0 == 0x2F || $0 == 0x3A })
    }

    static func smartEscape(_ text: String, keep: (UInt8) -> Bool) -> String {
        // Most public ids need no escaping: return them as they are (no copy).
        if text.utf8.allSatisfy(keep) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        let hex = upperHexDigits
        for c in text.utf8 {
            if keep(c) {
                out.append(c)
            } else {
                out.append(0x25)
                out.append(hex[Int(c >> 4)])
                out.append(hex[Int(c & 15)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static let upperHexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)

    @inline(__always) static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x41...0x46: c - 0x41 + 10
        case 0x61...0x66: c - 0x61 + 10
        default: nil
        }
    }
}
