import DeriveRender
import DeriveTransform
import Testing

@Suite struct FormatTests {
    static let stillFormats: [ImageFormat] = [.jpeg, .png, .webp, .avif, .gif, .tiff]

    @Test(arguments: stillFormats)
    func everyFormatDecodesAgainWithTheRightSize(format: ImageFormat) throws {
        let rendered = try Renderer().render(
            TestImages.bytes("photo_coffee.png"), transformation: try Transformation(parsing: "c_fill,w_90,h_60"),
            format: format)
        let info = try ImageInfo.probe(rendered.bytes)
        #expect(info.format == format)
        #expect((info.width, info.height, info.pages) == (90, 60, 1))
    }

    @Test func libvipsStartsWithoutItsOptionalModulesAndLoadsHEIFOnDemand() throws {
        try VipsRuntime.start()
        // JPEG XL, PDF and ImageMagick loaders are never needed: their modules must not be loaded.
        #expect(!VipsRuntime.hasOperation("jxlload"))
        #expect(!VipsRuntime.hasOperation("magickload"))
        VipsRuntime.require(module: "heif")
        #expect(VipsRuntime.hasOperation("heifload"))
    }

    @Test func heicIsWrittenWhenThisLibvipsCanOrRefusedClearly() throws {
        do {
            let rendered = try Renderer().render(
                TestImages.bytes("photo_coffee.png"), transformation: try Transformation(parsing: "w_64"), format: .heic
            )
            #expect(try ImageInfo.probe(rendered.bytes).format == .heic)
        } catch let error as RenderError {
            if case .processing(let text) = error { #expect(!text.isEmpty) } else { Issue.record("\(error)") }
        }
    }

    @Test(arguments: [(ImageFormat.gif, 8), (.webp, 8), (.jpeg, 1), (.png, 1)])
    func animationsStayAnimatedWhereTheFormatCanCarryThem(format: ImageFormat, frames: Int) throws {
        let rendered = try Renderer().render(
            TestImages.bytes("anim_chelsea_8frames.gif"),
            transformation: try Transformation(parsing: "c_fill,w_120,h_60"),
            format: format)
        let info = try ImageInfo.probe(rendered.bytes)
        #expect(info.format == format)
        #expect((info.width, info.height, info.pages) == (120, 60, frames))
        #expect(rendered.frames == frames)
    }

    @Test func pageSelectsOneFrameOrPage() throws {
        let page = try Renderer().render(
            TestImages.bytes("multipage_2pages.tif"), transformation: try Transformation(parsing: "pg_2"), format: .png)
        #expect(try ImageInfo.probe(page.bytes).pages == 1)
        let frame = try Renderer().render(
            TestImages.bytes("anim_chelsea_8frames.gif"), transformation: try Transformation(parsing: "pg_3"),
            format: .gif)
        #expect(try ImageInfo.probe(frame.bytes).pages == 1)
    }

    @Test func frameLimitIsEnforcedFromTheHeader() throws {
        var limits = RenderLimits()
        limits.maxFrames = 10
        #expect(throws: RenderError.tooManyFrames(count: 24, limit: 10)) {
            try Renderer(limits: limits).render(
                TestImages.bytes("anim_tiny_24frames.gif"), transformation: .empty, format: .gif)
        }
    }

    @Test func qualityAndFlagsReachTheEncoder() throws {
        let source = TestImages.bytes("photo_coffee.png")
        func size(_ text: String, _ format: ImageFormat) throws -> Int {
            try Renderer().render(source, transformation: try Transformation(parsing: text), format: format).bytes.count
        }
        #expect(try size("w_300,q_30", .jpeg) < size("w_300,q_90", .jpeg))
        #expect(try size("w_300,q_auto:low", .webp) < size("w_300,q_auto:best", .webp))
        #expect(try size("w_300,fl_png8", .png) < size("w_300", .png))
        let progressive = try Renderer().render(
            source, transformation: try Transformation(parsing: "w_300,fl_progressive"), format: .jpeg)
        #expect(try Decoded(progressive.bytes).image.int("interlaced") == 1)
        let attachment = try Renderer().render(
            source, transformation: try Transformation(parsing: "w_10,fl_attachment:coffee"), format: .jpeg)
        #expect(attachment.attachment == "coffee")
    }

