import DeriveTransform
import Testing

@testable import DeriveRender

@Suite struct RenderTests {
    let renderer = Renderer()

    func render(_ image: String, _ transformation: String, as format: ImageFormat) throws -> (RenderedImage, ImageInfo)
    {
        let rendered = try renderer.render(
            TestImages.bytes(image), transformation: try Transformation(parsing: transformation), format: format)
        return (rendered, try ImageInfo.probe(rendered.bytes))
    }

    // photo_12mp.jpg is 4608x2592 (16:9); photo_coffee.png is 600x400 (3:2).
    @Test(arguments: [
        ("photo_12mp.jpg", "c_fill,w_300,h_200", 300, 200),
        ("photo_12mp.jpg", "c_scale,w_300,h_200", 300, 200),
        ("photo_12mp.jpg", "c_fit,w_300,h_200", 300, 169),
        ("photo_12mp.jpg", "c_limit,w_300,h_200", 300, 169),
        ("photo_12mp.jpg", "w_300", 300, 169),
        ("photo_12mp.jpg", "h_200", 356, 200),
        ("photo_12mp.jpg", "c_fill,w_300", 300, 169),
        ("photo_12mp.jpg", "w_0.1", 461, 259),
        ("photo_coffee.png", "c_fill,w_900,h_900", 900, 900),
        ("photo_coffee.png", "c_fit,w_900,h_900", 900, 600),
        ("photo_coffee.png", "c_limit,w_900,h_900", 600, 400),
        ("photo_coffee.png", "c_mfit,w_900,h_900", 900, 600),
        ("photo_coffee.png", "c_mfit,w_300,h_300", 600, 400),
        ("photo_coffee.png", "c_scale,w_900", 900, 600),
        ("photo_coffee.png", "c_fill,g_north_west,w_100,h_300", 100, 300),
        ("photo_coffee.png", "c_fill,g_south_east,w_100,h_300", 100, 300),
        ("photo_coffee.png", "c_fill,w_200,h_100/c_scale,w_50", 50, 25),
        ("exif_orient_6.jpg", "w_150", 150, 100),  // stored 300x451, upright 451x300
        ("exif_orient_8.jpg", "h_100", 150, 100),
    ])
    func exactDimensions(image: String, transformation: String, width: Int, height: Int) throws {
        let (rendered, info) = try render(image, transformation, as: .jpeg)
        #expect(info.format == .jpeg)
        #expect((rendered.width, rendered.height) == (width, height))
        #expect((info.width, info.height) == (width, height))
    }

    @Test(arguments: [ImageFormat.jpeg, .png, .webp])
    func outputFormats(format: ImageFormat) throws {
        let (rendered, info) = try render("photo_coffee.png", "c_fill,w_120,h_80,q_70", as: format)
        #expect(info.format == format)
        #expect(rendered.format == format)
        #expect((info.width, info.height) == (120, 80))
    }

    @Test func gravityPicksTheCroppedRegion() throws {
        // A 600x400 source filled into 100x400 keeps a vertical strip: west, centre and east
        // strips differ, and g_west equals an explicit crop of the left edge.
        let west = try render("photo_coffee.png", "c_fill,g_west,w_100,h_400", as: .png).0
        let east = try render("photo_coffee.png", "c_fill,g_east,w_100,h_400", as: .png).0
        let center = try render("photo_coffee.png", "c_fill,w_100,h_400", as: .png).0
        #expect(west.bytes != east.bytes)
        #expect(west.bytes != center.bytes)
        #expect(east.bytes != center.bytes)
    }

    @Test func planUsesOneShrinkOnLoadResizeForAFill() throws {
        let info = try ImageInfo.probe(TestImages.bytes("photo_12mp.jpg"))
        let plan = try Planner().plan(
            try Transformation(parsing: "c_fill,w_300,h_200"), source: info, context: RenderContext(format: .jpeg))
        #expect(
            plan.load
                == .still(
                    page: nil, autorotate: true, size: .init(width: 356, height: 200, uniform: .height), smartCrop: nil)
        )
        #expect(plan.steps == [.crop(x: 28, y: 0, width: 300, height: 200)])
        #expect(plan.output == OutputOptions(format: .jpeg, quality: 80))
        #expect(!plan.isPartial && plan.width == 300 && plan.height == 200)
    }

    @Test func jpegDecodesAtTheDeepestDCTScaleThatStillCoversTheTarget() throws {
        let info = try ImageInfo.probe(TestImages.bytes("photo_12mp.jpg"))  // 4608x2592
        #expect(Loader.deeperJPEGShrink(info, target: (356, 200), crop: nil) == 8)  // libvips alone: 4
        #expect(Loader.deeperJPEGShrink(info, target: (600, 338), crop: nil) == 4)  // libvips alone: 2
        #expect(Loader.deeperJPEGShrink(info, target: (250, 141), crop: nil) == nil)  // libvips picks 8 itself
        #expect(Loader.deeperJPEGShrink(info, target: (4000, 2000), crop: nil) == nil)
        let png = try ImageInfo.probe(TestImages.bytes("photo_coffee.png"))
        #expect(Loader.deeperJPEGShrink(png, target: (60, 40), crop: nil) == nil)
    }

    @Test func unsupportedParametersAreRefusedNotIgnored() throws {
        #expect(throws: RenderError.self) {
            try render("photo_coffee.png", "w_100,fn_wasm:blur.wasm", as: .jpeg)
        }
    }
}
