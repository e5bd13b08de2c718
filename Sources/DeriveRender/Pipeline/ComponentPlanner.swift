import DeriveTransform

/// Turns one component into steps, in Cloudinary's fixed order within a component: orientation
/// fix-up, resize/crop, effect, corner radius, rotation and flips, border, opacity, background.
/// The order in which parameters were written does not matter.
struct ComponentPlanner {
    var limits: RenderLimits
    var context: RenderContext
    /// 1-based, for error messages.
    var number: Int

    func steps(for component: TransformComponent, state: ImageState) throws(RenderError) -> [RenderStep] {
        try checkSupported(component)
        _ = try Geometry.supported(component.gravity, component: number)  // even when no crop uses it
        var steps: [RenderStep] = []
        var state = state
        // Every step's result is checked before anything runs: no step may produce an image over
        // the size limits, whatever the values that led to it.
        func add(_ more: [RenderStep]) throws(RenderError) {
            for step in more {
                let before = state
                state = step.apply(to: state)
                try checkSize(state, growingFrom: before)
            }
            steps += more
        }
        let dpr = try devicePixelRatio(component.dpr, state: state)
        var request = SizeRequest(
            width: try pixels(component.width, of: state.width, dpr: dpr, name: "w", state: state),
            height: try pixels(component.height, of: state.height, dpr: dpr, name: "h", state: state),
            mode: component.crop ?? .scale, gravity: component.gravity,
            x: try offset(component.x, of: state.width, dpr: dpr, state: state),
            y: try offset(component.y, of: state.height, dpr: dpr, state: state),
            aspectRatio: try aspectRatio(component.aspectRatio, state: state),
            padColor: try padColor(component.background, state: state),
            ignoreAspectRatio: component.hasFlag("ignore_aspect_ratio"))
        let angles = component.angles ?? []
        if let box = requestedBox(request), angles.contains(where: { $0 == .autoRight || $0 == .autoLeft }) {
            // a_auto_right / a_auto_left rotate only when the image and the box disagree in orientation.
            if (box.0 > box.1) != (state.width > state.height) && box.0 != box.1 {
                try add([.rotateQuarter(turns: angles.contains(.autoRight) ? 1 : 3)])
            }
        }
        if component.crop != nil || request.width != nil || request.height != nil || request.aspectRatio != nil {
            if request.width == nil && request.height == nil && request.aspectRatio == nil { request.mode = .scale }
            try add(try Geometry.steps(request, from: state, component: number))
        }
        if let effect = component.effect, effect.name != "trim" {
            try add([.effect(try EffectParser.parse(effect, color: component.color, component: number))])
        }
        if let radius = component.radius { try add(try corners(radius, state: state)) }
        for angle in angles { try add(try rotation(angle, background: request.padColor, state: state)) }
        if let border = component.border {
            guard let color = Colors.rgba(border.color) else { throw unsupported("colour variables in bo_") }
            let width = try Checked.int(
                Double(border.width), "component \(number): bo_ width", in: 1...limits.maxDimension)
            try add([.border(width: width, color: color)])
        }
        if let opacity = component.opacity {
            let value = try Checked.double(try number(opacity, state: state), "component \(number): o_", in: 0...100)
            if value < 100 { try add([.opacity(value / 100)]) }
        }
        if case .color(let color)? = component.background, state.hasAlpha, !isPad(request.mode) {
            guard let rgba = Colors.rgba(color) else { throw unsupported("colour variables in b_") }
            try add([.flatten(rgba)])
        }
        return steps
    }

    /// Parameters that parse but that this renderer cannot honour are refused, never ignored.
    func checkSupported(_ component: TransformComponent) throws(RenderError) {
        for parameter in component.parameters {
            switch parameter {
            case .customFunction:
                throw .unsupportedTransformation("component \(number): custom functions (fn_) are not supported")
            case .zoom(let value) where value.doubleValue != 1:
                throw .unsupportedTransformation(
                    "component \(number): z_ (zoom) needs face detection, which is not available")
            case .colorSpace(let space) where !["srgb", "tinysrgb", "no_cmyk"].contains(space):
                throw .unsupportedTransformation("component \(number): cs_\(space) is not supported (output is sRGB)")
            default: continue
            }
        }
    }

