import DeriveTransform

/// Client hints after checking and quantising: the values a render may use, and what the
/// derivative key and the `Vary` header must carry because of them.
public struct ResolvedHints: Sendable, Hashable {
    /// Quantised DPR, set only when the transformation uses `dpr_auto`.
    public var devicePixelRatio: Double?
    /// Quantised width, set only when the transformation uses `w_auto`/`h_auto` and a hint was sent.
    public var width: Int?
    /// Which hints shaped the result (they are part of the key even when absent).
    public var usesDPR = false
    public var usesWidth = false
    /// `f_auto`: the `Accept` header chose the format (the format is part of the key already).
    public var usesAccept = false

    public init() {}

    /// Appended to the canonical transformation in the derivative key.
    public var keySuffix: String {
        var suffix = ""
        if usesDPR { suffix += "|dpr=\(devicePixelRatio ?? 1)" }
        if usesWidth { suffix += "|width=\(width.map(String.init) ?? "none")" }
        return suffix
    }

    /// Request headers that shaped the response, for `Vary`.
    public var varyHeaders: [String] {
        var names: [String] = []
        if usesAccept { names.append("Accept") }
        if usesDPR { names += ["DPR", "Sec-CH-DPR"] }
        if usesWidth { names += ["Width", "Sec-CH-Width"] }
        return names
    }
}

/// Checks client-hint headers (`DPR`/`Sec-CH-DPR`, `Width`/`Sec-CH-Width`) and quantises them, so
/// that one URL has a bounded number of derivatives: DPR is rounded up to one of ``dprSteps``, and a
/// width is capped at `RenderLimits.maxAutoWidth` and rounded up to the `w_auto` step (at least
/// ``minimumWidthStep``, ``defaultWidthStep`` when none is written). Hints the transformation does not
/// use are ignored, even when malformed; a used hint that is not a sane number is a 400.
public enum ClientHintPolicy {
    public static let dprSteps: [Double] = [1, 1.5, 2, 3, 4]
    /// Largest DPR hint accepted before quantising (larger is a 400).
    public static let maxDPRHint = 10.0
    public static let defaultWidthStep = 100
    public static let minimumWidthStep = 20

    public static func resolve(
        _ transformation: Transformation, dpr: String?, width: String?, limits: RenderLimits = RenderLimits()
    ) throws(RenderError) -> ResolvedHints {
        var hints = ResolvedHints()
        var steps: [Int] = []
        for component in transformation.steps {
            if component.dpr == .auto { hints.usesDPR = true }
            for case .auto(let spec) in [component.width, component.height].compactMap({ $0 }) {
                hints.usesWidth = true
                steps.append(step(spec))
            }
        }
        hints.usesAccept = transformation.components.reversed().lazy.compactMap(\.format).first == .auto
        if hints.usesDPR, let dpr {
            hints.devicePixelRatio = quantise(dpr: try parse(dpr, header: "DPR", in: 0.01...maxDPRHint))
        } else if hints.usesDPR {
            hints.devicePixelRatio = 1
        }
        if hints.usesWidth, let width {
            let value = try parse(width, header: "Width", in: 1...Double(limits.maxDimension))
            let capped = min(try Checked.int(value.rounded(.up), "Width", in: 1...limits.maxDimension), limits.maxAutoWidth)
            let grid = steps.min() ?? defaultWidthStep
            hints.width = roundUp(capped, to: grid)
        }
        return hints
    }

    /// The `w_auto:<step>` of a spec (`"100:400"` → 100), floored at ``minimumWidthStep``.
    public static func step(_ spec: String?) -> Int {
        guard let text = spec?.split(separator: ":", omittingEmptySubsequences: false).first, !text.isEmpty,
            let value = Int(text), value > 0
        else { return defaultWidthStep }
        return max(minimumWidthStep, min(value, 10_000))
    }

    /// The fallback width of a spec (`"100:400"` → 400), when given and in range.
    public static func fallback(_ spec: String?, limits: RenderLimits) throws(RenderError) -> Int? {
        let parts = (spec ?? "").split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count > 1, !parts[1].isEmpty else { return nil }
        guard let value = Double(parts[1]) else {
            throw .valueOutOfRange("w_auto fallback \"\(parts[1])\" is not a number")
        }
        return try Checked.int(value, "w_auto fallback", in: 1...limits.maxDimension)
    }

    public static func roundUp(_ value: Int, to step: Int) -> Int {
        guard step > 1 else { return value }
        return ((value + step - 1) / step) * step
    }

    static func quantise(dpr: Double) -> Double {
        dprSteps.first { $0 >= dpr } ?? dprSteps[dprSteps.count - 1]
    }

    private static func parse(_ text: String, header: String, in range: ClosedRange<Double>) throws(RenderError)
        -> Double
    {
        let trimmed = text.trimmingCharacters(in: [" ", "\t", "\""])
        // Plain decimal notation only (Double("0x10") would read hexadecimal).
        let decimal = trimmed.allSatisfy { $0.isASCII && ($0.isNumber || ".eE+-".contains($0)) }
        guard decimal, trimmed.count <= 32, let value = Double(trimmed), value.isFinite, range.contains(value) else {
            throw .invalidHint(
                "the \(header) client hint must be a number from \(Checked.describe(range.lowerBound)) to "
                    + "\(Checked.describe(range.upperBound)), not \"\(text.prefix(40))\"")
        }
        return value
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Set<Character>) -> Substring {
        var slice = self[...]
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return slice
    }
}
