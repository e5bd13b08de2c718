import DeriveTransform

/// How the source is decoded: every frame of an animation, or one page shrunk while decoding.
public enum LoadPlan: Sendable, Hashable {
    /// Every frame, each run through the same steps (GIF/WebP output of an animated source).
    case frames
    /// One page (0-based), EXIF orientation applied unless `a_ignore`; `size` decodes straight to
    /// that size (shrink-on-load), `smartCrop` covers it and crops with that libvips strategy.
    case still(page: Int?, autorotate: Bool, size: Size?, smartCrop: String?)

    public struct Size: Sendable, Hashable {
        public var width: Int
        public var height: Int
        /// Scaled by one factor, the one of this side (see ``RenderStep/resize(width:height:uniform:)``).
        public var uniform: RenderStep.Axis?

        public init(width: Int, height: Int, uniform: RenderStep.Axis? = nil) {
            self.width = width
            self.height = height
            self.uniform = uniform
        }
    }
}

/// A transformation resolved against one source header and the request's hints: how to decode,
/// the steps known before pixels are decoded, what is planned later against the pixels, and the
/// output settings. The executor (``Renderer``) runs it; nothing else plans.
public struct RenderPlan: Sendable, Hashable {
    public var load: LoadPlan
    /// Steps after decoding, planned from the header (the first component, when it is plain).
    public var steps: [RenderStep]
    /// Components planned during rendering against the actual image (conditions, variables,
    /// layers, `e_trim`, and everything after the first component).
    public var remaining: [TransformComponent]
    /// How many components come before `remaining` (the 1-based number of the last one planned
    /// from the header), for error messages.
    public var remainingOffset: Int
    /// Variables defined by the components planned from the header, for `remaining`.
    public var variables: [String: Double] = [:]
    /// `if_` blocks opened by the components planned from the header and still open (true: taken).
    public var openBlocks: [Bool] = []
    public var output: OutputOptions
    /// The image after `load` and `steps`.
    public var width: Int
    public var height: Int
    /// True when `remaining` is not empty: the final size is known only while rendering.
    public var isPartial: Bool { !remaining.isEmpty }

    /// Whether `steps` can run on a sequential decode (no out-of-order reads).
    var isSequential: Bool { remaining.isEmpty && steps.allSatisfy(\.isSequential) }
}

/// Plans renders: checked arithmetic over the header, the transformation and the hints; no pixels.
public struct Planner: Sendable {
    public var limits: RenderLimits

    public init(limits: RenderLimits = RenderLimits()) {
        self.limits = limits
    }

