import DeriveTransform

/// A resize or crop request with every value resolved to pixels of the current image.
struct SizeRequest {
    var width: Int?
    var height: Int?
    var mode: CropMode
    var gravity: Gravity?
    var x: Int?
    var y: Int?
    /// Requested aspect ratio (width / height), if `ar_` was given.
    var aspectRatio: Double?
    var padColor: RGBA
    var ignoreAspectRatio = false
}

/// Cloudinary's crop and resize modes as steps (`cloudinary-api.md` section 3.4).
enum Geometry {
    static func steps(_ request: SizeRequest, from state: ImageState, component: Int) throws(RenderError)
        -> [RenderStep]
    {
        var request = request
        applyAspectRatio(&request, state: state)
        guard request.width != nil || request.height != nil else { return [] }
        let current = (width: state.width, height: state.height)
        if request.width == nil || request.height == nil {
            // With one dimension there is no box to fill or pad: the modes fall back to their fit family.
            switch request.mode {
            case .lfill, .lpad: request.mode = .limit
            case .mpad: request.mode = .mfit
            case .pad, .fillPad, .autoPad: request.mode = .fit
            case .fill, .thumb, .auto: request.mode = .scale
            default: break
            }
        }
        switch request.mode {
        case .scale:
            // One side given: the other follows from one factor (both given: each side its own).
            let axis: RenderStep.Axis? =
                request.ignoreAspectRatio || (request.width != nil) == (request.height != nil)
                ? nil : request.width != nil ? .width : .height
            return resize(to: scaled(request, current), from: current, uniform: axis)
        case .fit, .limit, .mfit:
            let factor = fitFactor(request, current)
            if request.mode == .limit && factor >= 1 { return [] }
            if request.mode == .mfit && factor <= 1 { return [] }
            return resize(to: size(current, factor), from: current, uniform: fitAxis(request, current))
        case .fill, .thumb, .auto, .lfill:
            guard let width = request.width, let height = request.height else { return [] }
            if request.mode == .lfill {
                if current.width <= width && current.height <= height { return [] }
                let factor = max(Double(width) / Double(current.width), Double(height) / Double(current.height))
                if factor > 1 {
                    // Never upscale: cut the largest region of the requested shape, at its own scale.
                    let region = (
                        width: min(current.width, Checked.clamped(Double(width) / factor)),
                        height: min(current.height, Checked.clamped(Double(height) / factor))
                    )
                    return try cropRegion(region, request: request, from: current, component: component)
                }
            }
            return try fill(
                box: (width, height), request: request, from: current,
                gravity: request.mode == .auto ? .auto(nil) : request.gravity, component: component)
        case .fillPad, .autoPad:
            guard case .auto = request.gravity else {
                throw .unsupportedTransformation("component \(component): c_\(request.mode.rawValue) requires g_auto")
            }
            return pad(request, from: current, allowUp: true, allowDown: true)
        case .pad: return pad(request, from: current, allowUp: true, allowDown: true)
        case .lpad: return pad(request, from: current, allowUp: false, allowDown: true)
        case .mpad: return pad(request, from: current, allowUp: true, allowDown: false)
        case .crop:
            let region = (
                width: min(request.width ?? current.width, current.width),
                height: min(request.height ?? current.height, current.height)
            )
            return try cropRegion(region, request: request, from: current, component: component)
        case .imaggaCrop, .imaggaScale:
            throw .unsupportedTransformation(
                "component \(component): c_\(request.mode.rawValue) needs the Imagga add-on, which Derive does not have"
            )
        }
    }

