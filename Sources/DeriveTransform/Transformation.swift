/// A chain of transformation components (`c_fill,w_300/e_grayscale`), parsed into a typed AST.
///
/// Parsing puts each component's parameters in canonical order, so two strings that differ only in
/// the order of parameters inside components parse to equal values and print the same ``canonical`` text.
public struct Transformation: Sendable, Hashable, CustomStringConvertible {
    /// The components as written (named transformations are kept as `t_` parameters; see ``steps``).
    public var components: [TransformComponent]

    /// Creates a transformation from components.
    public init(components: [TransformComponent]) { self.components = components }

    /// The empty transformation.
    public static let empty = Transformation(components: [])

    /// Parses `c_fill,w_300/e_grayscale`; `""` is the empty transformation.
    ///
    /// - Parameters:
    ///   - named: returns the definition of a named transformation (`t_<name>`), or nil when unknown.
    ///     Definitions may end with `/<ext>` (eager syntax); they are parsed and kept as the expansion.
    ///   - media: `.image` (default) rejects video-only keys; `.video` accepts them.
    public init(
        parsing text: String, named: (String) -> String? = { _ in nil }, media: MediaKind = .image
    ) throws(TransformationError) {
        components = try withUTF8Bytes(text) { (buf) throws(TransformationError) -> [TransformComponent] in
            try Parser.chain(Source(bytes: buf), 0, buf.count, media: media, named: named).components
        }
    }

    /// Parses an eager or derived key: `<transformation>/<ext>`, `<transformation>/` (no format) or a
    /// plain transformation. Returns the transformation and the format when one is given.
    public static func parseDerived(
        _ text: String, named: (String) -> String? = { _ in nil }, media: MediaKind = .image
    ) throws(TransformationError) -> (transformation: Transformation, format: String?) {
        try withUTF8Bytes(text) { (buf) throws(TransformationError) -> (Transformation, String?) in
            let src = Source(bytes: buf)
            let (end, format) = try Parser.splitEagerFormat(src, 0, buf.count)
            let chain = try Parser.chain(src, 0, end, media: media, named: named)
            return (Transformation(components: chain.components), format)
        }
    }

    /// The SDK-canonical text (`""` for the empty transformation).
    public var canonical: String { Printer.canonical(components) }

    /// Whether there are no components.
    public var isEmpty: Bool { components.isEmpty }

    public var description: String { canonical }

    /// The components to execute: named transformations expanded in place. A component holding `t_`
    /// becomes its `if_`/variables (if any), then the definitions' components, then its remaining
    /// parameters (if any); an inline `if_<condition>` is turned into an `if_…`/`if_end` block around them.
    public var steps: [TransformComponent] {
        guard components.contains(where: { $0.named != nil }) else { return components }
        var result: [TransformComponent] = []
        for c in components { Transformation.appendSteps(of: c, to: &result) }
        return result
    }

    static func appendSteps(of c: TransformComponent, to result: inout [TransformComponent]) {
        guard let n = c.named else {
            result.append(c)
            return
        }
        var condition: TransformParameter?
        var variables: [TransformParameter] = []
        var rest: [TransformParameter] = []
        for p in c.parameters {
            switch p {
            case .condition: condition = p
            case .variable: variables.append(p)
            case .named: break
            default: rest.append(p)
            }
        }
        let inlineIf: Bool
        if case .condition(.when)? = condition { inlineIf = true } else { inlineIf = false }
        if let condition {
            if inlineIf {
                result.append(TransformComponent(sorted: [condition]))
                if !variables.isEmpty { result.append(TransformComponent(sorted: variables)) }
            } else {
                result.append(TransformComponent(sorted: [condition] + variables))
            }
        } else if !variables.isEmpty {
            result.append(TransformComponent(sorted: variables))
        }
        for e in n.expansion { appendSteps(of: e, to: &result) }
        if !rest.isEmpty { result.append(TransformComponent(sorted: rest)) }
        if inlineIf { result.append(TransformComponent(sorted: [.condition(.end)])) }
    }

    /// The names of the named transformations referenced, outermost first, including nested ones.
    public var namedTransformations: [String] {
        var names: [String] = []
        func visit(_ cs: [TransformComponent]) {
            for c in cs {
                if let n = c.named {
                    names.append(contentsOf: n.names)
                    visit(n.expansion)
                }
            }
        }
        visit(components)
        return names
    }

    /// The output format requested by the last `f_` in the chain, if any.
    public var requestedFormat: FormatValue? {
        for c in steps.reversed() {
            if let f = c.format { return f }
        }
        return nil
    }
}
