import CVips
import DeriveTransform
import Testing

@testable import DeriveRender

/// Grey results stay one band (two with alpha) through to the encoder; anything that brings colour
/// into a grey image makes it sRGB at that point.
@Suite struct GreyOutputTests {
    func render(_ image: String, _ transformation: String, as format: ImageFormat) throws -> RenderedImage {
        try Renderer().render(
            TestImages.bytes(image), transformation: try Transformation(parsing: transformation), format: format)
    }

    /// The encoded file read back as it is stored (no conversion): bands and interpretation.
    func stored(_ bytes: [UInt8]) throws -> VImage {
        try VipsCall.call("jpegload_buffer", ["buffer": .blob(try VBlob(copying: bytes))]).image()
    }

    @Test(arguments: [
        ("photo_12mp.jpg", "w_1000/e_grayscale/a_90"),
        ("photo_12mp.jpg", "w_300/e_blackwhite"),
        ("photo_coffee.png", "e_grayscale,w_200"),
        ("photo_coffee.png", "e_grayscale/c_pad,w_400,h_400,b_white"),  // a grey pad colour keeps it grey
        ("photo_coffee.png", "e_grayscale/a_45"),  // white corners on a JPEG
        ("photo_coffee.png", "e_grayscale/e_blur:200/e_sharpen/e_contrast:20/r_20"),
        ("alpha_magick_logo.png", "w_300/e_grayscale"),  // alpha flattened onto white
        ("gray_camera.jpg", "w_100"),  // a grey source with no colour step
        ("gray_camera.png", "w_100,e_brightness:20"),
    ])
    func greyChainsWriteOneBandJPEG(image: String, transformation: String) throws {
        let rendered = try render(image, transformation, as: .jpeg)
        let file = try stored(rendered.bytes)
        #expect(file.bands == 1)
        #expect(file.interpretation == VIPS_INTERPRETATION_B_W)
        #expect(file.width == rendered.width && file.height == rendered.height)
    }

    @Test func greyJPEGIsSmallerThanTheSameImageInThreeBands() throws {
        let grey = try render("photo_12mp.jpg", "w_1000/e_grayscale/a_90", as: .jpeg)
        #expect(grey.width == 563 && grey.height == 1000)
        // The same grey pixels, forced back to three bands by a no-op colour step (e_tint:0).
        let colour = try render("photo_12mp.jpg", "w_1000/e_grayscale/a_90/e_tint:0", as: .jpeg)
        #expect(try stored(colour.bytes).bands == 3)
        #expect(grey.bytes.count < colour.bytes.count)
        #expect(try Decoded(grey.bytes).difference(from: Decoded(colour.bytes)) < 1.5)
    }

    @Test func sixteenBitGreyBecomesEightBitGrey() throws {
        let source = try VipsCall.call(
            "pngload_buffer", ["buffer": .blob(try VBlob(copying: TestImages.bytes("gray_camera.png")))]
        ).image()
        let wide = try VipsCall.call(
            "linear", ["in": .image(source), "a": .doubles([257]), "b": .doubles([0]), "uchar": .bool(false)]
        ).image()
        let grey16 = try VipsCall.call(
            "copy",
            [
                "in": .image(try StepExecutor.call("cast", ["in": .image(wide), "format": .string("ushort")])),
                "interpretation": .string("grey16"),
            ]
        ).image()
        let png = try VipsCall.call("pngsave_buffer", ["in": .image(grey16)], outputs: ["buffer"]).buffer()
        for transformation in ["w_100", "a_90"] {
            let rendered = try Renderer().render(
                png, transformation: try Transformation(parsing: transformation), format: .jpeg)
            #expect(try stored(rendered.bytes).bands == 1)
            let plain = try render("gray_camera.png", transformation, as: .jpeg)
            #expect(try Decoded(rendered.bytes).difference(from: Decoded(plain.bytes)) < 1)
        }
    }