    @Test func metadataIsStrippedByDefault() throws {
        let rendered = try Renderer().render(
            TestImages.bytes("photo_12mp.jpg"), transformation: try Transformation(parsing: "w_100"), format: .jpeg)
        #expect(try Decoded(rendered.bytes).image.string("exif-ifd0-Make") == nil)
        #expect(!(try Decoded(rendered.bytes).image.hasICCProfile))
    }

    @Test func fAutoPicksFromAccept() throws {
        let t = try Transformation(parsing: "w_10,f_auto")
        #expect(
            try FormatNegotiation.outputFormat(
                transformation: t, extension: "jpg", source: .jpeg, accept: "image/avif,image/webp,*/*") == .avif)
        #expect(
            try FormatNegotiation.outputFormat(
                transformation: t, extension: "jpg", source: .jpeg, accept: "image/webp,*/*") == .webp)
        #expect(
            try FormatNegotiation.outputFormat(transformation: t, extension: nil, source: .png, accept: "*/*") == .png)
        #expect(
            try FormatNegotiation.outputFormat(transformation: t, extension: nil, source: .jpeg, accept: nil) == .jpeg)
    }
}

@Suite struct LayerTests {
    @Test func imageOverlayIsSizedByItsOwnParametersAndPlacedByLayerApply() throws {
        let logo = try Renderer().render(
            TestImages.bytes("photo_coffee.png"),
            transformation: try Transformation(parsing: "c_scale,w_10,h_10,e_negate"),
            format: .png
        ).bytes
        let context = RenderContext(format: .png, layerSources: ["brand/logo": logo])
        let base = try Renderer().render(
            TestImages.bytes("tiny_1x1.png"),
            transformation: try Transformation(parsing: "c_scale,w_100,h_100,b_white"),
            context: context)
        let composed = try Renderer().render(
            base.bytes,
            transformation: try Transformation(
                parsing: "l_brand:logo,w_20,h_20,c_scale/fl_layer_apply,g_south_east,x_5,y_5"),
            context: context)
        let decoded = try Decoded(composed.bytes)
        #expect((decoded.info.width, decoded.info.height) == (100, 100))
        let plain = try Decoded(base.bytes)
        #expect(try decoded.pixel(85, 85) != plain.pixel(85, 85))  // inside the 20x20 logo at 75...94
        #expect(try decoded.pixel(97, 97) == plain.pixel(97, 97))  // the 5 px margin
        #expect(try decoded.pixel(10, 10) == plain.pixel(10, 10))
    }

    @Test func missingLayerIsATypedError() throws {
        #expect(throws: RenderError.layerNotFound("nope")) {
            try Renderer().render(
                TestImages.bytes("photo_coffee.png"),
                transformation: try Transformation(parsing: "l_nope/fl_layer_apply"),
                format: .png)
        }
    }

    @Test func textLayerDrawsColouredText() throws {
        let canvas = try Renderer().render(
            TestImages.bytes("photo_coffee.png"), transformation: try Transformation(parsing: "c_fill,w_300,h_100"),
            format: .png)
        let texted = try Renderer().render(
            canvas.bytes,
            transformation: try Transformation(
                parsing: "l_text:DejaVu%20Sans_40_bold:Hello,co_rgb:ff0000/fl_layer_apply,g_center"),
            format: .png)
        let decoded = try Decoded(texted.bytes)
        #expect((decoded.info.width, decoded.info.height) == (300, 100))
        #expect(try decoded.difference(from: Decoded(canvas.bytes)) > 1)
    }
}
