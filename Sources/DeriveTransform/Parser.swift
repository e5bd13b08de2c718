/// The transformation parser: splits components (`/`) and parameters (`,`), dispatches keys,
/// checks duplicates and block structure, expands named transformations. Works on UTF-8 bytes.
enum Parser {
    /// Result of parsing a chain of components.
    struct Chain {
        var components: [TransformComponent]
        /// Layers opened (`l_`/`u_`) but not yet placed by `fl_layer_apply`.
        var unappliedLayers: Int
    }

    /// Keys whose presence needs the block-structure checks.
    static let structuralKeys: UInt64 =
        1 << UInt64(ParameterKey.if.rawValue) | 1 << UInt64(ParameterKey.l.rawValue)
        | 1 << UInt64(ParameterKey.u.rawValue) | 1 << UInt64(ParameterKey.fl.rawValue)

    /// Maximum number of named-transformation expansions in one parse (guards against definitions
    /// that multiply, such as `a` = `t_b.b.b`, `b` = `t_c.c.c`, …).
    static let maxExpansions = 256

    /// Maximum nesting of named transformations.
    static let maxNamedDepth = 8

    /// Parses `a..<b` of `src`. Offsets in errors are absolute positions in `src`.
    static func chain(
        _ src: Source, _ a: Int, _ b: Int, media: MediaKind, named: (String) -> String?
    ) throws(TransformationError) -> Chain {
        var budget = maxExpansions
        return try chain(src, a, b, media: media, expanding: [], budget: &budget, named: named)
    }

    /// Parses `a..<b`; `expanding` is the stack of named transformations being expanded and `budget`
    /// the number of named expansions still allowed for the whole parse.
    static func chain(
        _ src: Source, _ a: Int, _ b: Int, media: MediaKind, expanding: [String], budget: inout Int,
        named: (String) -> String?
    ) throws(TransformationError) -> Chain {
        guard a < b else { return Chain(components: [], unappliedLayers: 0) }
        var slashes = 0
        var i = a
        while i < b {
            if src[i] == 0x2F { slashes += 1 }
            i += 1
        }
        var components: [TransformComponent] = []
        components.reserveCapacity(slashes + 1)
        var ifDepth = 0
        var openLayers = 0
        var number = 1
        i = a
        while true {
            let end = src.firstIndex(of: 0x2F, i, b) ?? b
            guard i < end else {
                throw TransformationError(
                    reason: "empty component (doubled or trailing \"/\")", component: number, offset: i)
            }
            let (component, layers, seen) = try Parser.component(
                src, i, end, number: number, media: media, expanding: expanding, budget: &budget, named: named)
            // Block structure: if_/if_else/if_end and layers (only inspected when those keys are present).
            if seen & structuralKeys != 0 {
                if seen & (1 << UInt64(ParameterKey.if.rawValue)) != 0, let condition = component.condition {
                    switch condition {
                    case .when:
                        if component.parameters.count == 1 { ifDepth += 1 }
                    case .otherwise:
                        if ifDepth == 0 {
                            throw TransformationError(
                                reason: "\"if_else\" without an open \"if_<condition>\" block", component: number,
                                parameter: "if", offset: i)
                        }
                    case .end:
                        if ifDepth == 0 {
                            throw TransformationError(
                                reason: "\"if_end\" without an open \"if_<condition>\" block", component: number,
                                parameter: "if", offset: i)
                        }
                        ifDepth -= 1
                    }
                }
                if seen & (1 << UInt64(ParameterKey.l.rawValue)) != 0 { openLayers += 1 }
                if seen & (1 << UInt64(ParameterKey.u.rawValue)) != 0 { openLayers += 1 }
                if seen & (1 << UInt64(ParameterKey.fl.rawValue)) != 0, component.isLayerApply {
                    if openLayers + layers == 0 {
                        throw TransformationError(
                            reason: "\"fl_layer_apply\" without a preceding \"l_\" or \"u_\" layer",
                            component: number, parameter: "fl", offset: i)
                    }
                    openLayers -= 1
                }
            }
            openLayers += layers
            components.append(component)
            if end == b { break }
            i = end + 1
            number += 1
        }
        // An unclosed if_ block extends to the end of the chain.
        return Chain(components: components, unappliedLayers: openLayers)
    }

    /// Parses one component `a..<b`; returns it with the net number of layers opened by named expansions.
    static func component(
        _ src: Source, _ a: Int, _ b: Int, number: Int, media: MediaKind, expanding: [String],
        budget: inout Int, named: (String) -> String?
    ) throws(TransformationError) -> (TransformComponent, Int, UInt64) {
        var commas = 0
        var i = a
        while i < b {
            if src[i] == 0x2C { commas += 1 }
            i += 1
        }
        var params: [TransformParameter] = []
        params.reserveCapacity(commas + 1)
        var seen: UInt64 = 0
        var lastRank = -1
        var ordered = true
        var namedLayers = 0
        i = a
        while true {
            let end = src.firstIndex(of: 0x2C, i, b) ?? b
            guard i < end else {
                throw TransformationError(
                    reason: "empty parameter (doubled or trailing \",\")", component: number, offset: i)
            }
            var p = ParameterParser(src: src, start: i, end: end, component: number, media: media)
            let (param, key) = try p.parse(wholeComponent: i == a && end == b)
            let rank = key.rawValue
            if key == .variable {
                if case .variable(let name, _) = param {
                    for case .variable(let other, _) in params where other == name {
                        throw p.fail("variable \"$\(name)\" is defined twice in this component", i)
                    }
                }
            } else {
                let bit: UInt64 = 1 << UInt64(rank)
                if seen & bit != 0 {
                    throw p.fail(
                        "duplicate parameter \"\(key.text)\" in one component (put repeated operations in separate components)",
                        i)
                }
                seen |= bit
            }
            if rank < lastRank { ordered = false } else { lastRank = rank }
            if key == .t, case .named(let n) = param {
                let expanded = try expand(
                    n, src: src, keyStart: i, valueStart: p.valueStart, end: end, number: number, media: media,
                    expanding: expanding, budget: &budget, named: named)
                params.append(.named(expanded.0))
                namedLayers += expanded.1
            } else {
                params.append(param)
            }
            if end == b { break }
            i = end + 1
        }
        if !ordered { Printer.sortCanonically(&params) }
        return (TransformComponent(sorted: params), namedLayers, seen)
    }

