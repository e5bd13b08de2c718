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
    /// Derive's renderer version, the libvips version and the versions of the codec and colour
    /// libraries libvips links (``CodecVersions``), as loaded in this process.
    public static var fingerprint: String { fingerprintText }

    private static let fingerprintText: String = {
        let codecs = CodecVersions.summary
        return "derive-render/3;libvips/\(VipsRuntime.version)" + (codecs.isEmpty ? "" : ";" + codecs)
    }()

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

    /// Renders an original opened earlier (``PreparedSource``): no copy of its bytes, no header read.
    public func render(
        _ prepared: PreparedSource, transformation: Transformation, context: RenderContext
    ) throws(RenderError) -> RenderedImage {
        try render(prepared.source, transformation: transformation, context: context)
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

    /// The executor: plans (``Planner/plan(_:source:context:)``), decodes as the plan says, runs
    /// the planned steps, then the components planned against the pixels, checks the result and
    /// encodes it. The whole render runs under the deadline: a stage past it fails with
    /// ``RenderError/timeout(seconds:)`` and the thread is free again.
    func render(_ source: Source, transformation: Transformation, context: RenderContext) throws(RenderError)
        -> RenderedImage
    {
        do {
            return try RenderDeadline.run(seconds: limits.timeoutSeconds) { () throws(RenderError) in
                try execute(try planner.plan(transformation, source: source.info, context: context), source, context)
            }
        } catch .timeout {
            throw .timeout(seconds: limits.timeoutSeconds)
        }
    }

    private func execute(_ plan: RenderPlan, _ source: Source, _ context: RenderContext) throws(RenderError)
        -> RenderedImage
    {
        let info = source.info
        let pipeline = Pipeline(limits: limits, context: context)
        var canvas: Canvas
        switch plan.load {
        case .frames:
            canvas = Canvas(
                frames: try Loader.frames(source, limits: limits), initialWidth: info.width,
                initialHeight: info.height)
        case .still(let page, let autorotate, let size, let smartCrop):
            let image = try Loader.still(
                source, limits: limits, page: page, autorotate: autorotate, size: size, crop: smartCrop)
            canvas = Canvas(frames: [image], initialWidth: info.width, initialHeight: info.height)
        }
        // Decoding is sequential, and so are crops, pads, resizes and per-pixel effects; the rest
        // reads pixels out of order. The image is computed into memory just before the first such
        // step (or the components planned later), so it is as small as it gets (after a resize,
        // one band after e_grayscale) and nothing before it is computed twice.
        let lazy = plan.load == .frames ? 0 : plan.steps.prefix { $0.isSequential }.count
        let start = canvas
        canvas = try pipeline.run { () throws(VipsError) in try start.applying(Array(plan.steps.prefix(lazy))) }
        if plan.load != .frames && !plan.isSequential {
            let lazyCanvas = canvas
            canvas = try Self.decoding { () throws(VipsError) in
                try lazyCanvas.map { (frame) throws(VipsError) -> VImage in try frame.inMemory() }
            }
        }
        let rest = canvas
        canvas = try pipeline.run { () throws(VipsError) in try rest.applying(Array(plan.steps.dropFirst(lazy))) }
        canvas.variables = plan.variables
        canvas = try pipeline.run(
            plan.remaining, on: canvas, numberOffset: plan.remainingOffset, blocks: plan.openBlocks)
        let result = canvas.first
        let frames = context.format.supportsAnimation ? canvas.frames.count : 1
        try pipeline.checkSize(width: result.width, height: result.height, frames: frames, source: info)
        let encodedFrames = canvas.frames
        let encode = { () throws(VipsError) in try Encoder.encode(encodedFrames, options: plan.output) }
        // A sequential plan decodes while it encodes: its failures are the decoder's.
        let encoded = try plan.isSequential ? Self.decoding(encode) : pipeline.run(encode)
        return RenderedImage(
            bytes: encoded, format: context.format, width: result.width, height: result.height, frames: frames,
            attachment: plan.output.attachment)
    }

    /// Words in libvips' messages that name a decoder or damaged data. Sources are untrusted and
    /// decode lazily, so a decoder's failure can surface in any later operation (a saver, a copy to
    /// memory): wherever it appears, it is the source's fault.
    static let sourceFaultMarkers = [
        "load", "vipsjpeg", "vipspng", "libpng", "png2vips", "webp2vips", "gif", "tiff", "heif", "vipsicc",
        "profile", "invalid frame", "corrupt", "truncated", "premature end", "read error", "out of order",
        "not a known", "unexpected end", "bogus", "huffman", "unable to read", "lzw", "decode",
    ]

    /// Runs a stage that decodes the source. Its failures are the source's fault (400) even when
    /// libvips' message does not say so: the message buffer is process-wide, so under concurrency
    /// another thread may have taken the text ("unknown libvips error").
    static func decoding<T>(_ body: () throws(VipsError) -> T) throws(RenderError) -> T {
        do { return try body() } catch { throw decodeFailure(error) }
    }

    static func decodeFailure(_ error: VipsError) -> RenderError {
        let classified = classify(error)
        if case .processing = classified { return .corruptInput(error.message) }
        return classified
    }

    /// Maps a libvips failure to a render error: the kill flag is the deadline, a decoder's complaint
    /// is the source's fault (400); anything else is a server-side failure (500).
    static func classify(_ error: VipsError) -> RenderError {
        let text = error.message.lowercased()
        if text.contains("killed") { return .timeout(seconds: 0) }
        if sourceFaultMarkers.contains(where: { text.contains($0) }) { return .corruptInput(error.message) }
        return .processing(error.description)
    }
}
