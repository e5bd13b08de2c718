import DeriveRender
import DeriveTransform
import Testing

@Suite struct PixelTests {
    func render(_ image: String, _ transformation: String, as format: ImageFormat = .png) throws -> Decoded {
        try Decoded(
            try Renderer().render(
                TestImages.bytes(image), transformation: try Transformation(parsing: transformation), format: format
            ).bytes)
    }

    @Test func grayscaleIsOneGreyBand() throws {
        let gray = try render("photo_coffee.png", "w_60/e_grayscale")
        #expect(gray.image.bands == 1)
        let colour = try render("photo_coffee.png", "w_60")
        for (x, y) in [(0, 0), (30, 20), (59, 39), (10, 30)] {
            let pixel = try gray.pixel(x, y)
            let rgb = try colour.pixel(x, y)
            // Luminance (Rec. 709 weights). libvips weighs in linear light, which puts saturated
            // colours a few levels above this gamma-space sum.
            let luminance = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2]
            #expect(pixel.count == 1 && abs(pixel[0] - luminance) < 10, "pixel \(x),\(y): \(pixel) vs \(rgb)")
        }
    }

    @Test func rotate90SwapsSidesAndMovesTheTopLeftCornerToTheTopRight() throws {
        let original = try render("photo_coffee.png", "w_60")
        let rotated = try render("photo_coffee.png", "w_60/a_90")
        #expect((rotated.info.width, rotated.info.height) == (40, 60))
        // Clockwise: the original's top-left pixel is now the top-right one.
        #expect(try rotated.pixel(39, 0) == original.pixel(0, 0))
        #expect(try rotated.pixel(0, 59) == original.pixel(59, 39))
    }

    @Test func rMaxLeavesTransparentCornersAndAnOpaqueCentre() throws {
        let round = try render("photo_coffee.png", "c_fill,w_100,h_100/r_max")
        #expect(round.image.bands == 4)
        for (x, y) in [(0, 0), (99, 0), (0, 99), (99, 99)] { #expect(try round.pixel(x, y)[3] == 0) }
        #expect(try round.pixel(50, 50)[3] == 255)
        let corners = try render("photo_coffee.png", "c_fill,w_100,h_100/r_20")
        #expect(try corners.pixel(0, 0)[3] == 0)
        #expect(try corners.pixel(20, 0)[3] == 255)
        #expect(try corners.pixel(50, 50)[3] == 255)
    }

    @Test func padBackgroundColourIsWhereThePaddingIs() throws {
        // 600x400 padded into 200x200: the image is 200x133, centred, with red bands above and below.
        let padded = try render("photo_coffee.png", "c_pad,w_200,h_200,b_rgb:ff0000", as: .png)
        #expect((padded.info.width, padded.info.height) == (200, 200))
        #expect(try padded.pixel(100, 5) == [255, 0, 0])
        #expect(try padded.pixel(100, 195) == [255, 0, 0])
        #expect(try padded.pixel(100, 100) != [255, 0, 0])
        let north = try render("photo_coffee.png", "c_pad,w_200,h_200,g_north,b_blue")
        #expect(try north.pixel(100, 195) == [0, 0, 255])
        #expect(try north.pixel(100, 5) != [0, 0, 255])
    }

    @Test func borderAndBackgroundFlatten() throws {
        let bordered = try render("photo_coffee.png", "w_60/bo_5px_solid_rgb:00ff00")
        #expect((bordered.info.width, bordered.info.height) == (70, 50))
        #expect(try bordered.pixel(0, 0) == [0, 255, 0])
        #expect(try bordered.pixel(69, 49) == [0, 255, 0])
        let flattened = try render("alpha_magick_logo.png", "w_100,b_rgb:ff00ff")
        #expect(flattened.image.bands == 3)
        #expect(try flattened.pixel(0, 0) == [255, 0, 255])  // a fully transparent corner of the logo
    }

    /// The reference is the sRGB photo every input was made from. RGB profiles round-trip closely
    /// (ProPhoto read without its profile is 43 levels off); CMYK cannot hold the photo's saturated
    /// colours, so its round trip differs by up to 14 levels (libvips' own `icc_transform` gives the
    /// same means), more without an embedded profile.
    @Test(arguments: [
        ("cmyk_icc_coffee.jpg", 16.0), ("cmyk_noicc_coffee.jpg", 26.0), ("icc_prophoto_coffee.jpg", 6.0),
        ("icc_adobergb_coffee.png", 6.0),
    ])
    func colourManagedInputsComeOutSRGB(image: String, tolerance: Double) throws {
        let reference = try render("photo_coffee.png", "w_200")
        let converted = try render(image, "w_200")
        #expect(converted.image.bands == 3)
        for (band, (expected, actual)) in zip(try reference.means(), try converted.means()).enumerated() {
            #expect(abs(expected - actual) <= tolerance, "band \(band): sRGB reference \(expected), got \(actual)")
        }
    }

    @Test(arguments: 1...8)
    func exifOrientationsComeOutUpright(orientation: Int) throws {
        let upright = try render("photo_chelsea.png", "w_150")
        let oriented = try render("exif_orient_\(orientation).jpg", "w_150")
        #expect((oriented.info.width, oriented.info.height) == (150, 100))
        #expect(try oriented.difference(from: upright) < 12)
    }

    @Test func autoRightRotatesOnlyWhenOrientationsDisagree() throws {
        // A landscape photo asked into a portrait box turns a quarter; into a landscape box it does not.
        let portrait = try render("photo_coffee.png", "c_fill,w_100,h_200,a_auto_right")
        let plainFill = try render("photo_coffee.png", "w_200/a_90/c_fill,w_100,h_200")
        #expect((portrait.info.width, portrait.info.height) == (100, 200))
        #expect(try portrait.difference(from: plainFill) < 8)
        let landscape = try render("photo_coffee.png", "c_fill,w_200,h_100,a_auto_right")
        #expect(try landscape.difference(from: try render("photo_coffee.png", "c_fill,w_200,h_100")) == 0)
    }

    @Test func aIgnoreKeepsTheStoredOrientation() throws {
        let stored = try render("exif_orient_6.jpg", "a_ignore")
        #expect((stored.info.width, stored.info.height) == (300, 451))
    }

    @Test(arguments: [
        "e_grayscale", "e_blackwhite", "e_sepia", "e_sepia:50", "e_blur", "e_blur:300", "e_sharpen", "e_sharpen:200",
        "e_unsharp_mask", "e_brightness:40", "e_contrast:50", "e_saturation:-50", "e_hue:40", "e_gamma:50", "e_negate",
        "e_pixelate:8", "e_colorize:40,co_rgb:00ff00", "e_tint:50:blue", "e_vignette:50", "e_auto_contrast",
        "e_auto_brightness", "e_auto_color", "e_improve", "e_trim", "a_45", "a_-30", "a_hflip", "a_vflip", "a_90.hflip",
        "o_50", "r_10:20:30:40", "ar_1:1,c_fill", "w_100,h_100,c_fill,g_xy_center,x_300,y_100",
        "c_crop,w_0.5,h_0.5,g_south_east",
        "c_crop,w_100,h_100,x_10,y_10", "c_thumb,w_80,h_80,g_auto", "c_fill,w_80,h_80,g_custom", "w_0.25,dpr_2.0",
    ])
    func everyEffectAndGeometryRenders(transformation: String) throws {
        let out = try render("photo_coffee.png", "w_200/" + transformation)
        #expect(out.info.width > 0 && out.info.height > 0)
    }

    @Test func effectsChangePixels() throws {
        let plain = try render("photo_coffee.png", "w_100")
        for effect in [
            "e_negate", "e_sepia", "e_blur:400", "e_brightness:50", "e_pixelate:10", "e_hue:50", "e_saturation:100",
            "e_sharpen:400",
        ] {
            #expect(try render("photo_coffee.png", "w_100/" + effect).difference(from: plain) > 2, "\(effect)")
        }
        let negated = try render("photo_coffee.png", "w_100/e_negate")
        let pixel = try plain.pixel(10, 10)
        #expect(try negated.pixel(10, 10) == pixel.map { 255 - $0 })
    }

    @Test func unknownEffectsAndFaceGravityAreRefusedWithAReason() throws {
        let error = #expect(throws: TransformationError.self) { try render("photo_coffee.png", "e_sepiaa") }
        #expect(error?.message.contains("did you mean \"sepia\"") == true)
        #expect(throws: RenderError.unsupportedTransformation("component 1: face detection is not available")) {
            try render("photo_coffee.png", "c_fill,w_100,h_100,g_face")
        }
    }

    @Test func conditionsAndVariables() throws {
        // 600 wide: the first branch applies; the variable sets the width of the second component.
        let wide = try render("photo_coffee.png", "if_w_gt_500/c_scale,w_100/if_else/c_scale,w_50/if_end")
        #expect(wide.info.width == 100)
        let narrow = try render("photo_coffee.png", "w_400/if_w_gt_500/c_scale,w_100/if_else/c_scale,w_50/if_end")
        #expect(narrow.info.width == 50)
        let variable = try render("photo_coffee.png", "$size_120/c_scale,w_$size")
        #expect(variable.info.width == 120)
        let expression = try render("photo_coffee.png", "c_scale,w_iw_mul_0.5_add_10")
        #expect(expression.info.width == 310)
    }
}
