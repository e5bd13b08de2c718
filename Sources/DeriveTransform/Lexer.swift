/// A read-only view of UTF-8 bytes with small scanning helpers. Offsets are absolute byte positions.
struct Source {
    let bytes: UnsafeBufferPointer<UInt8>

    @inline(__always) subscript(_ i: Int) -> UInt8 { bytes[i] }

    /// The text of `a..<b` as a String (small strings do not allocate).
    @inline(__always) func string(_ a: Int, _ b: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[a..<b]), as: UTF8.self)
    }

    /// Whether `a..<b` equals the ASCII literal.
    @inline(__always) func equals(_ a: Int, _ b: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard b - a == n else { return false }
        let p = literal.utf8Start
        var i = 0
        while i < n {
            if bytes[a + i] != p[i] { return false }
            i += 1
        }
        return true
    }

    /// Whether `a..<b` starts with the ASCII literal.
    @inline(__always) func hasPrefix(_ a: Int, _ b: Int, _ literal: StaticString) -> Bool {
        let n = literal.utf8CodeUnitCount
        guard b - a >= n else { return false }
        return equals(a, a + n, literal)
    }

    /// The first index of `byte` in `a..<b`, or nil.
    @inline(__always) func firstIndex(of byte: UInt8, _ a: Int, _ b: Int) -> Int? {
        var i = a
        while i < b {
            if bytes[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// Parses `-?[0-9]+` in `a..<b`; nil when malformed or out of range (|n| ≤ 10^15).
    func int(_ a: Int, _ b: Int) -> Int? {
        var i = a
        var negative = false
        if i < b, bytes[i] == 0x2D {
            negative = true
            i += 1
        }
        guard i < b, b - i <= 16 else { return nil }
        var v = 0
        while i < b {
            let d = bytes[i] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
            i += 1
        }
        return negative ? -v : v
    }

    /// Parses `-?[0-9]+(.[0-9]+)?`: `.int` without a point, `.decimal` with one; nil when malformed.
    func number(_ a: Int, _ b: Int) -> Number? {
        guard let dot = firstIndex(of: 0x2E, a, b) else { return int(a, b).map(Number.int) }
        let digitsStart = a < b && bytes[a] == 0x2D ? a + 1 : a
        // Up to 400 characters: enough for any finite Double written out positionally by the printer.
        guard digitsStart < dot, dot + 1 < b, b - a <= 400 else { return nil }
        var i = digitsStart
        while i < b {
            guard i == dot || bytes[i] &- 0x30 < 10 else { return nil }
            i += 1
        }
        guard let d = Double(string(a, b)), d.isFinite else { return nil }
        return .decimal(d)
    }

    enum Number {
        case int(Int)
        case decimal(Double)
    }

    /// Whether every byte of `a..<b` is in the allowed class and the range is non-empty.
    func all(_ a: Int, _ b: Int, _ allowed: (UInt8) -> Bool) -> Bool {
        guard a < b else { return false }
        var i = a
        while i < b {
            if !allowed(bytes[i]) { return false }
            i += 1
        }
        return true
    }
}

/// Character classes.
enum ASCII {
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }
    @inline(__always) static func isLower(_ c: UInt8) -> Bool { c &- 0x61 < 26 }
    @inline(__always) static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isAlnum(_ c: UInt8) -> Bool { isAlpha(c) || isDigit(c) }
    @inline(__always) static func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20) &- 0x61 < 6 }
    /// Identifier characters used in names and ids: letters, digits, `_`, `-`.
    @inline(__always) static func isWord(_ c: UInt8) -> Bool { isAlnum(c) || c == 0x5F || c == 0x2D }
    /// Bytes allowed in free-form values (ids, text, options): anything printable except `,` and `/`.
    @inline(__always) static func isValueByte(_ c: UInt8) -> Bool {
        c > 0x20 && c != 0x2C && c != 0x2F && c != 0x7F
    }
}

/// Formats decimals the way the Python SDK writes floats (`repr`): shortest round-trip digits,
/// always with a decimal point, never with an exponent.
enum DecimalFormat {
    static func string(_ d: Double) -> String {
        let s = d.description
        guard s.utf8.contains(0x65) else { return s }  // no "e"
        return expand(s)
    }

