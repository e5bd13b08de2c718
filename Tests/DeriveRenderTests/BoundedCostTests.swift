import DeriveRender
import DeriveTransform
import Testing

/// Work per request is bounded: large-radius blurs and trim detection run at reduced resolution
/// (same look, cost independent of the radius or source size), chains and layers have limits, and
/// the deadline covers every stage.
@Suite struct BoundedCostTests {
    func render(_ image: String, _ text: String, as format: ImageFormat, limits: RenderLimits = RenderLimits())
        throws -> RenderedImage
    {
        try Renderer(limits: limits).render(
            TestImages.bytes(image), transformation: try Transformation(parsing: text), format: format)
    }

    /// The reduced-resolution blur against libvips' full-resolution `gaussblur` with the same sigma.
    @Test(arguments: [300, 800, 2000]) func aLargeBlurLooksLikeTheFullResolutionOne(strength: Int) throws {
        let ours = try Decoded(try render("photo_coffee.png", "e_blur:\(strength)", as: .png).bytes)
        let source = try Decoded(TestImages.bytes("photo_coffee.png"))
        let sigma = Double(strength) / 20
        let reference = try VipsCall.call(
            "cast",
            [
                "in": .image(
                    try VipsCall.call("gaussblur", ["in": .image(source.image), "sigma": .double(sigma)]).image()),
                "format": .string("uchar"),
            ]
        ).image()
        let difference = try ours.difference(from: Decoded(image: reference))
        #expect(ours.info.width == 600 && ours.info.height == 400)
        #expect(difference < 4, "mean absolute difference \(difference) levels")
    }

    @Test func theLargestBlurOfThe20MegapixelPhotoFinishesWellInsideTheDeadline() throws {
        var limits = RenderLimits()
        limits.timeoutSeconds = 10  // it took the whole 30 s before blurs ran at reduced resolution
        let result = try render("photo_20mp_kleiber.jpg", "e_blur:2000/w_200", as: .jpeg, limits: limits)
        #expect(result.width == 200)
        let trimmed = try render("photo_20mp_kleiber.jpg", "e_trim/w_200", as: .jpeg, limits: limits)
        #expect(trimmed.width == 200)
    }

    /// A photo on a wide white margin: trimming finds the photo whether it is analysed at full size
    /// (under a megapixel) or on a shrunk copy (the box rounds outwards by at most the shrink).
    @Test func trimOnAShrunkCopyFindsTheSameBox() throws {
        let small = try render("photo_coffee.png", "bo_200px_solid_white/e_trim", as: .png)
        #expect(small.width >= 600 && small.width <= 602 && small.height >= 400 && small.height <= 402)
        let large = try render("photo_coffee.png", "w_3000/bo_500px_solid_white/e_trim", as: .png)
        #expect(large.width >= 3000 && large.width <= 3008 && large.height >= 2000 && large.height <= 2008)
    }

    @Test func trimKeepsOneFrameSizeForAnAnimation() throws {
        let result = try render("anim_tiny_24frames.gif", "e_trim", as: .gif)
        #expect(result.frames == 24)
        let decoded = try ImageInfo.probe(result.bytes)
        #expect(decoded.pages == 24)
    }

    @Test func chainsAndLayersOverTheLimitsAreRefusedBeforeAnythingRuns() throws {
        let long = Array(repeating: "e_sharpen", count: 41).joined(separator: "/")
        #expect(throws: RenderError.valueOutOfRange("the transformation has 41 components, over the limit of 40")) {
            try render("photo_coffee.png", long, as: .jpeg)
        }
        let layers = Array(repeating: "l_text:Arial_10:x", count: 11).joined(separator: "/")
        #expect(throws: RenderError.valueOutOfRange("the transformation has 11 layers, over the limit of 10")) {
            try render("photo_coffee.png", layers, as: .jpeg)
        }
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "l_text:Arial_5000:Hi", as: .jpeg) }
    }

    /// With no time left, every stage stops: decode, analysis, layers and encode.
    @Test(arguments: ["w_100", "e_trim", "e_auto_color", "l_text:Arial_20:Hi", "c_fill,g_auto,w_50,h_50", ""])
    func everyStageIsUnderTheDeadline(transformation: String) throws {
        var limits = RenderLimits()
        limits.timeoutSeconds = 0
        #expect(throws: RenderError.timeout(seconds: 0)) {
            try render("photo_12mp.jpg", transformation, as: .png, limits: limits)
        }
        // The same thread renders normally afterwards.
        #expect(try render("photo_coffee.png", transformation, as: .png).width > 0)
    }

    /// Every size a step would produce is checked before it runs.
    @Test func intermediateSizesAreCheckedBeforeTheyAreComputed() throws {
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "w_16000,h_16000,c_scale", as: .jpeg) }
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "w_16000/a_45", as: .jpeg) }
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "c_scale,w_16000,ar_0.001", as: .jpeg) }
        #expect(throws: RenderError.self) {
            try render("anim_tiny_24frames.gif", "c_scale,w_4000,h_4000", as: .gif)
        }
    }
}

extension Decoded {
    init(image: VImage) throws {
        try self.init(
            try VipsCall.call("pngsave_buffer", ["in": .image(image)], outputs: ["buffer"]).buffer())
    }
}