    @Test func greyWithAlphaStaysTwoBandsInPNG() throws {
        let rendered = try render("alpha_magick_logo.png", "w_300/e_grayscale", as: .png)
        let file = try VipsCall.call("pngload_buffer", ["buffer": .blob(try VBlob(copying: rendered.bytes))]).image()
        #expect(file.bands == 2)
        #expect(file.interpretation == VIPS_INTERPRETATION_B_W)
    }

    /// Grey first, then something coloured: the colour must be there.
    @Test(arguments: [
        ("e_grayscale/co_rgb:ff0000,e_colorize:60", 100, 100),
        ("e_grayscale/e_tint:80:red", 100, 100),
        ("e_grayscale/e_sepia", 100, 100),
        ("e_grayscale/bo_10px_solid_red", 3, 3),
        ("e_grayscale/c_pad,w_600,h_600,b_red", 300, 20),
        ("e_blackwhite/a_30,b_red", 2, 2),
        ("e_grayscale/r_40/b_red", 1, 1),
    ])
    func colourAfterGreyIsColour(transformation: String, x: Int, y: Int) throws {
        let rendered = try render("photo_coffee.png", transformation, as: .jpeg)
        #expect(try stored(rendered.bytes).bands == 3)
        let pixel = try Decoded(rendered.bytes).pixel(x, y)
        #expect(pixel.count == 3)
        #expect(pixel[0] > pixel[2] + 20, "\(transformation): \(pixel)")
    }

    @Test func colouredTextOnAGreyImageIsColoured() throws {
        let rendered = try render("photo_coffee.png", "e_grayscale/l_text:Arial_200_bold:II,co_red", as: .jpeg)
        let image = try Decoded(rendered.bytes).image
        #expect(image.bands == 3)
        // Somewhere the red band is far above the blue one: the text.
        let red = try VipsCall.call("extract_band", ["in": .image(image), "band": .int(0)]).image()
        let blue = try VipsCall.call("extract_band", ["in": .image(image), "band": .int(2)]).image()
        let excess = try VipsCall.call("subtract", ["left": .image(red), "right": .image(blue)]).image()
        #expect(try VipsCall.call("max", ["in": .image(excess)], outputs: ["out"]).number("out") ?? 0 > 150)
    }

    @Test(arguments: [ImageFormat.gif, .webp])
    func greyAnimationsStayAnimated(format: ImageFormat) throws {
        let rendered = try render("anim_tiny_24frames.gif", "e_grayscale/w_40", as: format)
        #expect(rendered.frames == 24)
        let info = try ImageInfo.probe(rendered.bytes)
        #expect(info.format == format && info.pages == 24 && info.width == 40)
    }

    @Test func colourOnAGreySourceIsColour() throws {
        let rendered = try render("gray_camera.png", "w_200/bo_4px_solid_blue", as: .png)
        let pixel = try Decoded(rendered.bytes).pixel(1, 1)
        #expect(pixel.count >= 3 && pixel[2] > 200 && pixel[0] < 50)
    }

    @Test(arguments: [ImageFormat.webp, .png, .gif, .avif, .tiff, .jpeg])
    func greyResultsAreValidInEveryFormat(format: ImageFormat) throws {
        for (image, transformation) in [
            ("photo_12mp.jpg", "w_300/e_grayscale/a_90"), ("alpha_magick_logo.png", "w_200/e_grayscale"),
            ("gray_camera.png", "w_150"),
        ] {
            let rendered = try render(image, transformation, as: format)
            let info = try ImageInfo.probe(rendered.bytes)
            #expect(info.format == format)
            #expect(info.width == rendered.width && info.height == rendered.height)
            // Grey it stays: every colour band of a pixel has the same value (within lossy coding).
            let decoded = try Decoded(rendered.bytes)
            let pixel = try decoded.pixel(rendered.width / 2, rendered.height / 2)
            let colour = decoded.image.hasAlpha ? Array(pixel.dropLast()) : pixel
            #expect((colour.max() ?? 0) - (colour.min() ?? 0) <= 6, "\(format) \(transformation): \(pixel)")
        }
    }
}
