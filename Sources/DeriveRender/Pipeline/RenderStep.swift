import Foundation

/// One small operation of a plan. Each knows the size it produces, so a plan can be checked
/// without touching pixels.
public indirect enum RenderStep: Sendable, Hashable {
    /// Resize to exactly `width`×`height`. As the first step it shrinks on load. With `uniform`,
    /// the size is the image scaled by one factor, the one that maps that axis exactly (the other
    /// side is that factor times its length, rounded): both axes are resampled by that factor, as
    /// libvips' thumbnail does, rather than each by its own rounded ratio (which stretches the
    /// image by up to half a pixel).
    case resize(width: Int, height: Int, uniform: Axis? = nil)
    /// Cover `width`×`height` and crop to it, choosing the region with libvips' `interesting` strategy.
    case smartFill(width: Int, height: Int, interesting: String)
    /// Cut out the most interesting `width`×`height` region without scaling (libvips attention).
    case smartCrop(width: Int, height: Int)
    /// Cut out a region.
    case crop(x: Int, y: Int, width: Int, height: Int)
    /// Place the image at (x, y) on a `width`×`height` canvas of `background`.
    case embed(x: Int, y: Int, width: Int, height: Int, background: RGBA)
    /// Rotate clockwise by a multiple of 90°, losslessly.
    case rotateQuarter(turns: Int)
    /// Rotate clockwise by any angle; uncovered corners get `background`.
    case rotate(degrees: Double, background: RGBA)
    case flip(horizontal: Bool)
    case effect(EffectOperation)
    /// Round the corners (top-left, top-right, bottom-right, bottom-left radii), making them transparent.
    case roundCorners([Int])
    /// Cut to the inscribed ellipse (`r_max`).
    case ellipse
    case border(width: Int, color: RGBA)
    /// Multiply the alpha by `factor` (adding an alpha band when there is none).
    case opacity(Double)
    /// Replace transparency with a colour.
    case flatten(RGBA)
    /// Remove a uniform border (`e_trim`); the size it leaves is known only from the pixels.
    case trim(threshold: Double)

    /// Whether the step reads its input top to bottom, so it can follow a sequential decode.
    var isSequential: Bool {
        switch self {
        case .resize, .smartFill, .crop, .embed, .border, .opacity, .flatten: true
        case .flip(let horizontal): horizontal
        case .effect(let effect):
            switch effect {
            case .normalize, .pixelate, .blur, .sharpen, .vignette: false  // neighbourhoods or statistics
            default: true
            }
        default: false
        }
    }

    /// The state after this step.
    func apply(to state: ImageState) -> ImageState {
        var next = state
        switch self {
        case .resize(let width, let height, _), .smartFill(let width, let height, _),
            .smartCrop(let width, let height),
            .crop(_, _, let width, let height):
            next.width = width
            next.height = height
        case .embed(_, _, let width, let height, let background):
            next.width = width
            next.height = height
            if background.alpha < 255 { next.hasAlpha = true }
        case .rotateQuarter(let turns):
            if turns % 2 != 0 { swap(&next.width, &next.height) }
        case .rotate(let degrees, let background):
            let (width, height) = Self.rotatedSize(state.width, state.height, degrees)
            next.width = width
            next.height = height
            if background.alpha < 255 { next.hasAlpha = true }
        case .roundCorners, .ellipse, .opacity:
            next.hasAlpha = true
        case .border(let width, let color):
            next.width += 2 * width
            next.height += 2 * width
            if color.alpha < 255 { next.hasAlpha = true }
        case .flatten:
            next.hasAlpha = false
        case .flip, .effect, .trim:
            break
        }
        return next
    }

    /// An image axis.
    public enum Axis: Sendable, Hashable {
        case width, height
    }

    /// The bounding box of a `width`×`height` image rotated by `degrees`.
    static func rotatedSize(_ width: Int, _ height: Int, _ degrees: Double) -> (Int, Int) {
        let radians = degrees * .pi / 180
        let c = abs(cos(radians))
        let s = abs(sin(radians))
        let w = Double(width)
        let h = Double(height)
        return (Checked.clamped(w * c + h * s), Checked.clamped(w * s + h * c))
    }
}
