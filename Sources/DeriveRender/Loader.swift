import CVips
import DeriveTransform
import Foundation

/// Decodes sources into 8-bit sRGB or grey (plus alpha) images, with shrink-on-load when a target size is known.
enum Loader {
    /// One still image. With `size`, it is decoded straight to that exact size, shrinking while
    /// decoding; `crop` makes it cover-and-crop with that libvips strategy instead.
    static func still(
        _ source: Source, limits: RenderLimits, page: Int?, autorotate: Bool, size: LoadPlan.Size? = nil,
        crop: String? = nil
    ) throws(RenderError) -> VImage {
        let info = source.info
        try check(info, limits: limits, frames: 1)
        do {
            var options = "fail_on=truncated"
            if let page { options += ",page=\(page)" }
            var target = size.map { ($0.width, $0.height) } ?? (info.width, info.height)
            if !autorotate && info.orientation >= 5 && size == nil { target = (info.height, info.width) }
            var arguments: [String: VipsValue]
            if let crop {
                arguments = ["width": .int(target.0), "height": .int(target.1), "crop": .string(crop)]
            } else {
                arguments = StepExecutor.resizeArguments(width: target.0, height: target.1, uniform: size?.uniform)
            }
            arguments["no-rotate"] = .bool(!autorotate)
            // Embedded non-sRGB profiles and CMYK are converted to sRGB while decoding; sRGB sources
            // skip the (costly, no-op) transform.
            if info.needsColourConversion { arguments["export-profile"] = .string("srgb") }
            if let shrink = deeperJPEGShrink(info, target: target, crop: crop), page == nil {
                // libvips 8.14's thumbnail keeps a 2x margin above the JPEG scale it picks (1/4 where
                // 1/8 still decodes at least the target size); decoding at 1/8 in the DCT is ~4x less work.
                arguments["in"] = .image(
                    try VipsCall.call(
                        "jpegload_buffer",
                        [
                            "buffer": .blob(source.blob), "shrink": .int(shrink), "access": .string("sequential"),
                            "fail-on": .string("truncated"),
                        ]
                    ).image())
                return try normalize(
                    try VipsCall.call("thumbnail_image", arguments).image().exactly(width: target.0, height: target.1))
            }
            arguments["buffer"] = .blob(source.blob)
            // thumbnail_buffer's own fail-on does not reach the loader in libvips 8.14; the option string does.
            arguments["option-string"] = .string(options)
            let image = try VipsCall.call("thumbnail_buffer", arguments).image()
            return try normalize(crop == nil ? try image.exactly(width: target.0, height: target.1) : image)
        } catch {
            throw Renderer.decodeFailure(error)
        }
    }

    /// The JPEG DCT scale (2, 4 or 8) that still decodes at least `target`, when it is larger than
    /// the one libvips' thumbnail would choose; nil otherwise.
    static func deeperJPEGShrink(_ info: ImageInfo, target: (Int, Int), crop: String?) -> Int? {
        guard info.format == .jpeg else { return nil }
        let x = Double(info.width) / Double(target.0)
        let y = Double(info.height) / Double(target.1)
        // The decoded image must cover the target in both directions (a fill crops afterwards).
        let factor = min(x, y)
        let ours = [8, 4, 2].first { Double($0) <= factor } ?? 1
        let libvips = factor >= 16 ? 8 : factor >= 8 ? 4 : factor >= 4 ? 2 : 1
        return ours > libvips ? ours : nil
    }

    /// Every frame of an animation, each as its own image.
    static func frames(_ source: Source, limits: RenderLimits) throws(RenderError) -> [VImage] {
        let info = source.info
        try check(info, limits: limits, frames: info.pages)
        do {
            let strip = try VipsCall.call(
                source.loader, ["buffer": .blob(source.blob), "n": .int(-1), "fail-on": .string("truncated")]
            ).image()
            let memory = try strip.inMemory()
            let height = memory.pageHeight
            return try (0..<max(1, memory.height / height)).map { (index) throws(VipsError) -> VImage in
                try normalize(
                    try StepExecutor.extract(memory, x: 0, y: index * height, width: memory.width, height: height))
            }
        } catch {
            throw Renderer.decodeFailure(error)
        }
    }

