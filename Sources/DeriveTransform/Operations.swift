/// An effect (`e_sepia:50`, `e_grayscale`, `e_art:zorro`).
public struct Effect: Sendable, Hashable {
    /// The effect name (`sepia`, `blur`, `sharpen`, …).
    public var name: String
    /// The `:`-separated arguments as written (numbers, names, colours, `$variables`).
    public var arguments: [String]
    public init(name: String, arguments: [String] = []) {
        self.name = name
        self.arguments = arguments
    }
    /// The argument at `index` as an integer, when present and numeric.
    public func intArgument(_ index: Int) -> Int? {
        index < arguments.count ? Int(arguments[index]) : nil
    }
}

/// A flag (`fl_progressive`, `fl_attachment:name`).
public struct Flag: Sendable, Hashable {
    /// The flag name (`layer_apply`, `progressive`, …).
    public var name: String
    /// The optional argument after `:` (`attachment:<name>`, `progressive:semi`).
    public var argument: String?
    public init(name: String, argument: String? = nil) {
        self.name = name
        self.argument = argument
    }
    /// `fl_layer_apply`.
    public static let layerApply = Flag(name: "layer_apply")
}

/// A text layer (`l_text:Arial_40_bold:Hello%20world`).
public struct TextLayer: Sendable, Hashable {
    /// The style as written: `<font>_<size>[_<option>…]` or the public id of a text style.
    public var style: String
    /// The text as written in the URL (percent-encoded; `%2C` for `,`, `%2F` for `/`).
    public var text: String
    public init(style: String, text: String) {
        self.style = style
        self.text = text
    }
    /// The font family (first `_` field of the style).
    public var fontFamily: String { String(style.split(separator: "_", maxSplits: 1).first ?? "") }
    /// The font size (second `_` field of the style), when numeric.
    public var fontSize: Int? {
        let parts = style.split(separator: "_")
        return parts.count > 1 ? Int(parts[1]) : nil
    }
    /// The style options after the size (`bold`, `italic`, `underline`, `letter_spacing_10` is split as written).
    public var styleOptions: [String] { style.split(separator: "_").dropFirst(2).map(String.init) }
    /// The text with percent-escapes decoded once (as Cloudinary does).
    public var decodedText: String { PercentCoding.decode(text) ?? text }
}

/// The source of an overlay (`l_`) or underlay (`u_`).
public enum LayerSource: Sendable, Hashable {
    /// An image by public id (with `/`; written with `:` in the URL) and an optional format (`l_logo.png`).
    case image(publicID: String, format: String?)
    /// A text layer.
    case text(TextLayer)
    /// `l_fetch:<base64url(url)>`, the encoded URL as written.
    case fetch(String)
    /// Another typed source (`lut:<id>`, `video:<id>`, `subtitles:<id>`, `audio:<id>`), id with `/`.
    case resource(kind: String, publicID: String)
}

/// A reference to named transformations (`t_thumb`, `t_a.b`) and their expansion.
public struct NamedTransformation: Sendable, Hashable {
    /// The names in the order written.
    public var names: [String]
    /// The components of the definitions, concatenated in order (empty when not resolved).
    public var expansion: [TransformComponent]
    public init(names: [String], expansion: [TransformComponent] = []) {
        self.names = names
        self.expansion = expansion
    }
}

/// The `if_` parameter.
public enum Condition: Sendable, Hashable {
    /// `if_<expression>`.
    case when(Expression)
    /// `if_else`.
    case otherwise
    /// `if_end`.
    case end
}

/// Video-only parameter keys: recognised, rejected when parsing for images.
public enum VideoKey: String, Sendable, Hashable, CaseIterable {
    case ac, af, br, du, eo, fps, ki, so, sp, vc, vs

    /// The SDK option name.
    public var optionName: String {
        switch self {
        case .ac: "audio_codec"
        case .af: "audio_frequency"
        case .br: "bit_rate"
        case .du: "duration"
        case .eo: "end_offset"
        case .fps: "fps"
        case .ki: "keyframe_interval"
        case .so: "start_offset"
        case .sp: "streaming_profile"
        case .vc: "video_codec"
        case .vs: "video_sampling"
        }
    }
}

/// Which kind of asset a transformation is parsed for.
public enum MediaKind: Sendable, Hashable {
    /// Images (the default): video-only keys are rejected.
    case image
    /// Videos: the video keys are accepted (their values are kept as written).
    case video
}
