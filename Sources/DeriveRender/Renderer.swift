import CVips
import DeriveTransform

/// An encoded derived image.
public struct RenderedImage: Sendable, Hashable {
    public var bytes: [UInt8]
    public var format: ImageFormat
    public var width: Int
    public var height: Int
}

/// Renders transformations with libvips. Stateless and thread-safe; every call blocks its thread
/// for the whole render, so callers run it on a dedicated pool, never on Swift's cooperative one.
public struct Renderer: Sendable {
    public var planner: Planner

    public init(limits: RenderLimits = RenderLimits()) {
        planner = Planner(limits: limits)
    }

    /// Identifies what produced a derivative: the same source, canonical transformation and
    /// fingerprint always give the same derivative key.
    public static var fingerprint: String { "derive-render/1;libvips/\(VipsRuntime.version)" }

    /// Probes, plans and renders in one call.
    public func render(
        _ bytes: [UInt8], transformation: Transformation, format: ImageFormat
    ) throws(RenderError) -> RenderedImage {
        let info = try ImageInfo.probe(bytes)
        let plan = try planner.plan(transformation, source: info, format: format)
        return try execute(plan, source: bytes)
    }

    /// Runs a plan made for `source`.
    public func execute(_ plan: RenderPlan, source bytes: [UInt8]) throws(RenderError) -> RenderedImage {
        do throws(VipsError) {
            let blob = try VBlob(copying: bytes)
            var steps = plan.steps[...]
            var image: VImage
            switch steps.first {
            case .resize(let width, let height):
                steps = steps.dropFirst()
                image = try thumbnail(blob, width: width, height: height, crop: nil)
            case .smartFill(let width, let height, let interesting):
                steps = steps.dropFirst()
                image = try thumbnail(blob, width: width, height: height, crop: interesting)
            default:
                image = try thumbnail(blob, width: plan.sourceWidth, height: plan.sourceHeight, crop: nil)
            }
            for step in steps {
                image = try apply(step, to: image)
            }
            let bytes = try Encoder.encode(image, options: plan.output)
            return RenderedImage(bytes: bytes, format: plan.output.format, width: image.width, height: image.height)
        } catch {
            throw Self.classify(error)
        }
    }

    /// `thumbnail_buffer` shrinks on load (JPEG DCT scaling, WebP/HEIF scaled decode) and applies
    /// the EXIF orientation.
    private func thumbnail(_ blob: VBlob, width: Int, height: Int, crop: String?) throws(VipsError) -> VImage {
        var arguments: [String: VipsValue] = [
            "buffer": .blob(blob), "width": .int(width), "height": .int(height),
            // thumbnail_buffer's own fail-on does not reach the loader in libvips 8.14; the option string does.
            "option-string": .string("fail_on=truncated"),
        ]
        if let crop {
            arguments["crop"] = .string(crop)
        } else {
            arguments["size"] = .string("force")
        }
        return try VipsCall.call("thumbnail_buffer", arguments).image()
    }

    private func apply(_ step: RenderStep, to image: VImage) throws(VipsError) -> VImage {
        switch step {
        case .resize(let width, let height):
            return try VipsCall.call(
                "thumbnail_image",
                ["in": .image(image), "width": .int(width), "height": .int(height), "size": .string("force")]
            ).image()
        case .smartFill(let width, let height, let interesting):
            return try VipsCall.call(
                "thumbnail_image",
                ["in": .image(image), "width": .int(width), "height": .int(height), "crop": .string(interesting)]
            ).image()
        case .crop(let x, let y, let width, let height):
            return try VipsCall.call(
                "extract_area",
                ["input": .image(image), "left": .int(x), "top": .int(y), "width": .int(width), "height": .int(height)]
            ).image()
        }
    }

    private static func classify(_ error: VipsError) -> RenderError {
        let text = error.message.lowercased()
        if text.contains("truncated") || text.contains("premature end") || text.contains("out of order")
            || text.contains("read error") || text.contains("corrupt")
        {
            return .corruptInput(error.message)
        }
        return .processing(error.description)
    }
}
