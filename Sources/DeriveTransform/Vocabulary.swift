/// The closed word lists of the grammar (used for validation and did-you-mean suggestions).
enum Vocabulary {
    /// Output formats accepted by `f_` and as URL extensions.
    static let formats: [String] = [
        "jpg", "jpeg", "jpe", "png", "webp", "avif", "gif", "bmp", "tiff", "tif", "ico", "pdf", "svg", "heic",
        "heif", "jxl", "jp2", "wdp", "jxr", "hdp", "psd", "arw", "cr2", "cr3", "dng", "eps", "ept", "eps3", "ai",
        "ps", "flif", "bw", "tga", "djvu", "raf", "glb", "gltf", "usdz", "fbx", "webm", "mp4", "mov", "ogv", "flv",
        "m3u8", "mpd", "ts", "mkv", "avi", "3gp", "3g2", "wmv", "m2ts", "mts", "mpeg", "mpg", "mp3", "ogg", "wav",
        "aac", "aiff", "amr", "flac", "m4a", "weba", "opus", "json",
    ]

    static let formatSet: Set<String> = Set(formats)
    static let formatTable = WordTable(formats)

    /// Effect names (`e_`).
    static let effects: [String] = [
        "accelerate", "adv_redeye", "anti_removal", "art", "assist_colorblind", "auto_brightness", "auto_color",
        "auto_contrast", "auto_enhance", "background_removal", "bgremoval", "blackwhite", "blue", "blur",
        "blur_faces", "blur_region", "boomerang", "brightness", "brightness_hsb", "camera", "cartoonify", "colorize",
        "contrast", "cut_out", "deshake", "displace", "distort", "dropshadow", "enhance", "extract", "fade",
        "fill_light", "gamma", "gen_background_replace", "gen_recolor", "gen_remove", "gen_replace", "gen_restore",
        "gradient_fade", "grayscale", "green", "hue", "improve", "light", "lightroom", "loop", "make_transparent",
        "mask", "multiply", "negate", "noise", "oil_paint", "opacity_threshold", "ordered_dither", "outline",
        "overlay", "pixelate", "pixelate_faces", "pixelate_region", "preview", "progressbar", "recolor", "red",
        "redeye", "replace_color", "reverse", "saturation", "screen", "sepia", "shadow", "sharpen", "shear",
        "simulate_colorblind", "style_transfer", "swap_image", "theme", "tint", "transition", "trim",
        "unsharp_mask", "upscale", "vectorize", "vibrance", "viesus_correct", "vignette", "volume", "zoompan",
    ]

    static let effectSet: Set<String> = Set(effects)
    static let effectTable = WordTable(effects)

    /// Effects whose first argument, when given, must be an integer (or a variable).
    static let numericEffects: Set<String> = [
        "blur", "blur_faces", "sharpen", "unsharp_mask", "brightness", "brightness_hsb", "contrast", "saturation",
        "sepia", "pixelate", "pixelate_faces", "colorize", "vibrance", "vignette", "gamma", "hue", "auto_brightness",
        "auto_contrast", "auto_color", "shadow", "oil_paint", "red", "green", "blue", "noise", "accelerate",
        "volume", "loop", "opacity_threshold", "ordered_dither", "grayscale", "blackwhite", "negate",
    ]

    /// Flags (`fl_`).
    static let flags: [String] = [
        "alternate", "animated", "any_format", "apng", "attachment", "awebp", "c2pa", "clip", "clip_evenodd",
        "cutter", "draco", "force_icc", "force_strip", "getinfo", "group4", "hlsv3", "ignore_aspect_ratio",
        "ignore_mask_channels", "immutable_cache", "keep_attribution", "keep_dar", "keep_iptc", "layer_apply",
        "lossy", "mono", "no_overflow", "no_stream", "png8", "png24", "png32", "preserve_transparency",
        "progressive", "rasterize", "region_relative", "relative", "replace_image", "sanitize", "splice",
        "streaming_attachment", "strip_profile", "text_disallow_overflow", "text_no_trim", "tiff8_lzw", "tiled",
        "truncate_ts", "waveform",
    ]

    static let flagSet: Set<String> = Set(flags)
    static let flagTable = WordTable(flags)

    /// Colour spaces (`cs_`), besides `icc:<public_id>`.
    static let colorSpaces: [String] = ["srgb", "no_cmyk", "keep_cmyk", "tinysrgb", "cmyk", "copy", "rgb"]

    /// Gravity words (for suggestions).
    static let gravities: [String] =
        Compass.allCases.map(\.rawValue) + [
            "xy_center", "auto", "face", "faces", "custom", "adv_face", "adv_faces", "adv_eyes", "ocr_text", "liquid",
        ]

    /// Quality levels after `q_auto:`.
    static let qualityLevels: [String] = ["best", "good", "eco", "low"]

    /// Layer source kinds besides images and text.
    static let layerKinds: [String] = ["fetch", "lut", "video", "subtitles", "audio"]

    /// Delivery types (second path segment after the resource type).
    static let deliveryTypes: Set<String> = [
        "upload", "private", "authenticated", "fetch", "facebook", "twitter", "twitter_name", "gravatar", "youtube",
        "hulu", "vimeo", "animoto", "worldstarhiphop", "dailymotion", "list", "multi", "text", "sprite",
    ]

    static let resourceTypes: Set<String> = ["image", "video", "raw"]
}
