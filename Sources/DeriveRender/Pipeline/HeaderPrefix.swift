import DeriveTransform

/// The conditions (`if_…`/`if_else`/`if_end`) and variables (`$name_value`) in front of the first
/// component that does something else, run from the header alone when every expression in them
/// depends only on numbers the header gives (`w`, `h`, `ar`, `iw`, `ih`, `iar`, `pc`, …): then the
/// first resize is known before decoding and can shrink on load. The pipeline runs them the same
/// way later (``Pipeline/run(_:on:numberOffset:blocks:)``), so the result is the same.
struct HeaderPrefix {
    /// How many components were run here (their conditions and variables are done).
    var consumed = 0
    /// The component after them, without its condition and variables, when it can be planned from
    /// sizes alone (``Planner/isPlain(_:)``); it is then consumed too.
    var first: TransformComponent?
    var variables: [String: Double] = [:]
    /// The `if_` blocks still open after `consumed` components (true: the block is taken).
    var blocks: [Bool] = []

    /// Names an expression may use here: they have the same value before and after decoding.
    /// `fc` (faces) and anything unknown stop the prefix, and are evaluated against the pixels.
    static let headerNames: Set<String> = ["w", "h", "ar", "iw", "ih", "iar", "pc", "cp", "dpr"]

    /// The prefix of `components` that runs from `state` (the header's), or nil when some
    /// expression needs more than the header (the pipeline then runs everything, as before).
    static func evaluate(_ components: [TransformComponent], state: ImageState) -> HeaderPrefix? {
        var prefix = HeaderPrefix()
        var state = state
        for (index, original) in components.enumerated() {
            let active = !prefix.blocks.contains(false)
            var component = original
            if let condition = original.condition {
                let standalone = original.parameters.count == 1
                switch condition {
                case .when(let expression):
                    var holds = false
                    if active {
                        guard let value = evaluate(expression, state: state, number: index + 1) else { return nil }
                        holds = value != 0
                    }
                    if standalone {
                        prefix.blocks.append(holds)
                        continue
                    }
                    if !holds { continue }
                case .otherwise:
                    guard let last = prefix.blocks.popLast() else { return nil }
                    prefix.blocks.append(!last)
                    continue
                case .end:
                    guard prefix.blocks.popLast() != nil else { return nil }
                    continue
                }
                component.parameters.removeAll { if case .condition = $0 { true } else { false } }
            }
            guard active else { continue }
            let before = state.variables
            for (name, expression) in original.variables {
                guard let value = evaluate(expression, state: state, number: index + 1) else { return nil }
                state.variables[name] = value
            }
            component.parameters.removeAll { if case .variable = $0 { true } else { false } }
            if component.parameters.isEmpty { continue }
            // The first component that does more than test and define: planned here when it is
            // plain, else left whole to the pipeline (which runs its condition and variables itself).
            if Planner.isPlain(component) {
                return HeaderPrefix(
                    consumed: index + 1, first: component, variables: state.variables, blocks: prefix.blocks)
            }
            return HeaderPrefix(consumed: index, first: nil, variables: before, blocks: prefix.blocks)
        }
        prefix.consumed = components.count
        prefix.variables = state.variables
        return prefix
    }

    /// `expression`'s value when it needs only the header's numbers and variables defined so far.
    private static func evaluate(_ expression: Expression, state: ImageState, number: Int) -> Double? {
        for token in expression.tokens {
            switch token {
            case .name(let name) where !headerNames.contains(name): return nil
            case .variable(let name) where state.variables[name] == nil: return nil
            default: continue
            }
        }
        return try? ExpressionEvaluator(state: state, component: number).number(expression)
    }
}
