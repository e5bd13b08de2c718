/// What the planner knows about the image at some point of the pipeline.
public struct ImageState: Sendable, Hashable {
    /// Width and height of one frame.
    public var width: Int
    public var height: Int
    public var hasAlpha: Bool
    /// Frames stacked vertically (animations); 1 for still images.
    public var frames: Int
    /// The original's size, for `iw`/`ih` in expressions.
    public var initialWidth: Int
    public var initialHeight: Int
    /// User variables (`$name_value`) defined so far.
    public var variables: [String: Double] = [:]

    public init(width: Int, height: Int, hasAlpha: Bool, frames: Int = 1) {
        self.width = width
        self.height = height
        self.hasAlpha = hasAlpha
        self.frames = frames
        initialWidth = width
        initialHeight = height
    }

    var aspectRatio: Double { Double(width) / Double(max(1, height)) }
}

/// An RGBA colour with 0...255 components.
public struct RGBA: Sendable, Hashable {
    public var red: Double
    public var green: Double
    public var blue: Double
    public var alpha: Double

    public init(_ red: Double, _ green: Double, _ blue: Double, _ alpha: Double = 255) {
        self.red = red
        self.green = green
        self.blue = blue
        self.alpha = alpha
    }

    public static let white = RGBA(255, 255, 255)
    public static let black = RGBA(0, 0, 0)
    public static let transparent = RGBA(0, 0, 0, 0)

    var rgb: [Double] { [red, green, blue] }
    /// Red, green and blue are equal: it can be drawn on a grey image without making it colour.
    var isGrey: Bool { red == green && green == blue }
    var rgba: [Double] { [red, green, blue, alpha] }
}