    /// `ar_` with one dimension gives the other; with none, crop-like modes take the largest box of
    /// that shape inside the image and `scale` keeps the width.
    private static func applyAspectRatio(_ request: inout SizeRequest, state: ImageState) {
        guard let ratio = request.aspectRatio, ratio > 0 else { return }
        switch (request.width, request.height) {
        case (let width?, nil): request.height = max(1, Checked.clamped(Double(width) / ratio))
        case (nil, let height?): request.width = max(1, Checked.clamped(Double(height) * ratio))
        case (nil, nil):
            if request.mode == .scale {
                request.width = state.width
                request.height = max(1, Checked.clamped(Double(state.width) / ratio))
            } else if ratio >= state.aspectRatio {
                request.width = state.width
                request.height = max(1, Checked.clamped(Double(state.width) / ratio))
            } else {
                request.height = state.height
                request.width = max(1, Checked.clamped(Double(state.height) * ratio))
            }
        default: break
        }
    }

    private static func scaled(_ request: SizeRequest, _ current: (width: Int, height: Int)) -> (Int, Int) {
        let aspect = Double(current.width) / Double(current.height)
        switch (request.width, request.height) {
        case (let width?, let height?): return (width, height)
        case (let width?, nil):
            return (width, request.ignoreAspectRatio ? current.height : max(1, Checked.clamped(Double(width) / aspect)))
        case (nil, let height?):
            return (
                request.ignoreAspectRatio ? current.width : max(1, Checked.clamped(Double(height) * aspect)), height
            )
        case (nil, nil): return current
        }
    }

    private static func fitFactor(_ request: SizeRequest, _ current: (width: Int, height: Int)) -> Double {
        min(
            request.width.map { Double($0) / Double(current.width) } ?? .infinity,
            request.height.map { Double($0) / Double(current.height) } ?? .infinity)
    }

    /// The side whose ratio `fitFactor` took.
    private static func fitAxis(_ request: SizeRequest, _ current: (width: Int, height: Int)) -> RenderStep.Axis {
        let x = request.width.map { Double($0) / Double(current.width) } ?? .infinity
        let y = request.height.map { Double($0) / Double(current.height) } ?? .infinity
        return x <= y ? .width : .height
    }

    private static func size(_ current: (width: Int, height: Int), _ factor: Double) -> (Int, Int) {
        (
            max(1, Checked.clamped(Double(current.width) * factor)),
            max(1, Checked.clamped(Double(current.height) * factor))
        )
    }

    private static func resize(
        to size: (Int, Int), from current: (width: Int, height: Int), uniform: RenderStep.Axis? = nil
    ) -> [RenderStep] {
        size == current ? [] : [.resize(width: size.0, height: size.1, uniform: uniform)]
    }

    private static func fill(
        box: (Int, Int), request: SizeRequest, from current: (width: Int, height: Int), gravity: Gravity?,
        component: Int
    ) throws(RenderError) -> [RenderStep] {
        let gravity = try supported(gravity, component: component)
        if case .auto = gravity {
            return [.smartFill(width: box.0, height: box.1, interesting: "attention")]
        }
        let factor = max(Double(box.0) / Double(current.width), Double(box.1) / Double(current.height))
        let covered = (
            width: max(box.0, Checked.clamped(Double(current.width) * factor)),
            height: max(box.1, Checked.clamped(Double(current.height) * factor))
        )
        let axis: RenderStep.Axis =
            Double(box.0) / Double(current.width) >= Double(box.1) / Double(current.height) ? .width : .height
        var steps = resize(to: covered, from: current, uniform: axis)
        if covered != box {
            let scale = Double(covered.width) / Double(current.width)
            let (x, y) = origin(
                of: box, in: covered, gravity: gravity,
                x: request.x.map { Checked.clamped((Double($0) * scale).rounded(.towardZero)) },
                y: request.y.map { Checked.clamped((Double($0) * scale).rounded(.towardZero)) }, defaultCenter: true)
            steps.append(.crop(x: x, y: y, width: box.0, height: box.1))
        }
        return steps
    }