    private func isPad(_ mode: CropMode) -> Bool {
        [.pad, .lpad, .mpad, .fillPad, .autoPad].contains(mode)
    }

    private func requestedBox(_ request: SizeRequest) -> (Int, Int)? {
        guard let width = request.width, let height = request.height else { return nil }
        return (width, height)
    }

    private func unsupported(_ what: String) -> RenderError {
        .unsupportedTransformation("component \(number): \(what)")
    }

    // MARK: - Values

    /// A step's result within the size limits (per frame, and all frames together). With `before`,
    /// a step that does not grow the image passes even when the source itself is over a limit.
    func checkSize(_ state: ImageState, growingFrom before: ImageState? = nil) throws(RenderError) {
        if let before, state.width <= before.width, state.height <= before.height, state.frames <= before.frames {
            return
        }
        let limit = limits.maxDimension
        guard state.width <= limit, state.height <= limit else {
            throw .valueOutOfRange(
                "component \(number): the image would become \(state.width)x\(state.height), over the limit of "
                    + "\(limit) pixels per side")
        }
        let frames = max(1, state.frames)
        let budget = frames > 1 ? min(limits.maxOutputPixels, limits.maxAnimationPixels) : limits.maxOutputPixels
        guard state.width * state.height * frames <= budget else {
            throw .outputTooLarge(width: state.width, height: state.height * frames, limit: budget)
        }
    }

    func pixels(_ value: SizeValue?, of dimension: Int, dpr: Double, name: String, state: ImageState)
        throws(RenderError) -> Int?
    {
        guard let value else { return nil }
        let resolved: Double
        switch value {
        case .pixels(let count): resolved = Double(count) * dpr
        case .relative(let factor): resolved = Double(dimension) * factor
        case .auto(let spec): resolved = Double(try autoWidth(spec, fallback: dimension)) * dpr
        case .variable(let variable): resolved = try self.variable(variable, state: state) * dpr
        case .expression(let expression):
            resolved = try ExpressionEvaluator(state: state, component: number).number(expression) * dpr
        }
        return try Checked.int(resolved, "component \(number): \(name)", in: 1...limits.maxDimension)
    }

    /// x/y offsets: at most `maxDimension` either way.
    func offset(_ value: SizeValue?, of dimension: Int, dpr: Double, state: ImageState, name: String = "x/y")
        throws(RenderError) -> Int?
    {
        let resolved: Double
        switch value {
        case nil: return nil
        case .pixels(let count): resolved = Double(count) * dpr
        case .relative(let factor): resolved = Double(dimension) * factor
        case .variable(let variable): resolved = try self.variable(variable, state: state)
        case .expression(let expression):
            resolved = try ExpressionEvaluator(state: state, component: number).number(expression)
        case .auto: throw unsupported("x/y cannot be auto")
        }
        let limit = limits.maxDimension
        return try Checked.int(resolved, "component \(number): \(name)", in: -limit...limit)
    }

    private func variable(_ name: String, state: ImageState) throws(RenderError) -> Double {
        guard let found = state.variables[name] else { throw unsupported("variable $\(name) is not defined") }
        return found
    }

    /// `w_auto[:step[:fallback]]`: the (already quantised) client-hint width rounded up to the
    /// step, else the fallback, else the current size.
    private func autoWidth(_ spec: String?, fallback: Int) throws(RenderError) -> Int {
        if let hint = context.clientWidth, hint > 0 {
            return ClientHintPolicy.roundUp(min(hint, limits.maxDimension), to: ClientHintPolicy.step(spec))
        }
        return try ClientHintPolicy.fallback(spec, limits: limits) ?? fallback
    }