    static func check(_ info: ImageInfo, limits: RenderLimits, frames: Int) throws(RenderError) {
        guard info.pixelCount <= limits.maxInputPixels else {
            throw .tooManyPixels(width: info.width, height: info.height, limit: limits.maxInputPixels)
        }
        guard frames <= limits.maxFrames else { throw .tooManyFrames(count: frames, limit: limits.maxFrames) }
        guard info.pixelCount * frames <= limits.maxInputPixels else {
            throw .tooManyPixels(width: info.width, height: info.height * frames, limit: limits.maxInputPixels)
        }
    }

    /// Every step sees 8-bit sRGB (3 or 4 bands) or 8-bit grey (`b-w`, 1 or 2 bands): grey sources
    /// stay grey, so a grey result is written as greyscale; 16-bit and other encodings are converted.
    static func normalize(_ image: VImage) throws(VipsError) -> VImage {
        let interpretation = image.interpretation
        let uchar = vips_image_get_format(image.pointer) == VIPS_FORMAT_UCHAR
        if interpretation == VIPS_INTERPRETATION_sRGB && uchar && image.bands >= 3 { return image }
        let grey = interpretation == VIPS_INTERPRETATION_B_W || interpretation == VIPS_INTERPRETATION_GREY16
        if grey && image.bands <= 2 {
            if uchar && interpretation == VIPS_INTERPRETATION_B_W { return image }
            let mono = try VipsCall.call("colourspace", ["in": .image(image), "space": .string("b-w")]).image()
            return vips_image_get_format(mono.pointer) == VIPS_FORMAT_UCHAR ? mono : try StepExecutor.cast(mono)
        }
        let srgb = try VipsCall.call("colourspace", ["in": .image(image), "space": .string("srgb")]).image()
        return vips_image_get_format(srgb.pointer) == VIPS_FORMAT_UCHAR ? srgb : try StepExecutor.cast(srgb)
    }
}

/// Text layers (`l_text:Arial_40_bold:Hello`), drawn with libvips' Pango text operation.
enum TextLayer {
    static func render(_ layer: DeriveTransform.TextLayer, color: RGBA?) throws(VipsError) -> VImage {
        let size = layer.fontSize ?? 20
        var font = layer.fontFamily.isEmpty ? "sans" : layer.fontFamily
        let options = Set(layer.styleOptions)
        if options.contains("bold") { font += " Bold" }
        if options.contains("italic") { font += " Italic" }
        // Control characters (a NUL would end the C string inside the markup) are dropped.
        let visible = String(
            String.UnicodeScalarView(layer.decodedText.unicodeScalars.filter { $0.value >= 0x20 || $0 == "\n" }))
        var markup = escape(visible)
        if options.contains("underline") { markup = "<u>\(markup)</u>" }
        if options.contains("strikethrough") { markup = "<s>\(markup)</s>" }
        // `text` renders a one-band coverage mask; colour it and use the mask as alpha.
        let mask = try StepExecutor.call(
            "text", ["text": .string(markup), "font": .string("\(font) \(size)"), "dpi": .int(72)])
        let fill = color ?? .black
        let solid = try StepExecutor.cast(
            try StepExecutor.call(
                "linear",
                [
                    "in": .image(
                        try StepExecutor.call(
                            "black", ["width": .int(mask.width), "height": .int(mask.height), "bands": .int(3)])),
                    "a": .doubles([0, 0, 0]), "b": .doubles(fill.rgb),
                ]))
        let srgb = try StepExecutor.call("copy", ["in": .image(solid), "interpretation": .string("srgb")])
        return try StepExecutor.call("bandjoin", ["in": .images([srgb, mask])])
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