    public func plan(
        _ transformation: Transformation, source: ImageInfo, context: RenderContext
    ) throws(RenderError) -> RenderPlan {
        let components = transformation.steps
        try checkCost(components)
        let output = try output(for: transformation, format: context.format)
        let page = try Self.page(components, pages: source.pages)
        // Only GIF and WebP sources are animations; a multi-page TIFF's pages may differ in size.
        let animated =
            source.pages > 1 && page == nil && context.format.supportsAnimation
            && (source.format == .gif || source.format == .webp)
        try Loader.check(source, limits: limits, frames: animated ? source.pages : 1)
        let autorotate = !components.contains { $0.angles?.contains(.ignore) == true }
        var state = ImageState(
            width: source.width, height: source.height, hasAlpha: source.hasAlpha,
            frames: animated ? source.pages : 1)
        var steps: [RenderStep] = []
        var done = 0
        var variables: [String: Double] = [:]
        var blocks: [Bool] = []
        // Conditions and variables that need only the header run now, so that the first resize
        // behind them still shrinks on load. Not with a_ignore on a rotated source: the decoded
        // image's w/h are then not the header's (displayed) ones.
        if autorotate || source.orientation < 5, let prefix = HeaderPrefix.evaluate(components, state: state) {
            done = prefix.consumed
            variables = prefix.variables
            blocks = prefix.blocks
            if let first = prefix.first {
                state.variables = variables
                steps = try ComponentPlanner(limits: limits, context: context, number: done).steps(
                    for: first, state: state)
            }
        } else if let first = components.first, Self.isPlain(first) {
            steps = try ComponentPlanner(limits: limits, context: context, number: 1).steps(for: first, state: state)
            done = 1
        }
        var load = LoadPlan.still(page: page, autorotate: autorotate, size: nil, smartCrop: nil)
        if !animated {
            // The first resize happens while decoding (shrink-on-load).
            switch steps.first {
            case .resize(let width, let height, let uniform)?:
                load = .still(
                    page: page, autorotate: autorotate, size: .init(width: width, height: height, uniform: uniform),
                    smartCrop: nil)
                steps.removeFirst()
                state = RenderStep.resize(width: width, height: height).apply(to: state)
            case .smartFill(let width, let height, let interesting)?:
                load = .still(
                    page: page, autorotate: autorotate, size: .init(width: width, height: height),
                    smartCrop: interesting)
                steps.removeFirst()
                state = RenderStep.resize(width: width, height: height).apply(to: state)
            default: break
            }
        } else {
            load = .frames
        }
        for step in steps { state = step.apply(to: state) }
        if done > 0 {
            // What follows and changes no pixels (a trailing `$v_1`, a separate `f_auto,q_auto`) is
            // run now too, so it does not turn a sequential render into one copied to memory.
            state.variables = variables
            let planner = ComponentPlanner(limits: limits, context: context, number: done + 1)
            let tail = HeaderPrefix.tail(Array(components.dropFirst(done)), state: state, blocks: blocks) {
                Self.isOutputOnly($0) && (try? planner.steps(for: $0, state: state))?.isEmpty == true
            }
            done += tail.consumed
            variables = tail.variables
            blocks = tail.blocks
        }
        return RenderPlan(
            load: load, steps: steps, remaining: Array(components.dropFirst(done)), remainingOffset: done,
            variables: variables, openBlocks: blocks, output: output, width: state.width, height: state.height)
    }

    /// A component whose steps follow from sizes alone.
    static func isPlain(_ component: TransformComponent) -> Bool {
        component.condition == nil && component.overlay == nil && component.underlay == nil && !component.isLayerApply
            && component.effect?.name != "trim" && component.variables.isEmpty
    }

    /// A component of output settings only (format, quality, output flags): the planner reads them
    /// from the whole transformation (``output(for:format:)``); as a step they change no pixels.
    static func isOutputOnly(_ component: TransformComponent) -> Bool {
        component.parameters.allSatisfy { parameter in
            switch parameter {
            case .format, .quality: true
            case .flags(let flags): flags.allSatisfy { outputFlags[$0.name] != nil }
            default: false
            }
        }
    }

    /// The flags that are output settings, and what each sets (``output(for:format:)``); the rest
    /// act on pixels or layers.
    static let outputFlags: [String: @Sendable (inout OutputOptions, Flag, ImageFormat) -> Void] = [
        "progressive": { options, _, _ in options.progressive = true },
        "png8": { options, _, _ in options.palette = true },
        "lossy": { options, _, format in if format == .png { options.palette = true } },
        "keep_iptc": { options, _, _ in options.keepMetadata = true },
        "strip_profile": { options, _, _ in options.keepMetadata = false },
        "attachment": { options, flag, _ in options.attachment = flag.argument ?? "" },
    ]

    /// Bounded cost per request: a chain longer than the limits is refused before anything runs.
    func checkCost(_ components: [TransformComponent]) throws(RenderError) {
        guard components.count <= limits.maxComponents else {
            throw .valueOutOfRange(
                "the transformation has \(components.count) components, over the limit of \(limits.maxComponents)")
        }
        let layers = components.filter { $0.overlay != nil || $0.underlay != nil }.count
        guard layers <= limits.maxLayers else {
            throw .valueOutOfRange("the transformation has \(layers) layers, over the limit of \(limits.maxLayers)")
        }
    }

