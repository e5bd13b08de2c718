import CVips

/// Runs plan steps with libvips operations. Every image entering here is 8 bits per band: sRGB
/// (3 bands, 4 with alpha) or grey (`b-w`: 1 band, 2 with alpha; a grey source, or after
/// `e_grayscale`/`e_blackwhite`). A step that adds colour to a grey image converts it to sRGB first
/// (``colourReady(_:for:)``), so grey stays one band only while the result really is grey.
enum StepExecutor {
    static func apply(_ step: RenderStep, to image: VImage) throws(VipsError) -> VImage {
        switch step {
        case .resize(let width, let height, let uniform):
            var arguments = resizeArguments(width: width, height: height, uniform: uniform)
            arguments["in"] = .image(image)
            return try call("thumbnail_image", arguments).exactly(width: width, height: height)
        case .smartFill(let width, let height, let interesting):
            return try call(
                "thumbnail_image",
                ["in": .image(image), "width": .int(width), "height": .int(height), "crop": .string(interesting)])
        case .smartCrop(let width, let height):
            return try call(
                "smartcrop",
                [
                    "input": .image(image), "width": .int(width), "height": .int(height),
                    "interesting": .string("attention"),
                ])
        case .crop(let x, let y, let width, let height):
            return try extract(image, x: x, y: y, width: width, height: height)
        case .embed(let x, let y, let width, let height, let background):
            let base = try colourReady(background.alpha < 255 ? try withAlpha(image) : image, for: background)
            return try call(
                "embed",
                [
                    "in": .image(base), "x": .int(x), "y": .int(y), "width": .int(width), "height": .int(height),
                    "extend": .string("background"), "background": .doubles(fill(background, for: base)),
                ])
        case .rotateQuarter(let turns):
            let angle = ["d0", "d90", "d180", "d270"][((turns % 4) + 4) % 4]
            return angle == "d0" ? image : try call("rot", ["in": .image(image), "angle": .string(angle)])
        case .rotate(let degrees, let background):
            let base = try colourReady(background.alpha < 255 ? try withAlpha(image) : image, for: background)
            return try call(
                "rotate",
                ["in": .image(base), "angle": .double(degrees), "background": .doubles(fill(background, for: base))])
        case .flip(let horizontal):
            return try call(
                "flip", ["in": .image(image), "direction": .string(horizontal ? "horizontal" : "vertical")])
        case .effect(let effect):
            return try EffectExecutor.apply(effect, to: image)
        case .roundCorners(let radii):
            return try applyMask(
                Masks.roundedCorners(width: image.width, height: image.height, radii: radii), to: image)
        case .ellipse:
            return try applyMask(Masks.ellipse(width: image.width, height: image.height), to: image)
        case .border(let width, let color):
            let base = try colourReady(color.alpha < 255 ? try withAlpha(image) : image, for: color)
            return try call(
                "embed",
                [
                    "in": .image(base), "x": .int(width), "y": .int(width), "width": .int(base.width + 2 * width),
                    "height": .int(base.height + 2 * width), "extend": .string("background"),
                    "background": .doubles(fill(color, for: base)),
                ])
        case .opacity(let factor):
            let base = try withAlpha(image)
            return try cast(
                try call(
                    "linear",
                    [
                        "in": .image(base), "a": .doubles(Array(repeating: 1, count: base.bands - 1) + [factor]),
                        "b": .doubles([0]),
                    ]))
        case .flatten(let color):
            guard image.hasAlpha else { return image }
            let base = try colourReady(image, for: color)
            return try call(
                "flatten",
                ["in": .image(base), "background": .doubles(Array(fill(color, for: base).prefix(base.bands - 1)))])
        case .trim(let threshold):
            guard let box = try trimBox(image, threshold: threshold) else { return image }
            return try extract(image, x: box.x, y: box.y, width: box.width, height: box.height)
        }
    }

    /// Pixels `find_trim` examines at most: larger images are analysed on a shrunk copy and the box
    /// scaled back (rounded outwards), so trimming costs the same for any source size.
    static let trimAnalysisPixels = 1_000_000

    /// The box `e_trim` keeps: everything that differs from the top-left pixel by more than
    /// `threshold`; nil when the image is uniform (it is kept whole).
    static func trimBox(_ image: VImage, threshold: Double) throws(VipsError) -> (
        x: Int, y: Int, width: Int, height: Int
    )? {
        // find_trim's 3x3 median needs at least 3 pixels each way; a smaller image has no border.
        guard image.width >= 3, image.height >= 3 else { return nil }
        let corner = try call("getpoint", ["in": .image(image), "x": .int(0), "y": .int(0)], output: "out-array")
        let pixels = Double(image.width) * Double(image.height)
        let scale = pixels > Double(trimAnalysisPixels) ? (Double(trimAnalysisPixels) / pixels).squareRoot() : 1
        let analysed = scale < 1 ? try call("resize", ["in": .image(image), "scale": .double(scale)]) : image
        let found = try VipsCall.call(
            "find_trim",
            [
                "in": .image(analysed), "threshold": .double(threshold),
                // find_trim flattens alpha onto the background itself: it takes the colour bands only.
                "background": .doubles(
                    Array((corner.array("out-array") ?? [255]).prefix(image.hasAlpha ? image.bands - 1 : image.bands))),
            ],
            outputs: ["left", "top", "width", "height"])
        let width = found.number("width") ?? 0
        let height = found.number("height") ?? 0
        guard width > 0, height > 0 else { return nil }
        let left = ((found.number("left") ?? 0) / scale).rounded(.down)
        let top = ((found.number("top") ?? 0) / scale).rounded(.down)
        let right = min(Double(image.width), (((found.number("left") ?? 0) + width) / scale).rounded(.up))
        let bottom = min(Double(image.height), (((found.number("top") ?? 0) + height) / scale).rounded(.up))
        let x = max(0, Checked.clamped(left))
        let y = max(0, Checked.clamped(top))
        let boxWidth = Checked.clamped(right) - x
        let boxHeight = Checked.clamped(bottom) - y
        guard boxWidth > 0, boxHeight > 0 else { return nil }
        return (x, y, boxWidth, boxHeight)
    }

