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
        let walked = walk(components, state: state, blocks: [], names: headerNames)
        switch walked.stop {
        case nil: return walked.prefix
        case .unevaluable?: return nil
        case .acting(let index, let component, let variables)?:
            // The first component that does more than test and define: planned here when it is
            // plain, else left whole to the pipeline (which runs its condition and variables itself).
            var prefix = walked.prefix
            if Planner.isPlain(component) {
                prefix.consumed = index + 1
                prefix.first = component
                prefix.variables = variables
            }
            return prefix
        }
    }

    /// Names an expression may use after the first component: the original's numbers, which no
    /// step changes. `w`, `h` and `ar` are the current size there, known exactly only to the pipeline.
    static let tailNames: Set<String> = ["iw", "ih", "iar", "pc", "cp", "dpr"]

    /// The components after the planned ones that change no pixels: variables and conditions on the
    /// original's numbers, and output settings (a separate `f_auto,q_auto`, `fl_progressive`),
    /// whose values the planner reads from the whole transformation anyway. Run here, they leave the
    /// pipeline nothing, so a render stays one sequential pass instead of being copied to memory for
    /// components that do nothing (a trailing `$v_1` cost 7–11 % of a PNG miss). `neutral` says whether
    /// a component, stripped of its conditions and variables, changes no pixels. Never nil: it stops
    /// before anything it cannot run.
    static func tail(
        _ components: [TransformComponent], state: ImageState, blocks: [Bool],
        neutral: (TransformComponent) -> Bool
    ) -> HeaderPrefix {
        var prefix = HeaderPrefix(consumed: 0, first: nil, variables: state.variables, blocks: blocks)
        var state = state
        while prefix.consumed < components.count {
            let walked = walk(
                Array(components[prefix.consumed...]), state: state, blocks: prefix.blocks, names: tailNames)
            guard case .acting(let index, let component, let variables)? = walked.stop, neutral(component) else {
                // Everything run; or stopped on an expression it cannot evaluate, or on a component
                // that does something: the pipeline takes it from there.
                prefix.consumed += walked.prefix.consumed
                prefix.variables = walked.prefix.variables
                prefix.blocks = walked.prefix.blocks
                return prefix
            }
            prefix.consumed += index + 1
            prefix.variables = variables
            prefix.blocks = walked.prefix.blocks
            state.variables = variables
        }
        return prefix
    }

    /// Where a walk stopped.
    private enum Stop {
        /// On a condition or variable it could not evaluate.
        case unevaluable
        /// On the first active component that does more than test and define, at `index`:
        /// `component` without its condition and variables, `variables` including its own.
        case acting(index: Int, component: TransformComponent, variables: [String: Double])
    }

    /// Runs conditions and variables from the front of `components` while every expression uses
    /// only `names` and variables defined so far. The prefix it returns has run everything before
    /// `stop` (its variables are those from before the stopping component).
    private static func walk(
        _ components: [TransformComponent], state: ImageState, blocks: [Bool], names: Set<String>
    ) -> (prefix: HeaderPrefix, stop: Stop?) {
        var prefix = HeaderPrefix(consumed: 0, first: nil, variables: state.variables, blocks: blocks)
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
                        guard let value = evaluate(expression, state: state, names: names, number: index + 1)
                        else { return (prefix, .unevaluable) }
                        holds = value != 0
                    }
                    if standalone {
                        prefix.blocks.append(holds)
                        prefix.consumed = index + 1
                        continue
                    }
                    if !holds {
                        prefix.consumed = index + 1
                        continue
                    }
                case .otherwise:
                    guard let last = prefix.blocks.popLast() else { return (prefix, .unevaluable) }
                    prefix.blocks.append(!last)
                    prefix.consumed = index + 1
                    continue
                case .end:
                    guard prefix.blocks.popLast() != nil else { return (prefix, .unevaluable) }
                    prefix.consumed = index + 1
                    continue
                }
                component.parameters.removeAll { if case .condition = $0 { true } else { false } }
            }
            guard active else {
                prefix.consumed = index + 1
                continue
            }
            var defined = state.variables
            for (name, expression) in original.variables {
                var scope = state
                scope.variables = defined
                guard let value = evaluate(expression, state: scope, names: names, number: index + 1)
                else { return (prefix, .unevaluable) }
                defined[name] = value
            }
            component.parameters.removeAll { if case .variable = $0 { true } else { false } }
            if !component.parameters.isEmpty {
                return (prefix, .acting(index: index, component: component, variables: defined))
            }
            state.variables = defined
            prefix.variables = defined
            prefix.consumed = index + 1
        }
        return (prefix, nil)
    }

    /// `expression`'s value when it needs only `names` and variables defined so far.
    private static func evaluate(_ expression: Expression, state: ImageState, names: Set<String>, number: Int)
        -> Double?
    {
        for token in expression.tokens {
            switch token {
            case .name(let name) where !names.contains(name): return nil
            case .variable(let name) where state.variables[name] == nil: return nil
            default: continue
            }
        }
        return try? ExpressionEvaluator(state: state, component: number).number(expression)
    }
}
