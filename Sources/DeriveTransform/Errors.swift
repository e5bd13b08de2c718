/// A problem found while parsing a transformation string or a delivery URL.
///
/// The ``message`` names the component (1-based), the parameter key, the byte offset of the
/// offending text in the whole input and what was expected, for example
/// `component 1, parameter "wd" at offset 0: unknown parameter "wd" — did you mean "w"?`.
public struct TransformationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The full human-readable message.
    public var message: String
    /// The 1-based number of the component that failed, when the problem is inside one.
    public var component: Int?
    /// The UTF-8 byte offset of the offending text in the whole input.
    public var offset: Int?
    /// The parameter key involved (e.g. `"w"`), when known.
    public var parameter: String?
    /// The problem alone, without the location prefix.
    public var reason: String

    /// Creates an error; the ``message`` is composed from the location and the reason.
    public init(reason: String, component: Int? = nil, parameter: String? = nil, offset: Int? = nil) {
        self.reason = reason
        self.component = component
        self.parameter = parameter
        self.offset = offset
        self.message = TransformationError.compose(reason, component, parameter, offset)
    }

    public var description: String { message }

    /// The same error with its offset moved by `delta` and its component renumbered by `componentDelta`
    /// (used when a transformation is embedded in a longer text such as a URL path).
    public func shifted(by delta: Int, components componentDelta: Int = 0) -> TransformationError {
        TransformationError(
            reason: reason,
            component: component.map { $0 + componentDelta },
            parameter: parameter,
            offset: offset.map { $0 + delta }
        )
    }

    static func compose(_ reason: String, _ component: Int?, _ parameter: String?, _ offset: Int?) -> String {
        var location = ""
        if let component { location = "component \(component)" }
        if let parameter {
            location += location.isEmpty ? "parameter \"\(parameter)\"" : ", parameter \"\(parameter)\""
        }
        if let offset { location += location.isEmpty ? "at offset \(offset)" : " at offset \(offset)" }
        return location.isEmpty ? reason : location + ": " + reason
    }
}

/// Did-you-mean suggestions based on edit distance.
public enum Suggestions {
    /// The closest candidate to `word` (case-insensitive), or nil when nothing is close enough.
    /// Ties prefer the candidate sharing the longest prefix, then the earlier candidate.
    static func closest<C: Sequence>(to word: String, in candidates: C) -> String? where C.Element == String {
        let w = Array(word.lowercased().utf8)
        guard !w.isEmpty, w.count <= 64 else { return nil }
        let limit = w.count <= 3 ? 1 : (w.count <= 5 ? 2 : 3)
        var best: (candidate: String, distance: Int, prefix: Int)?
        for candidate in candidates {
            let c = Array(candidate.utf8)
            guard abs(c.count - w.count) <= limit else { continue }
            let d = distance(w, c)
            guard d <= limit, d < max(w.count, c.count), d == 0 || w.count >= 2 else { continue }
            var prefix = 0
            while prefix < min(c.count, w.count), c[prefix] == w[prefix] { prefix += 1 }
            if let b = best {
                if d < b.distance || (d == b.distance && prefix > b.prefix) { best = (candidate, d, prefix) }
            } else {
                best = (candidate, d, prefix)
            }
        }
        return best?.0
    }

    /// `" — did you mean \"x\"?"` or the empty string.
    public static func hint<C: Sequence>(for word: String, in candidates: C) -> String where C.Element == String {
        guard let s = closest(to: word, in: candidates) else { return "" }
        return " — did you mean \"\(s)\"?"
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { v = min(v, prev2[j - 2] + 1) }
                cur[j] = v
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}
