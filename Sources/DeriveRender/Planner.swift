import DeriveTransform

/// A transformation resolved against one source header: the steps it will run (as far as they can
/// be known before pixels are decoded), the predicted output size, and the output settings.
public struct RenderPlan: Sendable, Hashable {
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var steps: [RenderStep]
    public var output: OutputOptions
    /// Predicted size of the result.
    public var width: Int
    public var height: Int
    /// True when some step's result depends on the pixels (`e_trim`, layers, conditionals): the
    /// steps after it are planned during rendering.
    public var isPartial: Bool
}

/// Plans renders: pure arithmetic over the header and the transformation, no libvips calls.
public struct Planner: Sendable {
    public var limits: RenderLimits

    public init(limits: RenderLimits = RenderLimits()) {
        self.limits = limits
    }

    public func plan(
        _ transformation: Transformation, source: ImageInfo, context: RenderContext
    ) throws(RenderError) -> RenderPlan {
        try Loader.check(source, limits: limits, frames: 1)
        var state = ImageState(width: source.width, height: source.height, hasAlpha: source.hasAlpha)
        var steps: [RenderStep] = []
        var partial = false
        for (index, component) in transformation.steps.enumerated() {
            guard Self.isPlain(component) else {
                partial = true
                break
            }
            let planned = try ComponentPlanner(limits: limits, context: context, number: index + 1)
                .steps(for: component, state: state)
            for step in planned { state = step.apply(to: state) }
            steps += planned
        }
        guard state.width * state.height <= limits.maxOutputPixels else {
            throw .outputTooLarge(width: state.width, height: state.height, limit: limits.maxOutputPixels)
        }
        return RenderPlan(
            sourceWidth: source.width, sourceHeight: source.height, steps: steps,
            output: try output(for: transformation, format: context.format), width: state.width, height: state.height,
            isPartial: partial)
    }

    /// A component whose steps follow from sizes alone.
    static func isPlain(_ component: TransformComponent) -> Bool {
        component.condition == nil && component.overlay == nil && component.underlay == nil && !component.isLayerApply
            && component.effect?.name != "trim" && component.variables.isEmpty
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
        for flag in flags {
            switch flag.name {
            case "progressive": options.progressive = true
            case "png8": options.palette = true
            case "lossy": if format == .png { options.palette = true }
            case "keep_iptc": options.keepMetadata = true
            case "strip_profile": options.keepMetadata = false
            case "attachment": options.attachment = flag.argument ?? ""
            default: continue
            }
        }
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

/// Guards against inputs and requests that would exhaust the server.
public struct RenderLimits: Sendable, Hashable {
    /// Largest source accepted, from its header (all frames together). Default 50 megapixels.
    public var maxInputPixels = 50_000_000
    /// Largest output accepted.
    public var maxOutputPixels = 50_000_000
    /// Largest single requested dimension.
    public var maxDimension = 16_384
    /// Most frames an animated source may have.
    public var maxFrames = 200
    /// Quality for lossy formats when the transformation gives none.
    public var defaultQuality = 80
    /// A render running longer than this is stopped.
    public var timeoutSeconds = 30
    /// Largest `Width` client hint used by `w_auto` (larger hints are capped to it).
    public var maxAutoWidth = 4_096

    public init() {}
}
