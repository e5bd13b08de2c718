/// One typed `key_value` parameter of a transformation component.
public enum TransformParameter: Sendable, Hashable {
    /// `a_`: rotation and flips, `.`-separated (`a_90.hflip`).
    case angle([Angle])
    /// `ar_`: aspect ratio (`ar_16:9`, `ar_1.5`).
    case aspectRatio(AspectRatio)
    /// `b_`: background colour or `auto`/`blurred`/`gen_fill`.
    case background(Background)
    /// `bo_`: border (`bo_3px_solid_rgb:00ff00`).
    case border(Border)
    /// `c_`: crop / resize mode.
    case crop(CropMode)
    /// `co_`: colour for text layers, colorize, shadow, outline.
    case color(Color)
    /// `cs_`: colour space (`srgb`, `no_cmyk`, `keep_cmyk`, `tinysrgb`, `cmyk`, `copy`, `icc:<id>`).
    case colorSpace(String)
    /// `d_`: default image public id with extension, as written (`/` written as `:`).
    case defaultImage(String)
    /// `dl_`: animated-GIF frame delay in milliseconds.
    case delay(NumberValue)
    /// `dn_`: density (DPI) for PDF and vector rasterisation.
    case density(NumberValue)
    /// `dpr_`: device pixel ratio.
    case dpr(DPR)
    /// `e_`: effect with arguments.
    case effect(Effect)
    /// `f_`: output format.
    case format(FormatValue)
    /// `fl_`: flags, `.`-separated.
    case flags([Flag])
    /// `fn_`: custom function (`wasm:<id>`, `remote:<base64url>`, `pre:remote:<base64url>`), as written.
    case customFunction(String)
    /// `g_`: gravity.
    case gravity(Gravity)
    /// `h_`: height.
    case height(SizeValue)
    /// `l_`: overlay layer source.
    case overlay(LayerSource)
    /// `o_`: opacity 0–100.
    case opacity(NumberValue)
    /// `p_`: sprite / CSS prefix.
    case prefix(String)
    /// `pg_`: page or frame selection (`1`, `2-4`, `1;3;5`, `name:<layer>`), as written.
    case page(String)
    /// `q_`: quality.
    case quality(Quality)
    /// `r_`: corner radius.
    case radius(Radius)
    /// `t_`: named transformations with their expansion.
    case named(NamedTransformation)
    /// `u_`: underlay layer source.
    case underlay(LayerSource)
    /// `w_`: width.
    case width(SizeValue)
    /// `x_`: x offset or coordinate.
    case x(SizeValue)
    /// `y_`: y offset or coordinate.
    case y(SizeValue)
    /// `z_`: zoom.
    case zoom(NumberValue)
    /// `if_`: condition, `if_else` or `if_end`.
    case condition(Condition)
    /// `$name_value`: a user variable definition.
    case variable(name: String, value: Expression)
    /// A video-only key (`so eo du ac af br vc vs sp ki fps`) with its value as written; only parsed
    /// for ``MediaKind/video``.
    case video(VideoKey, String)

    /// The key as written in URLs (`"w"`, `"if"`, `"$name"`).
    public var key: String {
        if case .variable(let name, _) = self { return "$" + name }
        return ParameterKey(self).text
    }
}

/// Parameter keys with their canonical rank (section 3.2: `if`, variables, then the SDK key order).
enum ParameterKey: Int, CaseIterable, Comparable {
    case `if`, variable
    case a, ac, af, ar, b, bo, br, c, co, cs, d, dl, dn, dpr, du, e, eo, f, fl, fn, fps, g, h
    case ki, l, o, p, pg, q, r, so, sp, t, u, vc, vs, w, x, y, z

    static func < (lhs: ParameterKey, rhs: ParameterKey) -> Bool { lhs.rawValue < rhs.rawValue }

    var text: String {
        switch self {
        case .if: "if"
        case .variable: "$"
        default: ParameterKey.names[rawValue]
        }
    }

    /// Key strings indexed by raw value.
    static let names: [String] = [
        "if", "$", "a", "ac", "af", "ar", "b", "bo", "br", "c", "co", "cs", "d", "dl", "dn", "dpr", "du", "e", "eo",
        "f", "fl", "fn", "fps", "g", "h", "ki", "l", "o", "p", "pg", "q", "r", "so", "sp", "t", "u", "vc", "vs",
        "w", "x", "y", "z",
    ]

    /// Keys a user may type (for suggestions).
    static let suggestable: [String] = names.filter { $0 != "$" }

