import CVips

/// Pixel effects on 8-bit sRGB or grey images (alpha is left untouched). `e_grayscale` and
/// `e_blackwhite` leave one grey band; effects that add colour make a grey image sRGB first.
enum EffectExecutor {
    static func apply(_ effect: EffectOperation, to image: VImage) throws(VipsError) -> VImage {
        let input = effect.addsColour ? try StepExecutor.colour(image) : image
        return try StepExecutor.colourBands(input) { (colour) throws(VipsError) -> VImage in
            try applyToColour(effect, colour)
        }
    }

    private static func call(_ name: String, _ arguments: [String: VipsValue]) throws(VipsError) -> VImage {
        try StepExecutor.call(name, arguments)
    }

    private static func linear(_ image: VImage, _ a: [Double], _ b: [Double]) throws(VipsError) -> VImage {
        try StepExecutor.cast(try call("linear", ["in": .image(image), "a": .doubles(a), "b": .doubles(b)]))
    }

    /// Luminance, one band (`b-w`).
    private static func gray(_ colour: VImage) throws(VipsError) -> VImage {
        colour.bands == 1 ? colour : try call("colourspace", ["in": .image(colour), "space": .string("b-w")])
    }

    private static func applyToColour(_ effect: EffectOperation, _ colour: VImage) throws(VipsError) -> VImage {
        switch effect {
        case .grayscale:
            return try gray(colour)
        case .blackWhite(let threshold):
            let binary = try call(
                "relational_const",
                ["in": .image(try gray(colour)), "relational": .string("more"), "c": .doubles([threshold])])
            return try call("copy", ["in": .image(binary), "interpretation": .string("b-w")])
        case .sepia(let level):
            let sepia: [Double] = [0.393, 0.769, 0.189, 0.349, 0.686, 0.168, 0.272, 0.534, 0.131]
            let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
            let blended = zip(sepia, identity).map { level * $0 + (1 - level) * $1 }
            let matrix = try VImage.matrix(width: 3, height: 3, values: blended)
            return try StepExecutor.cast(try call("recomb", ["in": .image(colour), "m": .image(matrix)]))
        case .blur(let sigma):
            return try blur(colour, sigma: max(0.3, sigma))
        case .sharpen(let sigma, let amount):
            // Unsharp mask in sRGB: in + amount × (in − blur). libvips' own `sharpen` works in LabS and
            // costs two colour conversions (about twice the time on a 1000×563 image).
            let blurred = try call(
                "gaussblur", ["in": .image(colour), "sigma": .double(sigma), "precision": .string("integer")])
            let boosted = try call("linear", ["in": .image(colour), "a": .doubles([1 + amount]), "b": .doubles([0])])
            let detail = try call("linear", ["in": .image(blurred), "a": .doubles([amount]), "b": .doubles([0])])
            return try StepExecutor.cast(try call("subtract", ["left": .image(boosted), "right": .image(detail)]))
        case .brightness(let offset):
            return try linear(colour, [1], [offset])
        case .contrast(let factor):
            return try linear(colour, [factor], [128 * (1 - factor)])
        case .saturation(let factor):
            let lch = try call("colourspace", ["in": .image(colour), "space": .string("lch")])
            let adjusted = try call("linear", ["in": .image(lch), "a": .doubles([1, factor, 1]), "b": .doubles([0])])
            return try StepExecutor.cast(try call("colourspace", ["in": .image(adjusted), "space": .string("srgb")]))
        case .hue(let degrees):
            let lch = try call("colourspace", ["in": .image(colour), "space": .string("lch")])
            let adjusted = try call(
                "linear", ["in": .image(lch), "a": .doubles([1, 1, 1]), "b": .doubles([0, 0, degrees])])
            return try StepExecutor.cast(try call("colourspace", ["in": .image(adjusted), "space": .string("srgb")]))
        case .gamma(let exponent):
            return try StepExecutor.cast(try call("gamma", ["in": .image(colour), "exponent": .double(exponent)]))
        case .negate:
            return try call("invert", ["in": .image(colour)])
        case .pixelate(let size):
            return try pixelate(colour, size: size)
        case .colorize(let level, let color):
            return try linear(colour, [1 - level], color.rgb.map { $0 * level })
        case .tint(let level, let color):
            let toned = try call(
                "linear",
                ["in": .image(try gray(colour)), "a": .doubles(color.rgb.map { $0 / 255 * level }), "b": .doubles([0])])
            let kept = try call("linear", ["in": .image(colour), "a": .doubles([1 - level]), "b": .doubles([0])])
            return try StepExecutor.cast(try call("add", ["left": .image(kept), "right": .image(toned)]))
        case .vignette(let strength):
            let factor = try Masks.vignette(width: colour.width, height: colour.height, strength: strength)
            return try StepExecutor.cast(try call("multiply", ["left": .image(colour), "right": .image(factor)]))
        case .normalize(let perBand):
            return try normalize(colour, perBand: perBand)
        }
    }