    /// `pg_<n>` (1-based) of the first component that has one, checked against the source's pages.
    static func page(_ components: [TransformComponent], pages: Int) throws(RenderError) -> Int? {
        for component in components {
            for case .page(let text) in component.parameters {
                guard let number = Int(text), number >= 1 else {
                    throw .unsupportedTransformation("pg_\(text): only a single page number is supported")
                }
                guard number <= pages else {
                    throw .valueOutOfRange(
                        "pg_\(number): the image has \(pages) page\(pages == 1 ? "" : "s"), so pg_ must be 1 to \(pages)"
                    )
                }
                // A single-page source has no page to pick (its loader takes no `page` option).
                return pages > 1 ? number - 1 : nil
            }
        }
        return nil
    }

    /// Output settings from the `q_` and `fl_` parameters of every component (the last `q_` wins).
    public func output(for transformation: Transformation, format: ImageFormat) throws(RenderError) -> OutputOptions {
        var quality: Quality?
        var flags: [Flag] = []
        for component in transformation.steps where component.overlay == nil && component.underlay == nil {
            if let value = component.quality { quality = value }
            flags += component.flags
        }
        var options = OutputOptions(format: format, quality: nil)
        if format.isLossy { options.quality = try Self.quality(quality, for: format, default: limits.defaultQuality) }
        for flag in flags { Self.outputFlags[flag.name]?(&options, flag, format) }
        if format == .png, options.palette, let quality {
            options.quality = try Self.quality(quality, for: .jpeg, default: 80)
        }
        return options
    }

    /// `q_` per format: AVIF and HEIC reach a JPEG's look at lower numbers.
    static func quality(_ quality: Quality?, for format: ImageFormat, default fallback: Int) throws(RenderError) -> Int
    {
        let compact = format == .avif || format == .heic
        switch quality {
        case nil: return compact ? 60 : fallback
        case .value(let value, _)?: return min(100, max(1, value))
        case .auto(let level)?:
            let levels: [String: (Int, Int)] = ["best": (90, 70), "good": (80, 60), "eco": (70, 50), "low": (60, 40)]
            guard let pair = levels[level ?? "good"] else {
                throw .unsupportedTransformation("unknown q_auto level \"\(level ?? "")\"")
            }
            return compact ? pair.1 : pair.0
        case .jpegmini?: throw .unsupportedTransformation("q_jpegmini is not supported")
        case .variable?, .expression?: throw .unsupportedTransformation("q_ with variables is not supported yet")
        }
    }
}

/// Guards against inputs and requests that would exhaust the server. Every limit is documented in
/// the README ("Limits"); a request over one is a 400 naming it.
public struct RenderLimits: Sendable, Hashable {
    /// Largest source accepted, from its header (all frames together). Default 50 megapixels.
    public var maxInputPixels = 50_000_000
    /// Largest image any step may produce, and the output (all frames together).
    public var maxOutputPixels = 50_000_000
    /// Largest width or height any step may produce, and any requested size.
    public var maxDimension = 16_384
    /// Most frames an animated source may have.
    public var maxFrames = 200
    /// Largest animated output, all frames together: GIF quantisation cannot be stopped by the
    /// deadline once it runs, so its cost is budgeted here (about 2 s of CPU at this size).
    public var maxAnimationPixels = 16_000_000
    /// Quality for lossy formats when the transformation gives none.
    public var defaultQuality = 80
    /// A render running longer than this is stopped (decode, analysis, layers and encode alike).
    public var timeoutSeconds = 30
    /// Largest `Width` client hint used by `w_auto` (larger hints are capped to it).
    public var maxAutoWidth = 4_096
    /// Most components in one chain (named transformations expanded).
    public var maxComponents = 40
    /// Most image and text layers in one chain.
    public var maxLayers = 10
    /// Largest font size of a text layer, and the most characters it may draw.
    public var maxFontSize = 400
    public var maxTextLength = 1_000

    public init() {}
}