    /// Expands `1.5e-05` / `1e+16` into plain positional notation.
    static func expand(_ s: String) -> String {
        let parts = s.split(separator: "e", maxSplits: 1)
        guard parts.count == 2, let exp = Int(parts[1]) else { return s }
        var mantissa = String(parts[0])
        var negative = false
        if mantissa.hasPrefix("-") {
            negative = true
            mantissa.removeFirst()
        }
        let pieces = mantissa.split(separator: ".", maxSplits: 1)
        let intPart = String(pieces[0])
        let fracPart = pieces.count > 1 ? String(pieces[1]) : ""
        let digits = intPart + fracPart
        let point = intPart.count + exp  // position of the decimal point within digits
        var result: String
        if point <= 0 {
            result = "0." + String(repeating: "0", count: -point) + digits
        } else if point >= digits.count {
            result = digits + String(repeating: "0", count: point - digits.count) + ".0"
        } else {
            let idx = digits.index(digits.startIndex, offsetBy: point)
            result = String(digits[..<idx]) + "." + String(digits[idx...])
        }
        while result.hasSuffix("0") && !result.hasSuffix(".0") { result.removeLast() }
        return negative ? "-" + result : result
    }
}

/// Appends bytes to a fixed buffer; records overflow instead of writing past the end.
struct ByteWriter {
    let buffer: UnsafeMutableBufferPointer<UInt8>
    var count = 0
    var overflowed = false

    init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    @inline(__always) mutating func byte(_ b: UInt8) {
        if count < buffer.count {
            buffer[count] = b
            count += 1
        } else {
            overflowed = true
        }
    }

    @inline(__always) mutating func write(_ s: StaticString) {
        let n = s.utf8CodeUnitCount
        guard count + n <= buffer.count, let base = buffer.baseAddress else {
            overflowed = true
            return
        }
        let p = s.utf8Start
        var i = 0
        while i < n {
            base[count + i] = p[i]
            i += 1
        }
        count += n
    }

    @inline(__always) mutating func write(_ s: String) {
        var s = s
        s.withUTF8 { u in bytes(u) }
    }

    @inline(__always) mutating func bytes(_ u: UnsafeBufferPointer<UInt8>) {
        guard count + u.count <= buffer.count, let base = buffer.baseAddress else {
            overflowed = true
            return
        }
        if let p = u.baseAddress { (base + count).update(from: p, count: u.count) }
        count += u.count
    }

    mutating func int(_ v: Int) {
        var m = v.magnitude
        var digits = 1
        var t = m
        while t >= 10 {
            t /= 10
            digits += 1
        }
        let need = digits + (v < 0 ? 1 : 0)
        guard count + need <= buffer.count else {
            overflowed = true
            return
        }
        if v < 0 {
            buffer[count] = 0x2D
            count += 1
        }
        var i = count + digits - 1
        repeat {
            buffer[i] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
            m /= 10
            i -= 1
        } while m > 0
        count += digits
    }

    mutating func decimal(_ d: Double) { write(DecimalFormat.string(d)) }

    /// Builds a String from the bytes written.
    func makeString() -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buffer[0..<count]), as: UTF8.self)
    }

    /// Runs `body` with a writer (stack buffer first, growing on the heap on overflow) and returns the text.
    static func render(_ body: (inout ByteWriter) -> Void) -> String {
        let first: String? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 512) { buf in
            var w = ByteWriter(buf)
            body(&w)
            return w.overflowed ? nil : w.makeString()
        }
        if let first { return first }
        var capacity = 4096
        while true {
            let result: String? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buf in
                var w = ByteWriter(buf)
                body(&w)
                return w.overflowed ? nil : w.makeString()
            }
            if let result { return result }
            capacity *= 4
        }
    }
}

/// Calls `body` with the contiguous UTF-8 bytes of `text` (copying only for non-native strings).
@inline(__always)
func withUTF8Bytes<R, E: Error>(
    _ text: String, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R
) throws(E) -> R {
    var text = text
    let result: Result<R, E> = text.withUTF8 { buf in Result { () throws(E) -> R in try body(buf) } }
    return try result.get()
}
