import DeriveTransform

/// Walks a chain of components over a canvas: conditionals (`if_…/if_else/if_end`), variables,
/// layers (`l_`/`u_` … `fl_layer_apply`), then each plain component through `ComponentPlanner`.
/// Steps are planned against the actual image at each point, so sizes that only pixels can tell
/// (`e_trim`, text layers) are handled exactly.
struct Pipeline {
    var limits: RenderLimits
    var context: RenderContext

    /// Runs `components` over `start`; `blocks` are `if_` blocks opened before them (true: taken).
    func run(
        _ components: [TransformComponent], on start: Canvas, numberOffset: Int = 0, blocks open: [Bool] = []
    ) throws(RenderError) -> Canvas {
        var canvas = start
        var blocks = open
        var index = 0
        while index < components.count {
            let component = components[index]
            let number = numberOffset + index + 1
            index += 1
            let active = !blocks.contains(false)
            if let condition = component.condition {
                let standalone = component.parameters.count == 1
                switch condition {
                case .when(let expression):
                    var holds = false
                    if active { holds = try evaluator(canvas, number).condition(expression) }
                    if standalone {
                        blocks.append(holds)
                        continue
                    }
                    if !holds { continue }
                case .otherwise:
                    guard let last = blocks.popLast() else { throw misplaced("if_else", number) }
                    blocks.append(!last)
                    continue
                case .end:
                    guard blocks.popLast() != nil else { throw misplaced("if_end", number) }
                    continue
                }
            }
            guard active else { continue }
            for variable in component.variables {
                canvas.variables[variable.name] = try evaluator(canvas, number).number(variable.value)
            }
            if let source = component.overlay ?? component.underlay {
                // The layer's own components run until the one that applies it; without one, the
                // opening component both sizes and places the layer.
                let apply = components[index...].firstIndex {
                    $0.isLayerApply || $0.overlay != nil || $0.underlay != nil
                }
                let closing = apply.flatMap { components[$0].isLayerApply ? $0 : nil }
                let layerComponents = [component] + (closing.map { Array(components[index..<$0]) } ?? [])
                let placement = closing.map { components[$0] } ?? component
                let layer = try renderLayer(source, layerComponents, base: canvas, number: number)
                canvas = try composite(
                    layer, onto: canvas, placement: placement, underlay: component.underlay != nil, number: number)
                if let closing { index = closing + 1 }
                continue
            }
            if component.isLayerApply { throw misplaced("fl_layer_apply", number) }
            canvas = try apply(component, to: canvas, number: number)
        }
        guard blocks.isEmpty else { throw .unsupportedTransformation("an if_ block is not closed with if_end") }
        return canvas
    }

    /// One plain component.
    func apply(_ component: TransformComponent, to canvas: Canvas, number: Int) throws(RenderError) -> Canvas {
        var canvas = canvas
        if let effect = component.effect, effect.name == "trim" {
            let tolerance = effect.arguments.first.flatMap(Double.init) ?? 10
            guard (0...100).contains(tolerance) else {
                throw .unsupportedTransformation("component \(number): e_trim takes a tolerance from 0 to 100")
            }
            // One box for every frame (found on the first), so an animation keeps one frame size.
            let found = canvas
            let box = try run { () throws(VipsError) in
                try StepExecutor.trimBox(found.first, threshold: tolerance * 2.55)
            }
            if let box {
                canvas = try run { () throws(VipsError) in
                    try found.applying([.crop(x: box.x, y: box.y, width: box.width, height: box.height)])
                }
            }
        }
        let steps = try planner(number).steps(for: component, state: canvas.state)
        return try run { () throws(VipsError) in try canvas.applying(steps) }
    }

    /// The result of a render within the size limits (all frames together), unless it is no larger
    /// than the source.
    func checkSize(width: Int, height: Int, frames: Int, source: ImageInfo) throws(RenderError) {
        try planner(0).checkSize(
            ImageState(width: width, height: height, hasAlpha: false, frames: frames),
            growingFrom: ImageState(width: source.width, height: source.height, hasAlpha: false, frames: source.pages))
    }

    func planner(_ number: Int) -> ComponentPlanner {
        ComponentPlanner(limits: limits, context: context, number: number)
    }

    private func evaluator(_ canvas: Canvas, _ number: Int) -> ExpressionEvaluator {
        ExpressionEvaluator(state: canvas.state, component: number)
    }

    private func misplaced(_ what: String, _ number: Int) -> RenderError {
        .unsupportedTransformation("component \(number): \(what) without a matching opening component")
    }

    func run<T>(_ body: () throws(VipsError) -> T) throws(RenderError) -> T {
        do { return try body() } catch { throw Renderer.classify(error) }
    }

    // MARK: - Layers