    /// The largest Gaussian sigma computed at full resolution. A larger blur runs on a copy shrunk
    /// so that its sigma is about this size, then is scaled back: the result looks the same (the
    /// detail removed is finer than the shrink) and the cost no longer grows with the radius.
    static let fullResolutionBlurSigma = 3.0

    private static func blur(_ colour: VImage, sigma: Double) throws(VipsError) -> VImage {
        let factor = (sigma / fullResolutionBlurSigma).rounded(.down)
        let shortSide = Double(min(colour.width, colour.height))
        guard factor >= 2, shortSide / factor >= 8 else {
            return try call("gaussblur", ["in": .image(colour), "sigma": .double(sigma)])
        }
        let small = try call("resize", ["in": .image(colour), "scale": .double(1 / factor)])
        // In memory (it is small): upsizing reads it once per output tile.
        let blurred = try call("gaussblur", ["in": .image(small), "sigma": .double(sigma / factor)]).inMemory()
        // Back to exactly the original size.
        return try call(
            "resize",
            [
                "in": .image(blurred), "scale": .double(Double(colour.width) / Double(blurred.width)),
                "vscale": .double(Double(colour.height) / Double(blurred.height)), "kernel": .string("linear"),
            ]
        ).exactly(width: colour.width, height: colour.height)
    }

    private static func pixelate(_ colour: VImage, size: Int) throws(VipsError) -> VImage {
        guard size > 1, colour.width > size, colour.height > size else { return colour }
        let small = try call("resize", ["in": .image(colour), "scale": .double(1 / Double(size))])
        let blocks = try call("zoom", ["input": .image(small), "xfac": .int(size), "yfac": .int(size)])
        let width = min(blocks.width, colour.width)
        let height = min(blocks.height, colour.height)
        let cut = try StepExecutor.extract(blocks, x: 0, y: 0, width: width, height: height)
        guard width < colour.width || height < colour.height else { return cut }
        return try call(
            "embed",
            [
                "in": .image(cut), "x": .int(0), "y": .int(0), "width": .int(colour.width),
                "height": .int(colour.height),
                "extend": .string("copy"),
            ])
    }

    /// Stretches the 1st–99th percentile to 0–255, on luminance (one factor for all bands) or per band.
    private static func normalize(_ colour: VImage, perBand: Bool) throws(VipsError) -> VImage {
        func range(_ band: VImage) throws(VipsError) -> (Double, Double) {
            let low = try VipsCall.call("percent", ["in": .image(band), "percent": .double(1)], outputs: ["threshold"])
            let high = try VipsCall.call(
                "percent", ["in": .image(band), "percent": .double(99)], outputs: ["threshold"])
            return (low.number("threshold") ?? 0, high.number("threshold") ?? 255)
        }
        var a: [Double] = []
        var b: [Double] = []
        let sources: [VImage]
        if perBand {
            sources = try (0..<colour.bands).map { (index) throws(VipsError) -> VImage in
                try call("extract_band", ["in": .image(colour), "band": .int(index)])
            }
        } else {
            sources = [try call("colourspace", ["in": .image(colour), "space": .string("b-w")])]
        }
        for source in sources {
            let (low, high) = try range(source)
            let scale = high > low ? 255 / (high - low) : 1
            a.append(scale)
            b.append(-low * scale)
        }
        return try linear(colour, a, b)
    }
}

extension VImage {
    /// Cropped or extended (edge pixels copied) to exactly `width`×`height`, for resizes whose
    /// rounding can leave one pixel more or less.
    func exactly(width: Int, height: Int) throws(VipsError) -> VImage {
        if self.width == width && self.height == height { return self }
        var image = self
        if image.width > width || image.height > height {
            image = try StepExecutor.extract(
                image, x: 0, y: 0, width: min(width, image.width), height: min(height, image.height))
        }
        if image.width < width || image.height < height {
            image = try StepExecutor.call(
                "embed",
                [
                    "in": .image(image), "x": .int(0), "y": .int(0), "width": .int(width), "height": .int(height),
                    "extend": .string("copy"),
                ])
        }
        return image
    }
}

extension EffectOperation {
    /// Whether the effect can turn a grey image into a coloured one.
    var addsColour: Bool {
        switch self {
        case .sepia, .saturation, .hue, .colorize, .tint: true
        default: false
        }
    }
}
