import DeriveTransform

/// A transformation resolved against one source: exact sizes, crop boxes and output settings.
/// The executor runs the steps in order and nothing else, so a plan can be inspected and tested
/// without touching pixels.
public struct RenderPlan: Sendable, Hashable {
    /// The upright source size the plan was made for.
    public var sourceWidth: Int
    public var sourceHeight: Int
    public var steps: [RenderStep]
    public var output: OutputOptions
    /// The size of the rendered image.
    public var width: Int
    public var height: Int
}

/// One small operation of a plan.
public enum RenderStep: Sendable, Hashable {
    /// Resize to exactly `width`×`height`. As the first step it shrinks on load.
    case resize(width: Int, height: Int)
    /// Cover `width`×`height` and crop to it, choosing the region with libvips' `interesting` strategy.
    case smartFill(width: Int, height: Int, interesting: String)
    /// Cut out a region.
    case crop(x: Int, y: Int, width: Int, height: Int)
}

/// How the result is encoded.
public struct OutputOptions: Sendable, Hashable {
    public var format: ImageFormat
    /// 1...100; nil for lossless formats.
    public var quality: Int?

    public init(format: ImageFormat, quality: Int?) {
        self.format = format
        self.quality = quality
    }
}
