import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Builds a JSON object as text, fast enough to write hundreds of thousands of event payloads per
/// second inside a catalog transaction: no Foundation encoders, no intermediate dictionaries, and
/// UTF-8 bytes appended to one buffer (a `String` is made once, at the end).
struct JSONObjectWriter {
    private var bytes: [UInt8] = []
    private var empty = true
    private var arrayEmpty = true

    /// `capacity`: the expected length in bytes, to grow the buffer once rather than by doubling.
    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    private mutating func key(_ name: String) {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
        Self.appendQuoted(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    mutating func field(_ name: String, _ value: String?) {
        guard let value else { return }
        key(name)
        Self.appendQuoted(value, to: &bytes)
    }

    mutating func field(_ name: String, _ value: Int?) {
        guard let value else { return }
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func field(_ name: String, strings: [String]) {
        beginArray(name)
        for value in strings { arrayElement(value) }
        endArray()
    }

    /// An array of strings written element by element (`beginArray`, `arrayElement`…, `endArray`),
    /// for values produced one at a time.
    mutating func beginArray(_ name: String) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        arrayEmpty = true
    }

    mutating func arrayElement(_ value: String) {
        if !arrayEmpty { bytes.append(UInt8(ascii: ",")) }
        arrayEmpty = false
        Self.appendQuoted(value, to: &bytes)
    }

    /// An array element made of several pieces, without an intermediate string:
    /// `beginElement()`, `elementPiece(_:)`…, `endElement()`.
    mutating func beginElement() {
        if !arrayEmpty { bytes.append(UInt8(ascii: ",")) }
        arrayEmpty = false
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func elementPiece(_ piece: String) { Self.appendEscaped(piece, to: &bytes) }

    mutating func endElement() { bytes.append(UInt8(ascii: "\"")) }

    /// An object as the next array element, its fields written by `body` (no intermediate string).
    mutating func objectElement(_ body: (inout JSONObjectWriter) -> Void) {
        if !arrayEmpty { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "{"))
        empty = true
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        empty = false
        arrayEmpty = false
    }

    mutating func endArray() { bytes.append(UInt8(ascii: "]")) }

    /// A value that is already JSON text (an object, an array of objects…).
    mutating func field(_ name: String, raw: String) {
        key(name)
        bytes.append(contentsOf: raw.utf8)
    }

    /// The JSON text. Consuming: the buffer is closed in place rather than copied.
    consuming func finish() -> String {
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendQuoted(_ value: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        appendEscaped(value, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// `value`'s UTF-8 with JSON's escapes: quote, backslash and control characters.
    static func appendEscaped(_ value: String, to bytes: inout [UInt8]) {
        var value = value
        value.withUTF8 { utf8 in
            var clean = utf8.startIndex
            for index in utf8.indices {
                let unit = utf8[index]
                guard unit < 0x20 || unit == 0x22 || unit == 0x5C else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<index]))
                switch unit {
                case 0x22: bytes.append(contentsOf: #"\""#.utf8)
                case 0x5C: bytes.append(contentsOf: #"\\"#.utf8)
                case 0x0A: bytes.append(contentsOf: #"\n"#.utf8)
                case 0x0D: bytes.append(contentsOf: #"\r"#.utf8)
                case 0x09: bytes.append(contentsOf: #"\t"#.utf8)
                default:
                    let hex = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: #"\u00"#.utf8)
                    bytes.append(hex[Int(unit >> 4)])
                    bytes.append(hex[Int(unit & 0xF)])
                }
                clean = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[clean..<utf8.endIndex]))
        }
    }
}

/// ISO-8601 UTC times (`2024-06-25T09:25:44Z`) without a shared formatter.
public enum ISOTime {
    public static func string(_ date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

/// JSON text helpers for other modules (the server's API answers and access log).
public enum JSONText {
    /// `value` as a JSON string literal: quotes, backslashes and control characters escaped.
    public static func quoted(_ value: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count + 2)
        JSONObjectWriter.appendQuoted(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
