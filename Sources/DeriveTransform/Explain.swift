/// Descriptions of parsed transformations for tools (`derive explain`): canonical text, the typed
/// parameters and JSON.
extension TransformParameter {
    /// The parameter's kind, e.g. `"width"`, `"crop"`, `"gravity"`, `"variable"`.
    public var kind: String {
        switch self {
        case .angle: "angle"
        case .aspectRatio: "aspect_ratio"
        case .background: "background"
        case .border: "border"
        case .crop: "crop"
        case .color: "color"
        case .colorSpace: "color_space"
        case .defaultImage: "default_image"
        case .delay: "delay"
        case .density: "density"
        case .dpr: "dpr"
        case .effect: "effect"
        case .format: "format"
        case .flags: "flags"
        case .customFunction: "custom_function"
        case .gravity: "gravity"
        case .height: "height"
        case .overlay: "overlay"
        case .opacity: "opacity"
        case .prefix: "prefix"
        case .page: "page"
        case .quality: "quality"
        case .radius: "radius"
        case .named: "named_transformation"
        case .underlay: "underlay"
        case .width: "width"
        case .x: "x"
        case .y: "y"
        case .zoom: "zoom"
        case .condition: "if"
        case .variable: "variable"
        case .video(let k, _): k.optionName
        }
    }

    /// The canonical `key_value` text of this parameter.
    public var canonical: String { ByteWriter.render { w in Printer.write(self, to: &w) } }

    /// The canonical value text (after `key_`).
    public var valueText: String {
        let text = canonical
        guard let us = text.utf8.firstIndex(of: 0x5F) else { return "" }
        return String(text[text.utf8.index(after: us)...])
    }
}

extension Transformation {
    /// Cloudinary's name for a derivation: the canonical text, `/`, and the extension (empty when none),
    /// as in the strict-mode error `Transformation c_scale,w_100/jpg is not allowed`.
    public func derivedName(format: String?) -> String { canonical + "/" + (format ?? "") }

    /// A JSON object: `{"canonical": …, "components": [[{"key", "kind", "value", …}]]}`.
    public var explanationJSON: String {
        "{\"canonical\":" + JSON.string(canonical) + ",\"components\":" + JSON.components(components) + "}"
    }
}

extension DeliveryURL {
    /// A JSON object with `canonical`, `components`, `public_id`, `version`, `format`, `type`,
    /// `resource_type`, `cloud_name`, `signature` and `url_suffix`.
    public var explanationJSON: String {
        var fields: [(String, String)] = [
            ("canonical", JSON.string(transformation.canonical)),
            ("components", JSON.components(transformation.components)),
            ("public_id", JSON.string(publicID)),
            ("version", version.map { String($0) } ?? "null"),
            ("format", format.map(JSON.string) ?? "null"),
            ("type", JSON.string(type)),
            ("resource_type", JSON.string(resourceType)),
            ("cloud_name", cloudName.map(JSON.string) ?? "null"),
            ("signature", signature.map(JSON.string) ?? "null"),
        ]
        if let urlSuffix { fields.append(("url_suffix", JSON.string(urlSuffix))) }
        return "{" + fields.map { JSON.string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}

/// A minimal JSON writer (strings are escaped per RFC 8259).
enum JSON {
    static func string(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }

    static func components(_ components: [TransformComponent]) -> String {
        "["
            + components.map { c in "[" + c.parameters.map(parameter).joined(separator: ",") + "]" }.joined(
                separator: ",") + "]"
    }

    static func parameter(_ p: TransformParameter) -> String {
        var fields = [
            ("key", string(p.key)), ("kind", string(p.kind)), ("value", string(p.valueText)),
        ]
        if case .named(let n) = p {
            fields.append(("names", "[" + n.names.map(string).joined(separator: ",") + "]"))
            fields.append(("expansion", string(Printer.canonical(n.expansion))))
        }
        return "{" + fields.map { string($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }
}
