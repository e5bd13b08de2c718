/// Minimal reproducers of the failures found by the libFuzzer harnesses (Scripts/fuzz-render.sh,
/// Scripts/fuzz-image.sh), replayed by FuzzRegressionTests. Each must end in a result or a client
/// error (4xx), never in `RenderError.processing` (a 500) or a render past its time limit.
/// The comment above each group is what it did when found (libvips 8.14, Debian bookworm).
enum FuzzRegressionCases {
    /// `image` is a TestImages/ file; `dpr`, `width` and `accept` are the DPR, Width and Accept
    /// header texts (nil: not sent).
    static let renderCases: [(image: String, transformation: String, dpr: String?, width: String?, accept: String?)] =
        [
            // 500 "find_trim: rank: window too large": find_trim's 3x3 median needs an image of at
            // least 3x3 pixels (StepExecutor.trimBox). Fixed in 9436441.
            (image: "tiny_1x1.gif", transformation: "e_trim", dpr: nil, width: nil, accept: nil),
            (image: "tiny_1x1.png", transformation: "e_trim:100,w_5", dpr: nil, width: nil, accept: nil),
            // 500 "thumbnail_buffer: jpegload_buffer|pngload_buffer: no property named `page'": pg_1 of a
            // single-page JPEG/PNG passes "page=0" to a loader that has no pages (Planner.page, Loader.still).
            // Fixed in 9436441.
            (image: "tiny_1x1.jpg", transformation: "pg_1", dpr: nil, width: nil, accept: nil),
            (image: "photo_chelsea.png", transformation: "pg_+1,w_50", dpr: nil, width: nil, accept: nil),
            // 500 "text: text: no text to render": a text layer whose text draws nothing (blank,
            // whitespace, a leading NUL, a zero-width space).
            (image: "photo_chelsea.png", transformation: "l_text:Arial_20:%20", dpr: nil, width: nil, accept: nil),
            (
                image: "photo_chelsea.png", transformation: "l_text:sans_10:%0A/fl_layer_apply", dpr: nil, width: nil,
                accept: nil
            ),
            (image: "photo_chelsea.png", transformation: "l_text:sans_10:%00abc", dpr: nil, width: nil, accept: nil),
            (
                image: "photo_chelsea.png", transformation: "l_text:sans_10_bold:%E2%80%8B", dpr: nil, width: nil,
                accept: nil
            ),
            // 500 "text: text: invalid markup in text": a NUL in the text ends the C string inside the
            // <u>/<s> markup that _underline/_strikethrough add (TextLayer.render).
            (
                image: "photo_chelsea.png", transformation: "l_text:Arial_20_underline:a%00b", dpr: nil, width: nil,
                accept: nil
            ),
            (
                image: "photo_chelsea.png", transformation: "l_text:Arial_20_strikethrough:a%00", dpr: nil, width: nil,
                accept: nil
            ),
            // Past the deadline: an animated GIF rendered as GIF. gifsave quantises every frame with
            // libimagequant outside libvips' eval loop, so the kill flag is not seen: 24 frames of
            // 400x714 returned *successfully* after 6-10 s with a 5 s limit (15-36 s on a loaded machine).
            // Fixed in 9436441 (animated outputs budgeted at 16 MP, GIF effort 3): now ~2 s.
            (image: "anim_tiny_24frames.gif", transformation: "w_400", dpr: nil, width: nil, accept: nil),
            (image: "anim_tiny_24frames.gif", transformation: "w_auto:scale", dpr: nil, width: "357", accept: nil),
            // Past the deadline (after 9436441): effects on an animation are chained lazily per frame and
            // only computed inside the encoder (arrayjoin + gifsave/webpsave), where the deadline does not
            // stop them, and with no in-memory step a reduced-resolution blur or a pixelate recomputes its
            // upstream for every output tile. Returned *successfully* with a 5 s limit after: w_300/e_blur
            // 16.7 s (GIF) and 15.9 s (WebP), w_500/e_pixelate 21 s; w_610/e_blur:2000 118.6 s (GIF) and
            // 105 s (WebP); w_600/e_pixelate:200 46 s. Stills of the same steps take 0.1-2 s.
            (image: "anim_tiny_24frames.gif", transformation: "w_300/e_blur:2000", dpr: nil, width: nil, accept: nil),
            (
                image: "anim_tiny_24frames.gif", transformation: "w_300/e_blur:2000/f_webp", dpr: nil, width: nil,
                accept: nil
            ),
            (
                image: "anim_tiny_24frames.gif", transformation: "w_500/e_pixelate:200/f_webp", dpr: nil, width: nil,
                accept: nil
            ),
        ]

    /// TestImages/ files (damaged images found by the image harness are under fuzz/), probed and
    /// rendered with the image harness' fixed transformations.
    static let imageCases: [String] = [
        // 500 "gifsave_buffer|copy_memory: gifload_buffer: Invalid frame data" (damaged LZW data).
        "fuzz/gif_invalid_frame_data.gif",
        // 500 "webpsave_buffer|copy_memory: webp2vips: unable to read pixels" (damaged VP8 data).
        "fuzz/webp_unable_to_read_pixels.webp",
        // 500 "jpegsave_buffer|copy_memory: VipsJpeg: Bogus Huffman table definition".
        "fuzz/jpeg_bogus_huffman_table.jpg",
        // 500 "thumbnail_buffer|thumbnail_image: VipsIcc: Couldn't link the profiles": a damaged
        // embedded ICC profile (APP2) on a JPEG; the sRGB conversion while decoding fails.
        "fuzz/jpeg_damaged_icc_profile.jpg",
        // 500 "tiffsave_buffer|copy_memory: … TIFFFetchDirectory: source input: Seek error accessing TIFF
        // directory / TIFFReadDirectory: Failed to read directory at offset 196885" (after pages of
        // libtiff "TIFFFetchNormalTag: … custom tag" lines, cut with "...").
        "fuzz/tiff_bad_directory_offset.tif",
        // Multi-page TIFFs rendered to an animated format (the trim render writes WebP, f_auto picks
        // WebP) are loaded with n=-1 (Loader.frames): w_64 and a_90 succeed, those two fail with 500
        // "tiffload_buffer: tiff2vips: page 1 differs from page 0" / "tiff2vips: samples out of range".
        "fuzz/tiff_pages_differ.tif",
        "fuzz/tiff_second_directory_unreadable.tif",
    ]

    /// Files rendered one after the other in one process: each must still end in a result or a 4xx.
    /// libtiff reports warnings for tiff_libtiff_warnings.tif through libvips' process-wide error
    /// buffer although the render succeeds; nothing clears it, so the next failing render anywhere
    /// in the process takes that text (filling the buffer, the real message is cut off) and
    /// Renderer.classify turns a truncated JPEG (a 400) into a 500 "jpegsave_buffer: TIFFFetchNormalTag: …".
    /// The same buffer is shared by concurrent renders: run beside other tests, the JPEG's own message
    /// was also seen taken by another thread, leaving a 500 "copy_memory: unknown libvips error".
    static let imageSequences: [[String]] = [
        ["fuzz/tiff_libtiff_warnings.tif", "broken_truncated_half.jpg"],
        ["fuzz/tiff_libtiff_warnings.tif", "fuzz/tiff_libtiff_warnings.tif", "broken_truncated_half.jpg"],
    ]
}