    private func renderLayer(
        _ source: LayerSource, _ components: [TransformComponent], base: Canvas, number: Int
    ) throws(RenderError) -> VImage {
        var first = components[0]
        let selfApplied = components.count == 1
        first.parameters.removeAll { parameter in
            switch parameter {
            case .overlay, .underlay: return true
            case .gravity, .x, .y: return selfApplied  // they place the layer when no fl_layer_apply follows
            default: return false
            }
        }
        if first.hasFlag("relative") { first = relative(first, to: base.state) }
        let image: VImage
        switch source {
        case .image(let publicID, _):
            guard let bytes = context.layerSources[publicID] else { throw .layerNotFound(publicID) }
            // In memory: it is composited onto every frame, which reads it more than once.
            let loaded = try Loader.still(try Source(bytes), limits: limits, page: nil, autorotate: true)
            image = try run { () throws(VipsError) in try loaded.inMemory() }
        case .text(let text):
            let size = text.fontSize ?? 20
            guard (1...limits.maxFontSize).contains(size) else {
                throw .valueOutOfRange(
                    "component \(number): the text layer's font size \(size) is outside 1 to \(limits.maxFontSize)")
            }
            guard text.decodedText.count <= limits.maxTextLength else {
                throw .valueOutOfRange(
                    "component \(number): the text layer has more than \(limits.maxTextLength) characters")
            }
            let color = try EffectParser.resolve(first.color, default: .black)
            do {
                image = try TextLayer.render(text, color: color)
            } catch {
                // The text is the request's: Pango refusing it (nothing visible to draw, bad markup)
                // is a 400.
                throw .unsupportedTransformation(
                    "component \(number): the text layer cannot be drawn (\(error.message.prefix(120)))")
            }
        case .fetch:
            throw .unsupportedTransformation("component \(number): remote layers (l_fetch) are not supported")
        case .resource(let kind, _):
            throw .unsupportedTransformation("component \(number): \(kind) layers are not supported for images")
        }
        let layerCanvas = Canvas(frames: [image], initialWidth: image.width, initialHeight: image.height)
        let rendered = try Pipeline(limits: limits, context: context).run(
            [first] + components.dropFirst(), on: layerCanvas, numberOffset: number - 1)
        return rendered.first
    }

    /// `fl_relative`: w/h with a decimal point are fractions of the base image, not the layer.
    private func relative(_ component: TransformComponent, to base: ImageState) -> TransformComponent {
        var component = component
        component.parameters = component.parameters.map {
            switch $0 {
            case .width(.relative(let factor)): .width(.pixels(max(1, Checked.clamped(Double(base.width) * factor))))
            case .height(.relative(let factor)): .height(.pixels(max(1, Checked.clamped(Double(base.height) * factor))))
            default: $0
            }
        }
        return component
    }

    private func composite(
        _ layer: VImage, onto canvas: Canvas, placement: TransformComponent, underlay: Bool, number: Int
    ) throws(RenderError) -> Canvas {
        let state = canvas.state
        let planner = planner(number)
        let x = try planner.offset(placement.x, of: state.width, dpr: 1, state: state, name: "layer x")
        let y = try planner.offset(placement.y, of: state.height, dpr: 1, state: state, name: "layer y")
        let gravity = try Geometry.supported(placement.gravity, component: number)
        let (left, top) = Geometry.origin(
            of: (layer.width, layer.height), in: (state.width, state.height), gravity: gravity, x: x, y: y,
            defaultCenter: true, clamp: false)
        return try run { () throws(VipsError) in
            // Layers bring colour (text, other images): a grey base becomes sRGB here.
            let layer = try StepExecutor.colour(layer)
            return try canvas.map { (grey) throws(VipsError) -> VImage in
                let frame = try StepExecutor.colour(grey)
                if underlay {
                    let placed = try StepExecutor.call(
                        "embed",
                        [
                            "in": .image(try StepExecutor.withAlpha(layer)), "x": .int(left), "y": .int(top),
                            "width": .int(frame.width), "height": .int(frame.height), "extend": .string("background"),
                            "background": .doubles([0, 0, 0, 0]),
                        ])
                    return try StepExecutor.call(
                        "composite2", ["base": .image(placed), "overlay": .image(frame), "mode": .string("over")])
                }
                let composed = try StepExecutor.call(
                    "composite2",
                    [
                        "base": .image(frame), "overlay": .image(layer), "mode": .string("over"), "x": .int(left),
                        "y": .int(top),
                    ])
                // Over an opaque base the result is opaque: keep it three bands.
                return frame.hasAlpha
                    ? composed
                    : try StepExecutor.call("extract_band", ["in": .image(composed), "band": .int(0), "n": .int(3)])
            }
        }
    }
}