    init(_ p: TransformParameter) {
        switch p {
        case .angle: self = .a
        case .aspectRatio: self = .ar
        case .background: self = .b
        case .border: self = .bo
        case .crop: self = .c
        case .color: self = .co
        case .colorSpace: self = .cs
        case .defaultImage: self = .d
        case .delay: self = .dl
        case .density: self = .dn
        case .dpr: self = .dpr
        case .effect: self = .e
        case .format: self = .f
        case .flags: self = .fl
        case .customFunction: self = .fn
        case .gravity: self = .g
        case .height: self = .h
        case .overlay: self = .l
        case .opacity: self = .o
        case .prefix: self = .p
        case .page: self = .pg
        case .quality: self = .q
        case .radius: self = .r
        case .named: self = .t
        case .underlay: self = .u
        case .width: self = .w
        case .x: self = .x
        case .y: self = .y
        case .zoom: self = .z
        case .condition: self = .if
        case .variable: self = .variable
        case .video(let k, _): self = ParameterKey.video(k)
        }
    }

    static func video(_ k: VideoKey) -> ParameterKey {
        switch k {
        case .ac: .ac
        case .af: .af
        case .br: .br
        case .du: .du
        case .eo: .eo
        case .fps: .fps
        case .ki: .ki
        case .so: .so
        case .sp: .sp
        case .vc: .vc
        case .vs: .vs
        }
    }
}

/// One transformation step: the comma-separated parameters between two `/`.
public struct TransformComponent: Sendable, Hashable {
    /// The parameters, kept in canonical order by the parser and by ``init(parameters:)``.
    public var parameters: [TransformParameter]

    /// Creates a component; the parameters are put in canonical order (stable).
    public init(parameters: [TransformParameter]) {
        self.parameters = parameters
        Printer.sortCanonically(&self.parameters)
    }

    init(sorted parameters: [TransformParameter]) { self.parameters = parameters }

    /// `w_`.
    public var width: SizeValue? {
        for case .width(let v) in parameters { return v }
        return nil
    }
    /// `h_`.
    public var height: SizeValue? {
        for case .height(let v) in parameters { return v }
        return nil
    }
    /// `c_`.
    public var crop: CropMode? {
        for case .crop(let v) in parameters { return v }
        return nil
    }
    /// `g_`.
    public var gravity: Gravity? {
        for case .gravity(let v) in parameters { return v }
        return nil
    }
    /// `q_`.
    public var quality: Quality? {
        for case .quality(let v) in parameters { return v }
        return nil
    }
    /// `f_`.
    public var format: FormatValue? {
        for case .format(let v) in parameters { return v }
        return nil
    }
    /// `x_`.
    public var x: SizeValue? {
        for case .x(let v) in parameters { return v }
        return nil
    }
    /// `y_`.
    public var y: SizeValue? {
        for case .y(let v) in parameters { return v }
        return nil
    }
    /// `ar_`.
    public var aspectRatio: AspectRatio? {
        for case .aspectRatio(let v) in parameters { return v }
        return nil
    }
    /// `z_`.
    public var zoom: NumberValue? {
        for case .zoom(let v) in parameters { return v }
        return nil
    }
    /// `dpr_`.
    public var dpr: DPR? {
        for case .dpr(let v) in parameters { return v }
        return nil
    }
    /// `r_`.
    public var radius: Radius? {
        for case .radius(let v) in parameters { return v }
        return nil
    }
    /// `a_` (the list).
    public var angles: [Angle]? {
        for case .angle(let v) in parameters { return v }
        return nil
    }
    /// `e_`.
    public var effect: Effect? {
        for case .effect(let v) in parameters { return v }
        return nil
    }
    /// `o_`.
    public var opacity: NumberValue? {
        for case .opacity(let v) in parameters { return v }
        return nil
    }
    /// `bo_`.
    public var border: Border? {
        for case .border(let v) in parameters { return v }
        return nil
    }
    /// `b_`.
    public var background: Background? {
        for case .background(let v) in parameters { return v }
        return nil
    }
    /// `co_`.
    public var color: Color? {
        for case .color(let v) in parameters { return v }
        return nil
    }
    /// `fl_` (empty when absent).
    public var flags: [Flag] {
        for case .flags(let v) in parameters { return v }
        return []
    }
    /// Whether `fl_<name>` is present.
    public func hasFlag(_ name: String) -> Bool { flags.contains { $0.name == name } }
    /// `l_`.
    public var overlay: LayerSource? {
        for case .overlay(let v) in parameters { return v }
        return nil
    }
    /// `u_`.
    public var underlay: LayerSource? {
        for case .underlay(let v) in parameters { return v }
        return nil
    }
    /// `if_`.
    public var condition: Condition? {
        for case .condition(let v) in parameters { return v }
        return nil
    }
    /// `t_`.
    public var named: NamedTransformation? {
        for case .named(let v) in parameters { return v }
        return nil
    }
    /// `d_`.
    public var defaultImage: String? {
        for case .defaultImage(let v) in parameters { return v }
        return nil
    }
    /// The `$name_value` definitions in order.
    public var variables: [(name: String, value: Expression)] {
        parameters.compactMap { if case .variable(let n, let v) = $0 { (n, v) } else { nil } }
    }
    /// Whether this component holds `fl_layer_apply`.
    public var isLayerApply: Bool { hasFlag("layer_apply") }
    /// Whether the component has no parameters.
    public var isEmpty: Bool { parameters.isEmpty }
}
