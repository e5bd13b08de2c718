import DeriveTransform
import Testing

@testable import DeriveRender

/// Conditions and variables in front of the first resize that need only the header are run while
/// planning, so that resize still shrinks on load.
@Suite struct HeaderPrefixTests {
    func plan(_ image: String, _ transformation: String) throws -> RenderPlan {
        try Planner().plan(
            try Transformation(parsing: transformation), source: try ImageInfo.probe(TestImages.bytes(image)),
            context: RenderContext(format: .jpeg))
    }

    func loadSize(_ plan: RenderPlan) -> LoadPlan.Size? {
        guard case .still(_, _, let size, _) = plan.load else { return nil }
        return size
    }

    func render(_ image: String, _ transformation: String) throws -> RenderedImage {
        try Renderer().render(
            TestImages.bytes(image), transformation: try Transformation(parsing: transformation), format: .jpeg)
    }

    // photo_12mp.jpg is 4608x2592.
    @Test(arguments: [
        ("$v_1,c_fill,h_200,w_301,q_80", "c_fill,h_200,w_301,q_80", 301),
        ("$w_iw_div_4/w_$w", "w_1152", 1152),
        ("if_w_gt_1000/w_300/if_end", "w_300", 300),
        ("if_w_lt_100/w_50/if_else/w_300/if_end", "w_300", 300),
        ("if_iar_gt_1,w_300", "w_300", 300),
        ("$small_200/$big_$small_mul_2/if_pc_eq_1_and_ih_gt_$big/h_$big/if_end", "h_400", 711),
    ])
    func headerOnlyPrefixesShrinkOnLoad(transformation: String, plain: String, width: Int) throws {
        let planned = try plan("photo_12mp.jpg", transformation)
        let size = try #require(loadSize(planned))
        #expect(size.width == width || planned.width == width)
        #expect(size.width < 4608)  // decoded smaller than the source: shrink-on-load
        #expect(loadSize(try plan("photo_12mp.jpg", plain)) == size)
        let rendered = try render("photo_12mp.jpg", transformation)
        let expected = try render("photo_12mp.jpg", plain)
        #expect(rendered.width == expected.width && rendered.height == expected.height)
        #expect(try Decoded(rendered.bytes).difference(from: Decoded(expected.bytes)) < 0.5)
    }

    @Test func variablesReachTheComponentsPlannedLater() throws {
        let planned = try plan("photo_12mp.jpg", "$v_300/w_$v/c_crop,w_$v_div_2,h_100")
        #expect(loadSize(planned)?.width == 300)
        #expect(planned.variables == ["v": 300])
        let rendered = try render("photo_12mp.jpg", "$v_300/w_$v/c_crop,w_$v_div_2,h_100")
        #expect(rendered.width == 150 && rendered.height == 100)
    }

    @Test func aBranchNotTakenIsSkipped() throws {
        // photo_coffee.png is 600x400: the block is not taken and nothing is resized.
        let planned = try plan("photo_coffee.png", "if_w_gt_1000/w_300/if_end")
        #expect(loadSize(planned) == nil)
        #expect(planned.remaining.isEmpty && planned.openBlocks.isEmpty)
        let rendered = try render("photo_coffee.png", "if_w_gt_1000/w_300/if_end/w_200")
        #expect(rendered.width == 200 && rendered.height == 133)
    }

    @Test func pixelDependentValuesKeepThePipelinePath() throws {
        // Faces need the pixels: planned against the decoded image, as before.
        let faces = try plan("photo_12mp.jpg", "if_fc_gt_0/w_300/if_end")
        #expect(loadSize(faces) == nil)
        #expect(faces.remaining.count == 3)
        #expect(try render("photo_coffee.png", "if_fc_gt_0/w_300/if_end").width == 600)
        // An undefined variable is still the pipeline's error, with its component number.
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "w_$nope") }
    }

    @Test func anUnclosedBlockIsStillRefused() throws {
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "if_w_gt_100/w_300") }
    }

    @Test func aNonPlainComponentRunsItsOwnVariablesOnce() throws {
        // The layer component is left to the pipeline whole: $v is defined once, not doubled.
        let planned = try plan("photo_coffee.png", "$v_10/$v_$v_add_10,l_text:Arial_20:Hi/fl_layer_apply")
        #expect(planned.variables == ["v": 10])
        #expect(planned.remainingOffset == 1)
    }

    // After the first component: what changes no pixels is run while planning, so nothing is left
    // for the pipeline and the render stays sequential (no copy to memory), with the same bytes.
    @Test(arguments: [
        ("c_fill,w_300,h_200/$u_17", "c_fill,w_300,h_200"),
        ("c_fill,w_300,h_200/f_auto,q_auto", "c_fill,w_300,h_200,q_auto"),
        ("w_300/$a_iw_div_2/if_iar_gt_1/fl_progressive/if_end", "w_300,fl_progressive"),
        ("w_300/if_iar_lt_1/e_sharpen/if_end/$b_3", "w_300"),  // photo_12mp.jpg is landscape
        ("w_300/if_iar_gt_1/q_50/if_else/e_sharpen/if_end", "w_300,q_50"),
    ])
    func trailingComponentsThatChangeNoPixelsKeepTheRenderSequential(transformation: String, plain: String)
        throws
    {
        let planned = try plan("photo_12mp.jpg", transformation)
        #expect(planned.remaining.isEmpty && planned.openBlocks.isEmpty)
        #expect(planned.isSequential)
        #expect(loadSize(planned) == loadSize(try plan("photo_12mp.jpg", plain)))
        #expect(try render("photo_12mp.jpg", transformation).bytes == render("photo_12mp.jpg", plain).bytes)
    }

    @Test func trailingVariablesAreKeptForLaterComponents() throws {
        let planned = try plan("photo_12mp.jpg", "w_300/$a_iw_div_2/$b_$a_add_1")
        #expect(planned.variables == ["a": 2304, "b": 2305])
        #expect(planned.remainingOffset == 3 && planned.remaining.isEmpty)
    }

    @Test(arguments: [
        ("w_300/$v_w_div_2", 1),  // the current size: the pipeline's
        ("w_300/e_sharpen", 1),
        ("w_300/$v_1/e_sharpen", 1),
        ("w_300/if_fc_gt_0/w_100/if_end", 3),
        ("w_300/b_white", 1),  // flattens when there is alpha
        ("w_300/fl_relative", 1),  // not an output flag
    ])
    func theTailStopsAtWhatNeedsThePipeline(transformation: String, remaining: Int) throws {
        let planned = try plan("photo_12mp.jpg", transformation)
        #expect(planned.remaining.count == remaining)
        #expect(planned.remainingOffset + remaining == transformation.split(separator: "/").count)
    }

    @Test func unclosedBlocksAfterTheFirstComponentAreStillRefused() throws {
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "w_300/if_iar_gt_1") }
        #expect(throws: RenderError.self) { try render("photo_coffee.png", "w_300/if_iar_gt_1/if_iw_gt_1/if_end") }
    }
}
