/// An arithmetic or boolean expression: operands joined by operators with `_`
/// (`iw_mul_0.5_add_10`, `w_gt_1000_and_ar_lt_1.5`, `!sale!_in_tags`).
public struct Expression: Sendable, Hashable {
    /// Operands and operators alternating, starting and ending with an operand.
    public var tokens: [ExpressionToken]
    public init(tokens: [ExpressionToken]) { self.tokens = tokens }
}

/// One token of an ``Expression``.
public enum ExpressionToken: Sendable, Hashable {
    /// An integer literal.
    case int(Int)
    /// A decimal literal.
    case decimal(Double)
    /// A predefined value (`w`, `h`, `ar`, `iw`, `ih`, `fc`, `pc`, `cp`, `tags`, …), possibly with a
    /// `:`-qualified key as written (`ctx:!productType!`).
    case name(String)
    /// A user variable, name without `$`.
    case variable(String)
    /// A string literal: the text between `!` and `!`.
    case string(String)
    /// An operator.
    case op(ExpressionOperator)
}

/// Expression operators as written in URLs.
public enum ExpressionOperator: String, Sendable, Hashable, CaseIterable {
    case eq, ne, lt, gt, lte, gte, and, or, mul, div, add, sub, pow, mod, `in`, nin
}

enum ExpressionSyntax {
    /// Predefined operand names.
    static let names: [String] = [
        "w", "h", "ar", "iw", "ih", "iar", "tar", "ow", "oh", "fc", "pc", "cp", "px", "py", "du", "idu", "ils",
        "ctx", "md", "tags", "pgnames", "dpr",
    ]

    static func isName(_ src: Source, _ a: Int, _ b: Int) -> Bool {
        switch b - a {
        case 1: return src[a] == 0x77 || src[a] == 0x68  // w h
        default:
            for n in names
            where n.utf8.count == b - a && n.utf8.elementsEqual(UnsafeBufferPointer(rebasing: src.bytes[a..<b])) {
                return true
            }
            return false
        }
    }

    static func op(_ src: Source, _ a: Int, _ b: Int) -> ExpressionOperator? {
        guard b - a >= 2, b - a <= 3 else { return nil }
        for o in ExpressionOperator.allCases
        where o.rawValue.utf8.count == b - a
            && o.rawValue.utf8.elementsEqual(UnsafeBufferPointer(rebasing: src.bytes[a..<b]))
        {
            return o
        }
        return nil
    }

    /// Whether `a..<b` is a valid variable name (after `$`): a letter then letters/digits.
    static func isVariableName(_ src: Source, _ a: Int, _ b: Int) -> Bool {
        guard a < b, ASCII.isAlpha(src[a]) else { return false }
        return src.all(a, b, ASCII.isAlnum)
    }

    /// Parses `a..<b` as an expression. `fail(reason, offset)` builds the error.
    static func parse(
        _ src: Source, _ a: Int, _ b: Int,
        fail: (String, Int) -> TransformationError
    ) throws(TransformationError) -> Expression {
        guard a < b else { throw fail("empty expression", a) }
        var tokens: [ExpressionToken] = []
        var i = a
        var expectOperand = true
        while i <= b {
            // Find the end of the token: the next `_` outside `!…!`.
            var j = i
            var inString = false
            while j < b {
                let c = src[j]
                if c == 0x21 { inString.toggle() } else if c == 0x5F && !inString { break }
                j += 1
            }
            if inString { throw fail("unterminated string literal (missing closing \"!\")", i) }
            guard i < j else { throw fail("empty token in expression (doubled \"_\")", i) }
            if expectOperand {
                tokens.append(try operand(src, i, j, fail: fail))
            } else {
                guard let o = op(src, i, j) else {
                    let word = src.string(i, j)
                    throw fail(
                        "expected an operator, found \"\(word)\""
                            + Suggestions.hint(for: word, in: ExpressionOperator.allCases.map(\.rawValue)), i)
                }
                tokens.append(.op(o))
            }
            expectOperand.toggle()
            i = j + 1
        }
        if expectOperand { throw fail("expression ends with an operator", b) }
        return Expression(tokens: tokens)
    }

    static func operand(
        _ src: Source, _ a: Int, _ b: Int, fail: (String, Int) -> TransformationError
    ) throws(TransformationError) -> ExpressionToken {
        let c = src[a]
        if c == 0x24 {  // $
            guard isVariableName(src, a + 1, b) else { throw fail("invalid variable name \"\(src.string(a, b))\"", a) }
            return .variable(src.string(a + 1, b))
        }
        if c == 0x21 {  // !text!
            guard b - a >= 2, src[b - 1] == 0x21 else {
                throw fail("invalid string literal \"\(src.string(a, b))\"", a)
            }
            guard src.all(a + 1, b - 1, ASCII.isValueByte) || b - a == 2 else {
                throw fail("invalid character in string literal", a)
            }
            return .string(src.string(a + 1, b - 1))
        }
        if ASCII.isDigit(c) || c == 0x2D {
            switch src.number(a, b) {
            case .int(let v)?: return .int(v)
            case .decimal(let d)?: return .decimal(d)
            case nil: throw fail("invalid number \"\(src.string(a, b))\"", a)
            }
        }
        // name, or name:qualifier (ctx:!key!)
        let colon = src.firstIndex(of: 0x3A, a, b) ?? b
        guard isName(src, a, colon) else {
            let word = src.string(a, colon)
            throw fail("unknown operand \"\(word)\" in expression" + Suggestions.hint(for: word, in: names), a)
        }
        if colon < b {
            guard colon + 1 < b, src.all(colon + 1, b, ASCII.isValueByte) else {
                throw fail("invalid qualifier in \"\(src.string(a, b))\"", colon)
            }
        }
        return .name(src.string(a, b))
    }

    static func write(_ e: Expression, to w: inout ByteWriter) {
        var first = true
        for t in e.tokens {
            if !first { w.byte(0x5F) }
            first = false
            write(t, to: &w)
        }
    }

    static func write(_ t: ExpressionToken, to w: inout ByteWriter) {
        switch t {
        case .int(let v): w.int(v)
        case .decimal(let d): w.decimal(d)
        case .name(let n): w.write(n)
        case .variable(let n):
            w.byte(0x24)
            w.write(n)
        case .string(let s):
            w.byte(0x21)
            w.write(s)
            w.byte(0x21)
        case .op(let o): w.write(o.rawValue)
        }
    }
}
