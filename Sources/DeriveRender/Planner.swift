import DeriveTransform

/// Turns a transformation and a source header into a `RenderPlan`, following Cloudinary's
/// resize and crop semantics. Pure arithmetic: no libvips calls.
public struct Planner: Sendable {
    public var limits: RenderLimits

    public init(limits: RenderLimits = RenderLimits()) {
        self.limits = limits
    }

    /// - Parameters:
    ///   - format: the output format already decided (see `FormatNegotiation`).
    public func plan(
        _ transformation: Transformation, source: ImageInfo, format: ImageFormat
    ) throws(RenderError) -> RenderPlan {
        guard source.pixelCount <= limits.maxInputPixels else {
            throw .tooManyPixels(width: source.width, height: source.height, limit: limits.maxInputPixels)
        }
        var size = Size(width: source.width, height: source.height)
        var steps: [RenderStep] = []
        var quality: Int?
        for (index, component) in transformation.components.enumerated() {
            try checkSupported(component, number: index + 1)
            steps += try resizeSteps(for: component, from: &size, number: index + 1)
            if let requested = component.quality { quality = Self.quality(requested) }
        }
        guard size.width * size.height <= limits.maxOutputPixels else {
            throw .outputTooLarge(width: size.width, height: size.height, limit: limits.maxOutputPixels)
        }
        let output = OutputOptions(
            format: format, quality: format.isLossy ? (quality ?? limits.defaultQuality) : nil)
        return RenderPlan(
            sourceWidth: source.width, sourceHeight: source.height, steps: steps, output: output,
            width: size.width, height: size.height)
    }

    private struct Size {
        var width: Int
        var height: Int
    }

    private func checkSupported(_ component: TransformComponent, number: Int) throws(RenderError) {
        for parameter in component.parameters where !Self.supportedKeys.contains(parameter.key) {
            throw .unsupportedTransformation(
                "component \(number): parameter \"\(parameter.key)\" is not supported by this renderer yet")
        }
        if let crop = component.crop, !Self.supportedCrops.contains(crop) {
            throw .unsupportedTransformation(
                "component \(number): crop mode \"\(crop.rawValue)\" is not supported by this renderer yet")
        }
    }

    private static let supportedKeys: Set<String> = ["w", "h", "c", "g", "q", "f"]
    private static let supportedCrops: Set<CropMode> = [.scale, .fit, .limit, .mfit, .fill]

    private func resizeSteps(
        for component: TransformComponent, from size: inout Size, number: Int
    ) throws(RenderError) -> [RenderStep] {
        let width = try pixels(component.width, of: size.width, name: "w", number: number)
        let height = try pixels(component.height, of: size.height, name: "h", number: number)
        guard width != nil || height != nil else { return [] }
        let current = size
        let aspect = Double(current.width) / Double(current.height)
        switch component.crop ?? .scale {
        case .fill where width != nil && height != nil:
            let box = Size(width: width!, height: height!)
            size = box
            return try fill(current, into: box, gravity: component.gravity, number: number)
        case .fit, .limit, .mfit:
            let factor = min(
                width.map { Double($0) / Double(current.width) } ?? .infinity,
                height.map { Double($0) / Double(current.height) } ?? .infinity)
            if component.crop == .limit && factor >= 1 { return [] }
            if component.crop == .mfit && factor <= 1 { return [] }
            size = Size(
                width: max(1, Int((Double(current.width) * factor).rounded())),
                height: max(1, Int((Double(current.height) * factor).rounded())))
        default:  // scale, and fill with a single dimension (Cloudinary scales then)
            size = Size(
                width: width ?? max(1, Int((Double(height!) * aspect).rounded())),
                height: height ?? max(1, Int((Double(width!) / aspect).rounded())))
        }
        return size.width == current.width && size.height == current.height
            ? [] : [.resize(width: size.width, height: size.height)]
    }

    private func fill(
        _ current: Size, into box: Size, gravity: Gravity?, number: Int
    ) throws(RenderError) -> [RenderStep] {
        switch gravity ?? .compass(.center) {
        case .compass(let compass):
            let factor = max(Double(box.width) / Double(current.width), Double(box.height) / Double(current.height))
            let covered = Size(
                width: max(box.width, Int((Double(current.width) * factor).rounded())),
                height: max(box.height, Int((Double(current.height) * factor).rounded())))
            let (fx, fy) = compass.anchor
            let x = Int(Double(covered.width - box.width) * fx)
            let y = Int(Double(covered.height - box.height) * fy)
            var steps: [RenderStep] = []
            if covered.width != current.width || covered.height != current.height {
                steps.append(.resize(width: covered.width, height: covered.height))
            }
            if covered.width != box.width || covered.height != box.height {
                steps.append(.crop(x: x, y: y, width: box.width, height: box.height))
            }
            return steps
        case .auto:
            return [.smartFill(width: box.width, height: box.height, interesting: "attention")]
        default:
            throw .unsupportedTransformation("component \(number): this gravity is not supported by this renderer yet")
        }
    }

    private func pixels(_ value: SizeValue?, of current: Int, name: String, number: Int) throws(RenderError) -> Int? {
        switch value {
        case nil: return nil
        case .pixels(let count):
            guard count > 0 else {
                throw .unsupportedTransformation("component \(number): \(name) must be greater than 0")
            }
            guard count <= limits.maxDimension else {
                throw .unsupportedTransformation(
                    "component \(number): \(name)_\(count) is over the limit of \(limits.maxDimension) pixels")
            }
            return count
        case .relative(let factor):
            let count = Int((Double(current) * factor).rounded())
            guard count > 0, count <= limits.maxDimension else {
                throw .unsupportedTransformation("component \(number): \(name) resolves to \(count) pixels")
            }
            return count
        default:
            throw .unsupportedTransformation("component \(number): this \(name) value is not supported by this renderer yet")
        }
    }

    static func quality(_ quality: Quality) -> Int? {
        switch quality {
        case .value(let value, _): return min(100, max(1, value))
        case .auto(let level):
            switch level {
            case "best": return 90
            case "eco": return 70
            case "low": return 60
            default: return 80
            }
        default: return nil
        }
    }
}

/// Guards against inputs and requests that would exhaust the server.
public struct RenderLimits: Sendable, Hashable {
    /// Largest source (one page) accepted, from its header. Default 50 megapixels.
    public var maxInputPixels = 50_000_000
    /// Largest output accepted.
    public var maxOutputPixels = 50_000_000
    /// Largest single requested dimension.
    public var maxDimension = 16_384
    /// Quality for lossy formats when the transformation gives none.
    public var defaultQuality = 80

    public init() {}
}

extension Compass {
    /// Where the crop window sits in the overflow: 0 = left/top, 0.5 = centre, 1 = right/bottom.
    var anchor: (Double, Double) {
        switch self {
        case .northWest: (0, 0)
        case .north: (0.5, 0)
        case .northEast: (1, 0)
        case .west: (0, 0.5)
        case .center: (0.5, 0.5)
        case .east: (1, 0.5)
        case .southWest: (0, 1)
        case .south: (0.5, 1)
        case .southEast: (1, 1)
        }
    }
}

extension ImageFormat {
    var isLossy: Bool { self == .jpeg || self == .webp || self == .avif || self == .heic }
}
