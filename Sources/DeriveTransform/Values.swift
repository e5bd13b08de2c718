/// A width, height or x/y value.
public enum SizeValue: Sendable, Hashable {
    /// A whole number of pixels (`w_300`, `x_-20`).
    case pixels(Int)
    /// A value with a decimal point, relative to the current image (`w_0.5` = 50 %, `w_2.0` = 200 %).
    case relative(Double)
    /// Client-hint width: `w_auto` (nil) or the text after `auto:` (`w_auto:100:400` → `"100:400"`).
    case auto(String?)
    /// A user-defined variable reference (`w_$size` → `"size"`).
    case variable(String)
    /// An arithmetic expression (`w_iw_mul_0.5_add_10`).
    case expression(Expression)
}

/// A plain numeric value that may also be a variable or an expression (opacity, zoom, dpr, …).
public enum NumberValue: Sendable, Hashable {
    /// A whole number written without a decimal point.
    case int(Int)
    /// A number written with a decimal point (`2.0`, `1.5`).
    case decimal(Double)
    /// A variable reference, name without `$`.
    case variable(String)
    /// An arithmetic expression.
    case expression(Expression)

    /// The numeric value when the number is a literal.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): Double(i)
        case .decimal(let d): d
        default: nil
        }
    }
}

/// Crop and resize modes (`c_`).
public enum CropMode: String, Sendable, Hashable, CaseIterable {
    case scale, fit, limit, mfit, fill, lfill
    case fillPad = "fill_pad"
    case crop, thumb, pad, lpad, mpad, auto
    case autoPad = "auto_pad"
    case imaggaCrop = "imagga_crop"
    case imaggaScale = "imagga_scale"
}

/// The nine compass gravities.
public enum Compass: String, Sendable, Hashable, CaseIterable {
    case northWest = "north_west", north
    case northEast = "north_east", west, center, east
    case southWest = "south_west", south
    case southEast = "south_east"
}

/// Gravity (`g_`): where to anchor a crop, a pad or a layer.
public enum Gravity: Sendable, Hashable {
    /// One of the nine compass points.
    case compass(Compass)
    /// `g_xy_center`: x,y give the centre point.
    case xyCenter
    /// `g_auto` (nil) or `g_auto:<option>` (`subject`, `classic`, `face`, `<object>`, `<focal>_<weight>` …).
    case auto(String?)
    /// `g_face` (nil), `g_face:center`, `g_face:auto`.
    case face(String?)
    /// `g_faces` (nil), `g_faces:center`, `g_faces:auto`.
    case faces(String?)
    /// `g_custom` (nil), `g_custom:face`, `g_custom:faces`, `g_custom:adv_face`, `g_custom:adv_faces`.
    case custom(String?)
    /// `g_adv_face`.
    case advancedFace
    /// `g_adv_faces`.
    case advancedFaces
    /// `g_adv_eyes`.
    case advancedEyes
    /// `g_ocr_text` (nil) or `g_ocr_text:adv_ocr`.
    case ocrText(String?)
    /// `g_liquid` (content-aware scaling with `c_scale`).
    case liquid
}

/// Quality (`q_`).
public enum Quality: Sendable, Hashable {
    /// `q_80` or `q_80:444` (chroma subsampling 420 / 422 / 444).
    case value(Int, chroma: Int?)
    /// `q_auto` (nil) or `q_auto:best|good|eco|low`.
    case auto(String?)
    /// `q_jpegmini`.
    case jpegmini
    /// `q_$q`.
    case variable(String)
    /// `q_<expression>`.
    case expression(Expression)
}

/// Output format (`f_`): `auto` or a lowercase format name.
public enum FormatValue: Sendable, Hashable {
    case auto
    /// A lowercase format name such as `"jpg"`, `"png"`, `"webp"`.
    case named(String)
}

/// Aspect ratio (`ar_16:9`, `ar_1.5`).
public enum AspectRatio: Sendable, Hashable {
    /// `a:b`.
    case ratio(Int, Int)
    /// A number, variable or expression.
    case number(NumberValue)
}

/// Device pixel ratio (`dpr_2.0`, `dpr_auto`).
public enum DPR: Sendable, Hashable {
    case auto
    case value(NumberValue)
}

/// One element of an angle list (`a_90.hflip`).
public enum Angle: Sendable, Hashable {
    /// Degrees (may be negative), a variable or an expression.
    case degrees(NumberValue)
    case autoRight, autoLeft, ignore, vflip, hflip
}

/// Corner radius (`r_20`, `r_20:0:40:40`, `r_max`).
public enum Radius: Sendable, Hashable {
    case max
    /// One to four corner values.
    case corners([NumberValue])
}

/// A colour (`red`, `rgb:ff0000`, `rgb:ff000080`; `#ff0000` is accepted and printed as `rgb:ff0000`).
public enum Color: Sendable, Hashable {
    /// Hex digits as written (3, 4, 6 or 8 of them), without `rgb:`.
    case rgb(String)
    /// A CSS colour name as written.
    case named(String)
    /// A variable reference.
    case variable(String)

    /// The colour as 8-bit RGBA, when it is a literal colour.
    public var rgba: (red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8)? {
        switch self {
        case .rgb(let hex): return ColorNames.rgba(hex: hex)
        case .named(let name): return ColorNames.rgba(named: name)
        case .variable: return nil
        }
    }
}

/// Background (`b_`).
public enum Background: Sendable, Hashable {
    case color(Color)
    /// `b_auto` (nil) or `b_auto:<options>` (`border`, `predominant`, `border_contrast`, …).
    case auto(String?)
    /// `b_blurred` (nil) or `b_blurred:<intensity>[:<brightness>]`.
    case blurred(String?)
    /// `b_gen_fill` (nil) or `b_gen_fill:<options>`.
    case generativeFill(String?)
}

/// Border (`bo_3px_solid_rgb:00ff00`).
public struct Border: Sendable, Hashable {
    /// Width in pixels.
    public var width: Int
    /// The border colour.
    public var color: Color
    public init(width: Int, color: Color) {
        self.width = width
        self.color = color
    }
}