    func number(_ value: NumberValue, state: ImageState) throws(RenderError) -> Double {
        switch value {
        case .int(let number): return Double(number)
        case .decimal(let number): return number
        case .variable(let variable): return try self.variable(variable, state: state)
        case .expression(let expression):
            return try ExpressionEvaluator(state: state, component: number).number(expression)
        }
    }

    private func devicePixelRatio(_ dpr: DPR?, state: ImageState) throws(RenderError) -> Double {
        switch dpr {
        case nil: return 1
        case .auto?: return context.devicePixelRatio ?? 1
        case .value(let value)?:
            return try Checked.double(try number(value, state: state), "component \(number): dpr", in: 0.01...5)
        }
    }

    private func aspectRatio(_ ratio: AspectRatio?, state: ImageState) throws(RenderError) -> Double? {
        switch ratio {
        case nil: return nil
        case .ratio(let a, let b)?:
            guard a > 0, b > 0 else { throw unsupported("ar_ must be positive") }
            return try Checked.double(Double(a) / Double(b), "component \(number): ar", in: aspectRange)
        case .number(let value)?:
            return try Checked.double(try number(value, state: state), "component \(number): ar", in: aspectRange)
        }
    }

    /// Aspect ratios a size can take within the dimension limit.
    private var aspectRange: ClosedRange<Double> { 1 / Double(limits.maxDimension)...Double(limits.maxDimension) }

    /// Padding and rotation fill: `b_` colour, else transparent when the output keeps alpha, else white.
    private func padColor(_ background: Background?, state: ImageState) throws(RenderError) -> RGBA {
        switch background {
        case .color(let color)?:
            guard let rgba = Colors.rgba(color) else { throw unsupported("colour variables in b_") }
            return rgba
        case nil:
            return context.format.supportsAlpha && state.hasAlpha ? .transparent : .white
        case .auto?, .blurred?, .generativeFill?:
            throw unsupported("this b_ mode is not supported by this renderer yet (use a colour)")
        }
    }

    private func corners(_ radius: Radius, state: ImageState) throws(RenderError) -> [RenderStep] {
        switch radius {
        case .max: return [.ellipse]
        case .corners(let values):
            let radii = try values.map { (value) throws(RenderError) -> Int in
                let pixels = try Checked.int(
                    try number(value, state: state), "component \(number): r", in: 0...limits.maxDimension)
                return min(pixels, min(state.width, state.height) / 2)
            }
            // CSS order: 1 value for all; 2 = tl/br, tr/bl; 3 = tl, tr/bl, br; 4 = tl, tr, br, bl.
            let four: [Int]
            switch radii.count {
            case 1: four = [radii[0], radii[0], radii[0], radii[0]]
            case 2: four = [radii[0], radii[1], radii[0], radii[1]]
            case 3: four = [radii[0], radii[1], radii[2], radii[1]]
            default: four = Array(radii.prefix(4))
            }
            return four.allSatisfy({ $0 == 0 }) ? [] : [.roundCorners(four)]
        }
    }

    private func rotation(_ angle: Angle, background: RGBA, state: ImageState) throws(RenderError) -> [RenderStep] {
        switch angle {
        case .autoRight, .autoLeft, .ignore: return []  // handled before the resize / at load
        case .hflip: return [.flip(horizontal: true)]
        case .vflip: return [.flip(horizontal: false)]
        case .degrees(let value):
            let degrees = try Checked.double(
                try number(value, state: state), "component \(number): a",
                in: -1_000_000...1_000_000)
            let normalized = degrees.truncatingRemainder(dividingBy: 360) + (degrees < 0 ? 360 : 0)
            if normalized == 0 { return [] }
            if normalized.truncatingRemainder(dividingBy: 90) == 0 {
                return [.rotateQuarter(turns: Checked.clamped(normalized) / 90)]
            }
            return [.rotate(degrees: normalized, background: background)]
        }
    }
}
