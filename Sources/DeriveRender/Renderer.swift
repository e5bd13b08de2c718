import CVips
import DeriveTransform

/// An encoded derived image.
public struct RenderedImage: Sendable, Hashable {
    public var bytes: [UInt8]
    public var format: ImageFormat
    public var width: Int
    /// Height of one frame.
    public var height: Int
    public var frames: Int = 1
    /// Set by `fl_attachment[:name]`: deliver as a download, optionally under this name ("" = default name).
    public var attachment: String?
}

/// Renders transformations with libvips. Stateless and thread-safe; every call blocks its thread
/// for the whole render, so callers run it on a dedicated pool, never on Swift's cooperative one.
public struct Renderer: Sendable {
    public var planner: Planner
    public var limits: RenderLimits { planner.limits }

    public init(limits: RenderLimits = RenderLimits()) {
        planner = Planner(limits: limits)
    }

    /// Identifies what produced a derivative: the same source, canonical transformation and
    /// fingerprint always give the same derivative key.
    public static var fingerprint: String { "derive-render/2;libvips/\(VipsRuntime.version)" }

    public func render(
        _ bytes: [UInt8], transformation: Transformation, format: ImageFormat
    ) throws(RenderError) -> RenderedImage {
        try render(bytes, transformation: transformation, context: RenderContext(format: format))
    }

    /// Decodes `bytes`, runs `transformation` and encodes the result in `context.format`.
    public func render(
        _ bytes: [UInt8], transformation: Transformation, context: RenderContext
    ) throws(RenderError) -> RenderedImage {
        try render(Source(bytes), transformation: transformation, context: context)
    }

    /// Renders with the format chosen as a delivery URL chooses it: `f_` (with `accept` for
    /// `f_auto`), else the extension, else the source's own format.
    public func render(
        _ bytes: [UInt8], transformation: Transformation, extension ext: String?, accept: String?
    ) throws(RenderError) -> RenderedImage {
        let source = try Source(bytes)
        let format = try FormatNegotiation.outputFormat(
            transformation: transformation, extension: ext, source: source.info.format, accept: accept)
        return try render(source, transformation: transformation, context: RenderContext(format: format))
    }

    func render(_ source: Source, transformation: Transformation, context: RenderContext) throws(RenderError)
        -> RenderedImage
    {
        let info = source.info
        let components = transformation.steps
        let output = try planner.output(for: transformation, format: context.format)
        let pipeline = Pipeline(limits: limits, context: context)
        let page = try Self.page(components)
        var canvas: Canvas
        var done = 0
        if info.pages > 1 && page == nil && context.format.supportsAnimation {
            let frames = try Loader.frames(source, limits: limits)
            canvas = Canvas(frames: frames, initialWidth: info.width, initialHeight: info.height)
        } else {
            // Plan the first component against the header so its resize happens while decoding.
            var steps: [RenderStep] = []
            if let first = components.first, Planner.isPlain(first) {
                try pipeline.checkSupported(first, number: 1)
                let state = ImageState(width: info.width, height: info.height, hasAlpha: info.hasAlpha)
                steps = try pipeline.planner(1).steps(for: first, state: state)
                done = 1
            }
            let autorotate = !components.contains { $0.angles?.contains(.ignore) == true }
            let image: VImage
            switch steps.first {
            case .resize(let width, let height):
                image = try Loader.still(
                    source, limits: limits, page: page, autorotate: autorotate, size: (width, height))
                steps.removeFirst()
            case .smartFill(let width, let height, let interesting):
                image = try Loader.still(
                    source, limits: limits, page: page, autorotate: autorotate, size: (width, height), crop: interesting
                )
                steps.removeFirst()
            default:
                image = try Loader.still(source, limits: limits, page: page, autorotate: autorotate)
            }
            // Decoding is sequential; anything beyond crops, pads and resizes reads pixels out of order.
            let sequentialOnly = done == components.count && steps.allSatisfy(\.isSequential)
            let loaded = sequentialOnly ? image : try pipeline.run { () throws(VipsError) in try image.inMemory() }
            canvas = Canvas(frames: [loaded], initialWidth: info.width, initialHeight: info.height)
            let start = canvas
            canvas = try pipeline.run { () throws(VipsError) in try start.applying(steps) }
        }
        canvas = try pipeline.run(Array(components.dropFirst(done)), on: canvas, numberOffset: done)
        let result = canvas.first
        guard result.width * result.height <= limits.maxOutputPixels else {
            throw .outputTooLarge(width: result.width, height: result.height, limit: limits.maxOutputPixels)
        }
        let deadline = Deadline(seconds: limits.timeoutSeconds)
        let frames = canvas.frames
        let encoded = try pipeline.run { () throws(VipsError) in
            try Encoder.encode(frames, options: output, deadline: deadline)
        }
        return RenderedImage(
            bytes: encoded, format: context.format, width: result.width, height: result.height,
            frames: context.format.supportsAnimation ? frames.count : 1, attachment: output.attachment)
    }

    /// `pg_<n>` (1-based) of the first component that has one; ranges are not supported.
    static func page(_ components: [TransformComponent]) throws(RenderError) -> Int? {
        for component in components {
            for case .page(let text) in component.parameters {
                guard let number = Int(text), number >= 1 else {
                    throw .unsupportedTransformation("pg_\(text): only a single page number is supported")
                }
                return number - 1
            }
        }
        return nil
    }

    static func classify(_ error: VipsError) -> RenderError {
        let text = error.message.lowercased()
        if text.contains("killed") { return .timeout(seconds: 0) }
        if text.contains("truncated") || text.contains("premature end") || text.contains("out of order")
            || text.contains("read error") || text.contains("corrupt") || text.contains("not a known")
            || text.contains("unexpected end")
        {
            return .corruptInput(error.message)
        }
        return .processing(error.description)
    }
}

/// A wall-clock limit that libvips checks while it computes pixels.
final class Deadline {
    let seconds: Int
    let pointer: UnsafeMutablePointer<gint64>

    init(seconds: Int) {
        self.seconds = seconds
        pointer = .allocate(capacity: 1)
        pointer.pointee = g_get_monotonic_time() + gint64(seconds) * 1_000_000
    }

    deinit { pointer.deallocate() }

    /// Runs `body` (which computes `image`) so that it is stopped once the deadline passes.
    func watch<T>(_ image: VImage, _ body: () throws(VipsError) -> T) throws(VipsError) -> T {
        let handler = cvips_watch_deadline(image.pointer, pointer)
        defer { cvips_unwatch(image.pointer, handler) }
        return try body()
    }
}
