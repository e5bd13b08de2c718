import CVips

/// Encodes a rendered image. Metadata is stripped; JPEG output is flattened onto white.
enum Encoder {
    static func encode(_ image: VImage, options: OutputOptions) throws(VipsError) -> [UInt8] {
        var image = image
        var arguments: [String: VipsValue] = ["strip": .bool(true)]
        if let quality = options.quality { arguments["Q"] = .int(quality) }
        let saver: String
        switch options.format {
        case .jpeg:
            if image.hasAlpha {
                image = try VipsCall.call(
                    "flatten", ["in": .image(image), "background": .doubles([255, 255, 255])]
                ).image()
            }
            saver = "jpegsave_buffer"
        case .png: saver = "pngsave_buffer"
        case .webp: saver = "webpsave_buffer"
        case .gif: saver = "gifsave_buffer"
        case .tiff: saver = "tiffsave_buffer"
        case .avif:
            saver = "heifsave_buffer"
            arguments["compression"] = .string("av1")
            arguments["effort"] = .int(2)
        case .heic:
            saver = "heifsave_buffer"
            arguments["compression"] = .string("hevc")
        }
        arguments["in"] = .image(image)
        return try VipsCall.call(saver, arguments, outputs: ["buffer"]).buffer()
    }
}
