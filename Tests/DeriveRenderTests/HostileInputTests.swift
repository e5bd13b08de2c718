import DeriveRender
import DeriveTransform
import Testing

@Suite struct HostileInputTests {
    let renderer = Renderer()
    let transformation = try! Transformation(parsing: "w_100")

    @Test func emptyInput() {
        #expect(throws: RenderError.emptyInput) { try ImageInfo.probe(TestImages.bytes("broken_zero_bytes.jpg")) }
    }

    @Test func notAnImage() {
        #expect(throws: RenderError.unsupportedInput("the content is not a recognised image format")) {
            try ImageInfo.probe(TestImages.bytes("broken_not_an_image.jpg"))
        }
    }

    @Test func wrongExtensionIsSniffedFromContent() throws {
        #expect(try ImageInfo.probe(TestImages.bytes("wrong_ext_png_named.jpg")).format == .png)
    }

    @Test(arguments: ["bomb_50000x50000_header_only.png", "bomb_50000x50000_1bit_valid.png"])
    func decompressionBombsAreRefusedFromTheHeader(name: String) {
        #expect(throws: RenderError.tooManyPixels(width: 50000, height: 50000, limit: 50_000_000)) {
            try renderer.render(TestImages.bytes(name), transformation: transformation, format: .jpeg)
        }
    }

    @Test func truncatedJPEGIsATypedErrorAndTheRendererKeepsWorking() throws {
        let error = #expect(throws: RenderError.self) {
            try renderer.render(
                TestImages.bytes("broken_truncated_half.jpg"), transformation: transformation, format: .jpeg)
        }
        if case .corruptInput = error {
        } else {
            Issue.record("expected corruptInput, got \(String(describing: error))")
        }
        let good = try renderer.render(
            TestImages.bytes("photo_coffee.png"), transformation: transformation, format: .jpeg)
        #expect(good.width == 100)
    }
}
