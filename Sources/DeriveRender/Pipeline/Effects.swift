import DeriveTransform

/// A pixel effect (`e_…`) with its arguments resolved to libvips terms.
public enum EffectOperation: Sendable, Hashable {
    case grayscale
    /// Pixels brighter than `threshold` (0...255) become white, the rest black.
    case blackWhite(threshold: Double)
    /// 0...1: how far towards full sepia.
    case sepia(level: Double)
    case blur(sigma: Double)
    /// Unsharp masking: `sigma` of the blur, `amount` of the boost.
    case sharpen(sigma: Double, amount: Double)
    /// Added to every colour band (-255...255).
    case brightness(offset: Double)
    /// Multiplies the distance from mid-grey.
    case contrast(factor: Double)
    /// Multiplies chroma.
    case saturation(factor: Double)
    /// Rotates hue.
    case hue(degrees: Double)
    case gamma(exponent: Double)
    case negate
    case pixelate(size: Int)
    /// Blends towards a flat colour by `level` (0...1).
    case colorize(level: Double, color: RGBA)
    /// Blends the luminance, coloured, into the image by `level` (0...1).
    case tint(level: Double, color: RGBA)
    /// Darkens the corners; 0...1.
    case vignette(strength: Double)
    /// Stretches levels to the full range: per band (colour balance) or on luminance only.
    case normalize(perBand: Bool)
}

/// Reads `e_` parameters into `EffectOperation`s, with Cloudinary's argument ranges and defaults.
enum EffectParser {
    static let known = [
        "grayscale", "blackwhite", "sepia", "blur", "sharpen", "unsharp_mask", "brightness", "contrast", "saturation",
        "hue", "gamma", "negate", "pixelate", "colorize", "tint", "vignette", "trim", "auto_contrast",
        "auto_brightness", "auto_color", "improve",
    ]

    /// `trim` is geometry, not a pixel effect: callers handle it before calling this.
    static func parse(_ effect: Effect, color: Color?, component: Int) throws(RenderError) -> EffectOperation {
        func number(_ index: Int, default value: Double, _ range: ClosedRange<Double>) throws(RenderError) -> Double {
            guard index < effect.arguments.count, !effect.arguments[index].isEmpty else { return value }
            guard let parsed = Double(effect.arguments[index]), range.contains(parsed) else {
                throw .unsupportedTransformation(
                    "component \(component): e_\(effect.name) takes a number from \(Int(range.lowerBound)) to "
                        + "\(Int(range.upperBound)), not \"\(effect.arguments[index])\"")
            }
            return parsed
        }
        switch effect.name {
        case "grayscale": return .grayscale
        case "blackwhite": return .blackWhite(threshold: try number(0, default: 50, 0...100) * 2.55)
        case "sepia": return .sepia(level: try number(0, default: 80, 1...100) / 100)
        case "blur": return .blur(sigma: try number(0, default: 100, 1...2000) / 20)
        case "sharpen": return .sharpen(sigma: 1, amount: try number(0, default: 100, 1...2000) / 100)
        case "unsharp_mask": return .sharpen(sigma: 2, amount: try number(0, default: 100, 1...2000) / 100)
        case "brightness": return .brightness(offset: try number(0, default: 80, -99...100) * 1.28)
        case "contrast": return .contrast(factor: 1 + (try number(0, default: 0, -100...100)) / 100)
        case "saturation": return .saturation(factor: 1 + (try number(0, default: 80, -100...100)) / 100)
        case "hue": return .hue(degrees: try number(0, default: 80, -100...100) * 1.8)
        case "gamma": return .gamma(exponent: 1 + (try number(0, default: 0, -50...150)) / 100)
        case "negate": return .negate
        case "pixelate": return .pixelate(size: Int(try number(0, default: 5, 1...200)))
        case "colorize":
            return .colorize(
                level: try number(0, default: 100, 0...100) / 100,
                color: try resolve(color, default: RGBA(128, 128, 128)))
        case "tint":
            let level = try number(0, default: 60, 0...100) / 100
            let tintColor: RGBA
            if effect.arguments.count > 1, let parsed = Colors.rgba(text: effect.arguments[1]) {
                tintColor = parsed
            } else {
                tintColor = try resolve(color, default: RGBA(255, 0, 0))
            }
            return .tint(level: level, color: tintColor)
        case "vignette": return .vignette(strength: try number(0, default: 20, 0...100) / 100)
        case "auto_contrast", "auto_brightness", "improve": return .normalize(perBand: false)
        case "auto_color": return .normalize(perBand: true)
        default:
            let hint = Suggestions.hint(for: effect.name, in: known)
            throw .unsupportedTransformation("component \(component): unknown effect \"\(effect.name)\"\(hint)")
        }
    }

    static func resolve(_ color: Color?, default fallback: RGBA) throws(RenderError) -> RGBA {
        guard let color else { return fallback }
        guard let rgba = Colors.rgba(color) else {
            throw .unsupportedTransformation("colour variables are not supported by this renderer yet")
        }
        return rgba
    }
}

/// Colour conversions from the AST.
enum Colors {
    static func rgba(_ color: Color) -> RGBA? {
        color.rgba.map { RGBA(Double($0.red), Double($0.green), Double($0.blue), Double($0.alpha)) }
    }

    /// A colour argument inside an effect (`rgb:ff0000`, `red`, `#ff0000`).
    static func rgba(text: String) -> RGBA? {
        if text.hasPrefix("rgb:") { return rgba(.rgb(String(text.dropFirst(4)))) }
        if text.hasPrefix("#") { return rgba(.rgb(String(text.dropFirst()))) }
        return rgba(.named(text))
    }
}
