/// A single `Range: bytes=…` request (RFC 9110 §14), resolved against a body's length.
///
/// Only one range is served: a request for several gets the whole body (a server may ignore
/// `Range`), as does a header that does not parse. Every number is parsed with overflow checks:
/// the header is hostile input.
enum ByteRange: Equatable {
    /// Serve bytes `lower...upper` (inclusive) with 206.
    case partial(lower: Int, upper: Int)
    /// 416, with `Content-Range: bytes */<length>`.
    case unsatisfiable
    /// Ignore the header: 200 with the whole body.
    case whole

    static func resolve(_ header: String?, length: Int) -> ByteRange {
        guard let header else { return .whole }
        let trimmed = header.trimmingASCIISpaces
        guard trimmed.lowercased().hasPrefix("bytes="), !trimmed.contains(",") else { return .whole }
        let spec = trimmed.dropFirst("bytes=".count).trimmingASCIISpaces
        guard let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingASCIISpaces
        let last = spec[spec.index(after: dash)...].trimmingASCIISpaces
        if first.isEmpty {
            // `-N`: the last N bytes.
            guard let suffix = decimal(last) else { return .whole }
            guard suffix > 0, length > 0 else { return .unsatisfiable }
            return .partial(lower: max(0, length - suffix), upper: length - 1)
        }
        guard let lower = decimal(first) else { return .whole }
        var upper = length - 1
        if !last.isEmpty {
            guard let value = decimal(last), value >= lower else { return .whole }
            upper = min(value, length - 1)
        }
        guard lower < length else { return .unsatisfiable }
        return .partial(lower: lower, upper: upper)
    }

    /// A non-negative decimal; nil for anything else, including values past `Int.max` (a range
    /// that large is as good as "to the end", but a malformed header is simply ignored).
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else {
            return nil
        }
        return Int(text)
    }
}

extension StringProtocol {
    fileprivate var trimmingASCIISpaces: Substring {
        let scalars = self[...]
        let start = scalars.firstIndex { $0 != " " && $0 != "\t" } ?? scalars.endIndex
        let end = scalars.lastIndex { $0 != " " && $0 != "\t" }.map { scalars.index(after: $0) } ?? start
        return Substring(scalars[start..<Swift.max(start, end)])
    }
}
