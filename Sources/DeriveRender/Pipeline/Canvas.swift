/// The image being rendered: one frame, or every frame of an animation (processed alike).
struct Canvas {
    var frames: [VImage]
    var variables: [String: Double] = [:]
    var initialWidth: Int
    var initialHeight: Int

    init(frames: [VImage], initialWidth: Int, initialHeight: Int) {
        self.frames = frames
        self.initialWidth = initialWidth
        self.initialHeight = initialHeight
    }

    var first: VImage { frames[0] }

    var state: ImageState {
        var state = ImageState(width: first.width, height: first.height, hasAlpha: first.hasAlpha, frames: frames.count)
        state.initialWidth = initialWidth
        state.initialHeight = initialHeight
        state.variables = variables
        return state
    }

    func map(_ body: (VImage) throws(VipsError) -> VImage) throws(VipsError) -> Canvas {
        var next = self
        next.frames = []
        next.frames.reserveCapacity(frames.count)
        for frame in frames { next.frames.append(try body(frame)) }
        return next
    }

    func applying(_ steps: [RenderStep]) throws(VipsError) -> Canvas {
        var canvas = self
        for step in steps {
            canvas = try canvas.map { (frame) throws(VipsError) -> VImage in try StepExecutor.apply(step, to: frame) }
        }
        // An animation's frames are computed here, under the render deadline, once: left lazy, they
        // would be computed inside the encoder (arrayjoin + GIF/WebP save), where the deadline cannot
        // stop them and neighbourhood effects recompute their input for every output tile.
        if canvas.frames.count > 1 && !steps.isEmpty {
            canvas = try canvas.map { (frame) throws(VipsError) -> VImage in try frame.inMemory() }
        }
        return canvas
    }
}