    // MARK: - Helpers shared by the executors

    /// `thumbnail`'s size arguments for a resize to `width`×`height`. Uniform: only the exact side
    /// is bounded (the other by libvips' largest coordinate), so thumbnail scales both axes by that
    /// side's factor; otherwise `size=force` scales each axis by its own ratio.
    static func resizeArguments(width: Int, height: Int, uniform: RenderStep.Axis?) -> [String: VipsValue] {
        let unbounded = VipsValue.int(10_000_000)  // VIPS_MAX_COORD
        switch uniform {
        case .width?: return ["width": .int(width), "height": unbounded]
        case .height?: return ["width": unbounded, "height": .int(height)]
        case nil: return ["width": .int(width), "height": .int(height), "size": .string("force")]
        }
    }

    static func call(_ name: String, _ arguments: [String: VipsValue]) throws(VipsError) -> VImage {
        try VipsCall.call(name, arguments).image()
    }

    static func call(_ name: String, _ arguments: [String: VipsValue], output: String) throws(VipsError) -> VipsOutputs
    {
        try VipsCall.call(name, arguments, outputs: [output])
    }

    static func extract(_ image: VImage, x: Int, y: Int, width: Int, height: Int) throws(VipsError) -> VImage {
        try call(
            "extract_area",
            ["input": .image(image), "left": .int(x), "top": .int(y), "width": .int(width), "height": .int(height)])
    }

    static func cast(_ image: VImage) throws(VipsError) -> VImage {
        try call("cast", ["in": .image(image), "format": .string("uchar")])
    }

    static func withAlpha(_ image: VImage) throws(VipsError) -> VImage {
        image.hasAlpha ? image : try call("bandjoin_const", ["in": .image(image), "c": .doubles([255])])
    }

    /// A background vector with one value per band of `image` (grey images take the red value:
    /// ``colourReady(_:for:)`` made them sRGB unless the colour is a grey).
    static func fill(_ color: RGBA, for image: VImage) -> [Double] {
        switch image.bands {
        case 1: [color.red]
        case 2: [color.red, color.alpha]
        case 3: color.rgb
        default: color.rgba
        }
    }

    /// Whether `image` is grey: one band, two with alpha.
    static func isGrey(_ image: VImage) -> Bool { image.bands < 3 }

    /// `image` in sRGB (3 bands, 4 with alpha): for steps that bring colour into a grey image.
    static func colour(_ image: VImage) throws(VipsError) -> VImage {
        guard isGrey(image) else { return image }
        return try call("colourspace", ["in": .image(image), "space": .string("srgb")])
    }

    /// `image`, converted to sRGB when it is grey and `color` is not a grey.
    static func colourReady(_ image: VImage, for color: RGBA) throws(VipsError) -> VImage {
        color.isGrey ? image : try colour(image)
    }

    /// Splits off the alpha band, transforms the colour bands, and puts the alpha back.
    static func colourBands(_ image: VImage, _ body: (VImage) throws(VipsError) -> VImage) throws(VipsError) -> VImage {
        guard image.hasAlpha else { return try body(image) }
        let colour = try call("extract_band", ["in": .image(image), "band": .int(0), "n": .int(image.bands - 1)])
        let alpha = try call("extract_band", ["in": .image(image), "band": .int(image.bands - 1)])
        return try call("bandjoin", ["in": .images([try body(colour), alpha])])
    }

    /// Multiplies the alpha band by `mask` (0...255, one band, same size).
    static func applyMask(_ mask: VImage, to image: VImage) throws(VipsError) -> VImage {
        let base = try withAlpha(image)
        let colour = try call("extract_band", ["in": .image(base), "band": .int(0), "n": .int(base.bands - 1)])
        let alpha = try call("extract_band", ["in": .image(base), "band": .int(base.bands - 1)])
        let product = try call("multiply", ["left": .image(alpha), "right": .image(mask)])
        let scaled = try cast(
            try call("linear", ["in": .image(product), "a": .doubles([1.0 / 255]), "b": .doubles([0])]))
        return try call("bandjoin", ["in": .images([colour, scaled])])
    }
}