    /// Looks up and parses the definitions of `t_a.b`.
    static func expand(
        _ n: NamedTransformation, src: Source, keyStart: Int, valueStart: Int, end: Int, number: Int,
        media: MediaKind, expanding: [String], budget: inout Int, named: (String) -> String?
    ) throws(TransformationError) -> (NamedTransformation, Int) {
        var result = NamedTransformation(names: n.names)
        var layers = 0
        var offset = valueStart
        for name in n.names {
            func fail(_ reason: String) -> TransformationError {
                TransformationError(reason: reason, component: number, parameter: "t", offset: offset)
            }
            guard expanding.count < maxNamedDepth else {
                throw fail(
                    "named transformation \"\(name)\" nests more than \(maxNamedDepth) levels deep (is it recursive?)")
            }
            budget -= 1
            guard budget >= 0 else {
                throw fail("too many named transformation expansions (more than \(maxExpansions))")
            }
            guard let definition = named(name) else {
                throw fail("unknown named transformation \"\(name)\"")
            }
            if expanding.contains(name) {
                throw fail(
                    "named transformation cycle: " + (expanding + [name]).map { "\"\($0)\"" }.joined(separator: " → "))
            }
            do throws(TransformationError) {
                let (chain, format) = try definitionChain(
                    definition, media: media, expanding: expanding + [name], budget: &budget, named: named)
                result.expansion.append(contentsOf: chain.components)
                if let format { result.expansion.append(TransformComponent(sorted: [.format(.named(format))])) }
                layers += chain.unappliedLayers
            } catch {
                let nestedPrefix = "in named transformation "
                if error.reason.hasPrefix("named transformation cycle") || error.reason.hasPrefix("too many named") {
                    throw fail(error.reason)
                } else if error.reason.hasPrefix(nestedPrefix) {
                    throw fail("in named transformation \"\(name)\" → " + error.reason.dropFirst(nestedPrefix.count))
                }
                throw fail("in named transformation \"\(name)\": \(error.message)")
            }
            offset += name.utf8.count + 1
        }
        return (result, layers)
    }

    /// Parses a stored definition, which may end with `/<ext>` or `/` (eager syntax).
    static func definitionChain(
        _ text: String, media: MediaKind, expanding: [String], budget: inout Int, named: (String) -> String?
    ) throws(TransformationError) -> (Chain, String?) {
        var remaining = budget
        defer { budget = remaining }
        return try withUTF8Bytes(text) { (buf) throws(TransformationError) -> (Chain, String?) in
            let src = Source(bytes: buf)
            let (end, format) = try splitEagerFormat(src, 0, buf.count)
            let chain = try chain(src, 0, end, media: media, expanding: expanding, budget: &remaining, named: named)
            return (chain, format)
        }
    }

    /// Splits a trailing `/<ext>` (a bare known format) or a trailing `/` off `a..<b`.
    static func splitEagerFormat(_ src: Source, _ a: Int, _ b: Int) throws(TransformationError) -> (Int, String?) {
        guard a < b else { return (b, nil) }
        if src[b - 1] == 0x2F { return (b - 1, nil) }
        var j = b
        while j > a, src[j - 1] != 0x2F { j -= 1 }
        let last = src.string(j, b)
        guard src.firstIndex(of: 0x5F, j, b) == nil, src.firstIndex(of: 0x2C, j, b) == nil else { return (b, nil) }
        let lower = last.lowercased()
        guard Vocabulary.formatSet.contains(lower) else {
            throw TransformationError(
                reason: "unknown format \"\(last)\"" + Suggestions.hint(for: lower, in: Vocabulary.formats), offset: j)
        }
        return (j > a ? j - 1 : a, lower)
    }
}

/// Fast key lookup: keys are 1–3 lowercase letters, indexed by a 27³ table.
enum KeyTable {
    static let table: [UInt8] = {
        var t = [UInt8](repeating: 0, count: 27 * 27 * 27)
        for key in ParameterKey.allCases where key != .variable {
            let u = Array(key.text.utf8)
            var idx = 0
            for k in 0..<3 { idx = idx * 27 + (k < u.count ? Int(u[k] - 0x60) : 0) }
            t[idx] = UInt8(key.rawValue + 1)
        }
        return t
    }()

    @inline(__always) static func lookup(_ src: Source, _ a: Int, _ b: Int) -> ParameterKey? {
        let n = b - a
        guard n >= 1, n <= 3 else { return nil }
        var idx = 0
        var k = 0
        while k < 3 {
            var v = 0
            if k < n {
                let c = src[a + k]
                guard ASCII.isLower(c) else { return nil }
                v = Int(c - 0x60)
            }
            idx = idx * 27 + v
            k += 1
        }
        let r = table[idx]
        return r == 0 ? nil : ParameterKey(rawValue: Int(r) - 1)
    }
}