    private static func cropRegion(
        _ region: (width: Int, height: Int), request: SizeRequest, from current: (width: Int, height: Int),
        component: Int
    ) throws(RenderError) -> [RenderStep] {
        let gravity = try supported(request.gravity, component: component)
        if case .auto = gravity {
            return [.smartCrop(width: region.width, height: region.height)]
        }
        // Without a gravity, x/y give the region's top-left corner (Cloudinary's c_crop rule).
        let (x, y) = origin(
            of: (region.width, region.height), in: current, gravity: gravity, x: request.x, y: request.y,
            defaultCenter: request.x == nil && request.y == nil)
        if region == current && x == 0 && y == 0 { return [] }
        return [.crop(x: x, y: y, width: region.width, height: region.height)]
    }

    private static func pad(
        _ request: SizeRequest, from current: (width: Int, height: Int), allowUp: Bool, allowDown: Bool
    ) -> [RenderStep] {
        var factor = fitFactor(request, current)
        if factor > 1 && !allowUp { factor = 1 }
        if factor < 1 && !allowDown { return [] }  // mpad leaves a larger original alone
        let fitted = size(current, factor)
        var steps = resize(to: fitted, from: current, uniform: fitAxis(request, current))
        let box = (request.width ?? fitted.0, request.height ?? fitted.1)
        if box != fitted {
            let (x, y) = origin(of: fitted, in: box, gravity: request.gravity, x: nil, y: nil, defaultCenter: true)
            steps.append(.embed(x: x, y: y, width: box.0, height: box.1, background: request.padColor))
        }
        return steps
    }

    /// Top-left of an `inner` box placed in `outer` by gravity; x/y are offsets from the anchor,
    /// pointing inwards (`g_south_east,x_10` is 10 px left of the right edge). The result may be
    /// negative when `inner` is larger (used by `embed`), and is clamped when it is a crop.
    static func origin(
        of inner: (Int, Int), in outer: (Int, Int), gravity: Gravity?, x: Int?, y: Int?, defaultCenter: Bool,
        clamp: Bool = true
    ) -> (Int, Int) {
        let spareX = outer.0 - inner.0
        let spareY = outer.1 - inner.1
        var left: Int
        var top: Int
        switch gravity {
        case .compass(let compass)?:
            let (fx, fy) = compass.anchor
            left = Checked.clamped((Double(spareX) * fx).rounded(.towardZero)) + (fx == 1 ? -(x ?? 0) : (x ?? 0))
            top = Checked.clamped((Double(spareY) * fy).rounded(.towardZero)) + (fy == 1 ? -(y ?? 0) : (y ?? 0))
        case .xyCenter?:
            left = (x ?? outer.0 / 2) - inner.0 / 2
            top = (y ?? outer.1 / 2) - inner.1 / 2
        default:
            left = defaultCenter ? spareX / 2 + (x ?? 0) : (x ?? 0)
            top = defaultCenter ? spareY / 2 + (y ?? 0) : (y ?? 0)
        }
        if clamp && spareX >= 0 { left = min(max(0, left), spareX) }
        if clamp && spareY >= 0 { top = min(max(0, top), spareY) }
        return (left, top)
    }

    /// Gravities the renderer can honour; `custom` without stored coordinates is the centre.
    static func supported(_ gravity: Gravity?, component: Int) throws(RenderError) -> Gravity? {
        switch gravity {
        case nil, .compass?, .xyCenter?, .auto?: return gravity
        case .custom?: return .compass(.center)
        case .face?, .faces?, .advancedFace?, .advancedFaces?, .advancedEyes?:
            throw .unsupportedTransformation("component \(component): face detection is not available")
        case .ocrText?:
            throw .unsupportedTransformation("component \(component): text detection (g_ocr_text) is not available")
        case .liquid?:
            throw .unsupportedTransformation(
                "component \(component): g_liquid (content-aware scaling) is not available")
        }
    }
}

extension Compass {
    /// Where an inner box sits in the spare room: 0 = left/top, 0.5 = centre, 1 = right/bottom.
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
