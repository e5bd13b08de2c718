import DeriveRender
import DeriveTransform
import Testing

@Suite struct TimeoutTests {
    @Test func aRenderPastItsDeadlineIsStoppedAndTheNextOneWorks() throws {
        var limits = RenderLimits()
        limits.timeoutSeconds = 0
        let heavy = try Transformation(parsing: "e_blur:2000/e_sharpen:2000")
        #expect(throws: RenderError.timeout(seconds: 0)) {
            try Renderer(limits: limits).render(TestImages.bytes("photo_12mp.jpg"), transformation: heavy, format: .png)
        }
        let good = try Renderer().render(
            TestImages.bytes("photo_coffee.png"), transformation: try Transformation(parsing: "w_20"), format: .jpeg)
        #expect(good.width == 20)
    }
}
