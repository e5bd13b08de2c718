/// The one layer between untrusted numbers (URL values, expressions, variables, client hints, image
/// headers) and integer arithmetic or libvips. Swift traps on `Int(Double.nan)`, on overflow and on
/// out-of-range conversions; in a server a trap stops every request, so every conversion of a value a
/// request can reach goes through here and fails with a 400 naming the parameter and its limit.
public enum Checked {
    /// Largest magnitude any intermediate pixel value may take (about 2^31, libvips' `int`).
    public static let magnitudeLimit = 2_147_483_647.0

    /// `value` rounded to an integer in `range`, or a 400 naming `parameter` and the limits.
    public static func int(_ value: Double, _ parameter: String, in range: ClosedRange<Int>) throws(RenderError) -> Int
    {
        guard value.isFinite else {
            throw .valueOutOfRange("\(parameter) is not a finite number (it resolves to \(describe(value)))")
        }
        let rounded = value.rounded()
        guard rounded >= Double(range.lowerBound), rounded <= Double(range.upperBound) else {
            throw .valueOutOfRange(
                "\(parameter) resolves to \(describe(value)), outside the allowed range \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return Int(rounded)
    }

    /// `value` if it is finite and in `range`, or a 400 naming `parameter` and the limits.
    public static func double(_ value: Double, _ parameter: String, in range: ClosedRange<Double>) throws(RenderError)
        -> Double
    {
        guard value.isFinite else {
            throw .valueOutOfRange("\(parameter) is not a finite number (it resolves to \(describe(value)))")
        }
        guard range.contains(value) else {
            throw .valueOutOfRange(
                "\(parameter) resolves to \(describe(value)), outside the allowed range \(describe(range.lowerBound)) to \(describe(range.upperBound))"
            )
        }
        return value
    }

    /// An integer from derived geometry (values already checked, scaled by finite factors): rounded
    /// and clamped to ±`magnitudeLimit`, NaN as 0. Never traps; the limits checks that follow reject
    /// anything that came out absurd.
    public static func clamped(_ value: Double) -> Int {
        guard !value.isNaN else { return 0 }
        return Int(min(max(value.rounded(), -magnitudeLimit), magnitudeLimit))
    }

    /// `a + b` and `a * b` that report overflow as an out-of-range value instead of trapping.
    public static func sum(_ a: Int, _ b: Int, _ parameter: String) throws(RenderError) -> Int {
        let (result, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw .valueOutOfRange("\(parameter) overflows") }
        return result
    }

    public static func product(_ a: Int, _ b: Int, _ parameter: String) throws(RenderError) -> Int {
        let (result, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw .valueOutOfRange("\(parameter) overflows") }
        return result
    }

    /// A number for messages: integers without a fraction, huge ones in exponent form.
    static func describe(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-infinity" : "infinity" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }
}
