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
        var steps: [RenderStep] = []
        var state = state
        func add(_ more: [RenderStep]) {
            for step in more { state = step.apply(to: state) }
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
                add([.rotateQuarter(turns: angles.contains(.autoRight) ? 1 : 3)])
            }
        }
        if component.crop != nil || request.width != nil || request.height != nil || request.aspectRatio != nil {
            if request.width == nil && request.height == nil && request.aspectRatio == nil { request.mode = .scale }
            add(try Geometry.steps(request, from: state, component: number))
        }
        if let effect = component.effect, effect.name != "trim" {
            add([.effect(try EffectParser.parse(effect, color: component.color, component: number))])
        }
        if let radius = component.radius { add(try corners(radius, state: state)) }
        for angle in angles { add(try rotation(angle, background: request.padColor)) }
        if let border = component.border {
            guard let color = Colors.rgba(border.color) else { throw unsupported("colour variables in bo_") }
            add([.border(width: border.width, color: color)])
        }
        if let opacity = component.opacity {
            let value = try number(opacity, state: state)
            guard (0...100).contains(value) else { throw unsupported("o_ must be 0 to 100") }
            if value < 100 { add([.opacity(value / 100)]) }
        }
        if case .color(let color)? = component.background, state.hasAlpha, !isPad(request.mode) {
            guard let rgba = Colors.rgba(color) else { throw unsupported("colour variables in b_") }
            add([.flatten(rgba)])
        }
        return steps
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

    func pixels(_ value: SizeValue?, of dimension: Int, dpr: Double, name: String, state: ImageState)
        throws(RenderError) -> Int?
    {
        guard let value else { return nil }
        let resolved: Double
        switch value {
        case .pixels(let count): resolved = Double(count) * dpr
        case .relative(let factor): resolved = Double(dimension) * factor
        case .auto(let spec): resolved = Double(autoWidth(spec, fallback: dimension)) * dpr
        case .variable(let variable):
            guard let found = state.variables[variable] else {
                throw unsupported("variable $\(variable) is not defined")
            }
            resolved = found * dpr
        case .expression(let expression):
            resolved = try ExpressionEvaluator(state: state, component: number).number(expression) * dpr
        }
        let count = Int(resolved.rounded())
        guard count > 0 else { throw unsupported("\(name) must be greater than 0 (it resolves to \(count))") }
        guard count <= limits.maxDimension else {
            throw unsupported("\(name) resolves to \(count) pixels, over the limit of \(limits.maxDimension)")
        }
        return count
    }

    func offset(_ value: SizeValue?, of dimension: Int, dpr: Double, state: ImageState) throws(RenderError) -> Int? {
        switch value {
        case nil: return nil
        case .pixels(let count): return Int((Double(count) * dpr).rounded())
        case .relative(let factor): return Int((Double(dimension) * factor).rounded())
        case .variable(let variable):
            guard let found = state.variables[variable] else {
                throw unsupported("variable $\(variable) is not defined")
            }
            return Int(found.rounded())
        case .expression(let expression):
            return Int(try ExpressionEvaluator(state: state, component: number).number(expression).rounded())
        case .auto: throw unsupported("x/y cannot be auto")
        }
    }

    /// `w_auto[:step[:fallback]]`: the client-hint width rounded up to the step, else the fallback.
    private func autoWidth(_ spec: String?, fallback: Int) -> Int {
        let parts = (spec ?? "").split(separator: ":").compactMap { Int($0) }
        let step = parts.first ?? 1
        if let hint = context.clientWidth, hint > 0 {
            return step > 1 ? ((hint + step - 1) / step) * step : hint
        }
        return parts.count > 1 ? parts[1] : fallback
    }

    func number(_ value: NumberValue, state: ImageState) throws(RenderError) -> Double {
        switch value {
        case .int(let number): return Double(number)
        case .decimal(let number): return number
        case .variable(let variable):
            guard let found = state.variables[variable] else {
                throw unsupported("variable $\(variable) is not defined")
            }
            return found
        case .expression(let expression):
            return try ExpressionEvaluator(state: state, component: number).number(expression)
        }
    }

    private func devicePixelRatio(_ dpr: DPR?, state: ImageState) throws(RenderError) -> Double {
        switch dpr {
        case nil: return 1
        case .auto?: return context.devicePixelRatio ?? 1
        case .value(let value)?:
            let ratio = try number(value, state: state)
            guard ratio > 0, ratio <= 5 else { throw unsupported("dpr must be between 0 and 5") }
            return ratio
        }
    }

    private func aspectRatio(_ ratio: AspectRatio?, state: ImageState) throws(RenderError) -> Double? {
        switch ratio {
        case nil: return nil
        case .ratio(let a, let b)?:
            guard a > 0, b > 0 else { throw unsupported("ar_ must be positive") }
            return Double(a) / Double(b)
        case .number(let value)?:
            let ratio = try number(value, state: state)
            guard ratio > 0 else { throw unsupported("ar_ must be positive") }
            return ratio
        }
    }

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
                let pixels = Int(try number(value, state: state).rounded())
                guard pixels >= 0 else { throw unsupported("r_ values must not be negative") }
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

    private func rotation(_ angle: Angle, background: RGBA) throws(RenderError) -> [RenderStep] {
        switch angle {
        case .autoRight, .autoLeft, .ignore: return []  // handled before the resize / at load
        case .hflip: return [.flip(horizontal: true)]
        case .vflip: return [.flip(horizontal: false)]
        case .degrees(let value):
            let degrees = try number(value, state: ImageState(width: 1, height: 1, hasAlpha: false))
            let normalized = degrees.truncatingRemainder(dividingBy: 360) + (degrees < 0 ? 360 : 0)
            if normalized == 0 { return [] }
            if normalized.truncatingRemainder(dividingBy: 90) == 0 {
                return [.rotateQuarter(turns: Int(normalized) / 90)]
            }
            return [.rotate(degrees: normalized, background: background)]
        }
    }
}
