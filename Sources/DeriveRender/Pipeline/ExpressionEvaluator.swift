import DeriveTransform
import Foundation

/// Evaluates Cloudinary arithmetic and conditions (`iw_mul_0.5_add_10`, `w_gt_1000_and_ar_lt_1.5`)
/// against the current image.
struct ExpressionEvaluator {
    var state: ImageState
    var component: Int

    func number(_ expression: DeriveTransform.Expression) throws(RenderError) -> Double {
        var values: [Double] = []
        var operators: [ExpressionOperator] = []
        func reduce() throws(RenderError) {
            guard let op = operators.popLast(), values.count >= 2 else { throw malformed(expression) }
            let right = values.removeLast()
            let left = values.removeLast()
            values.append(Self.apply(op, left, right))
        }
        for token in expression.tokens {
            if case .op(let op) = token {
                while let top = operators.last, Self.precedence(top) >= Self.precedence(op) { try reduce() }
                operators.append(op)
            } else {
                values.append(try operand(token))
            }
        }
        while !operators.isEmpty { try reduce() }
        guard values.count == 1 else { throw malformed(expression) }
        return values[0]
    }

    func condition(_ expression: DeriveTransform.Expression) throws(RenderError) -> Bool {
        try number(expression) != 0
    }

    private func operand(_ token: ExpressionToken) throws(RenderError) -> Double {
        switch token {
        case .int(let value): return Double(value)
        case .decimal(let value): return value
        case .variable(let name):
            guard let value = state.variables[name] else {
                throw .unsupportedTransformation("component \(component): variable $\(name) is not defined")
            }
            return value
        case .name(let name):
            switch name {
            case "w": return Double(state.width)
            case "h": return Double(state.height)
            case "ar": return state.aspectRatio
            case "iw": return Double(state.initialWidth)
            case "ih": return Double(state.initialHeight)
            case "iar": return Double(state.initialWidth) / Double(max(1, state.initialHeight))
            case "pc": return Double(state.frames)
            case "cp": return 1
            case "fc": return 0  // no face detector: no faces
            case "dpr": return 1
            default:
                throw .unsupportedTransformation(
                    "component \(component): \"\(name)\" is not available in expressions here")
            }
        case .string:
            // Only meaningful with `in`/`nin` over tags or context, which images rendered here do not carry.
            return 0
        case .op:
            throw .unsupportedTransformation("component \(component): malformed expression")
        }
    }

    private func malformed(_ expression: DeriveTransform.Expression) -> RenderError {
        .unsupportedTransformation("component \(component): malformed expression")
    }

    private static func precedence(_ op: ExpressionOperator) -> Int {
        switch op {
        case .or: 0
        case .and: 1
        case .eq, .ne, .lt, .gt, .lte, .gte, .in, .nin: 2
        case .add, .sub: 3
        case .mul, .div, .mod: 4
        case .pow: 5
        }
    }

    private static func apply(_ op: ExpressionOperator, _ a: Double, _ b: Double) -> Double {
        func truth(_ value: Bool) -> Double { value ? 1 : 0 }
        switch op {
        case .add: return a + b
        case .sub: return a - b
        case .mul: return a * b
        case .div: return b == 0 ? 0 : a / b
        case .mod: return b == 0 ? 0 : a.truncatingRemainder(dividingBy: b)
        case .pow: return pow(a, b)
        case .eq: return truth(a == b)
        case .ne: return truth(a != b)
        case .lt: return truth(a < b)
        case .gt: return truth(a > b)
        case .lte: return truth(a <= b)
        case .gte: return truth(a >= b)
        case .and: return truth(a != 0 && b != 0)
        case .or: return truth(a != 0 || b != 0)
        case .in, .nin: return truth(op == .nin)
        }
    }
}
