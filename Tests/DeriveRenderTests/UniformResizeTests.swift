import DeriveTransform
import Testing

@testable import DeriveRender

/// Resizes that keep the aspect ratio scale both axes by one factor, as libvips' thumbnail does,
/// rather than each axis by its own rounded ratio (a stretch of up to half a pixel).
@Suite struct UniformResizeTests {
    func render(_ image: String, _ transformation: String) throws -> Decoded {
        try Decoded(
            try Renderer().render(
                TestImages.bytes(image), transformation: try Transformation(parsing: transformation), format: .png
            ).bytes)
    }

    /// libvips' own thumbnail of the PNG (no shrink-on-load, so the same pixels are resampled).
    func thumbnail(_ image: String, _ width: Int, _ height: Int, crop: Bool) throws -> Decoded {
        var arguments: [String: VipsValue] = [
            "buffer": .blob(try VBlob(copying: TestImages.bytes(image))), "width": .int(width),
            "height": .int(height),
        ]
        if crop { arguments["crop"] = .string("centre") }
        let image = try VipsCall.call("thumbnail_buffer", arguments).image()
        let png = try VipsCall.call("pngsave_buffer", ["in": .image(image)], outputs: ["buffer"]).buffer()
        return try Decoded(png)
    }

    // photo_coffee.png is 600x400. 301/600 gives 200.67 rows, rounded to 201: a fill at one factor
    // and a centre crop is what libvips' thumbnail with crop=centre makes.
    @Test func fillMatchesLibvipsThumbnailCrop() throws {
        let derive = try render("photo_coffee.png", "c_fill,w_301,h_100")
        let libvips = try thumbnail("photo_coffee.png", 301, 100, crop: true)
        #expect(try derive.difference(from: libvips) < 0.05)
    }

    @Test(arguments: [("w_301", 301, 201), ("h_150", 225, 150), ("c_fit,w_301,h_300", 301, 201)])
    func scaleMatchesLibvipsThumbnail(transformation: String, width: Int, height: Int) throws {
        let derive = try render("photo_coffee.png", transformation)
        #expect(derive.image.width == width && derive.image.height == height)
        let libvips = try thumbnail("photo_coffee.png", width, width == 225 ? 150 : 10_000, crop: false)
        #expect(try derive.difference(from: libvips) < 0.05)
    }

    @Test func bothSidesGivenStillScaleEachAxis() throws {
        let planned = try Planner().plan(
            try Transformation(parsing: "c_scale,w_300,h_300"),
            source: try ImageInfo.probe(TestImages.bytes("photo_coffee.png")), context: RenderContext(format: .png))
        #expect(
            planned.load == .still(page: nil, autorotate: true, size: .init(width: 300, height: 300), smartCrop: nil))
    }
}
