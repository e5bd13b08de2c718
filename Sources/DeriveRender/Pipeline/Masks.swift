/// One-band 8-bit alpha masks (255 = keep), anti-aliased over about one pixel.
enum Masks {
    /// Transparent rounded corners; radii are top-left, top-right, bottom-right, bottom-left.
    static func roundedCorners(width: Int, height: Int, radii: [Int]) throws(VipsError) -> VImage {
        var mask = try StepExecutor.cast(
            try StepExecutor.call(
                "linear",
                [
                    "in": .image(try StepExecutor.call("black", ["width": .int(width), "height": .int(height)])),
                    "a": .doubles([0]), "b": .doubles([255]),
                ]))
        for (corner, radius) in radii.enumerated() where radius > 0 {
            var tile = try cornerTile(radius)
            switch corner {
            case 1: tile = try StepExecutor.call("flip", ["in": .image(tile), "direction": .string("horizontal")])
            case 2: tile = try StepExecutor.call("rot", ["in": .image(tile), "angle": .string("d180")])
            case 3: tile = try StepExecutor.call("flip", ["in": .image(tile), "direction": .string("vertical")])
            default: break
            }
            let x = corner == 1 || corner == 2 ? width - radius : 0
            let y = corner >= 2 ? height - radius : 0
            mask = try StepExecutor.call(
                "insert", ["main": .image(mask), "sub": .image(tile), "x": .int(x), "y": .int(y)])
        }
        return mask
    }

    /// The top-left corner of a rounded rectangle: a quarter disc centred at (r, r).
    private static func cornerTile(_ radius: Int) throws(VipsError) -> VImage {
        let r = Double(radius)
        let distance = try distanceFromPoint(width: radius, height: radius, cx: r, cy: r, scaleX: 1, scaleY: 1)
        // 255 inside the disc, 0 outside, a one-pixel ramp across the edge.
        return try StepExecutor.cast(
            try StepExecutor.call(
                "linear", ["in": .image(distance), "a": .doubles([-255]), "b": .doubles([(r + 0.5) * 255])]))
    }

    /// The inscribed ellipse.
    static func ellipse(width: Int, height: Int) throws(VipsError) -> VImage {
        let rx = Double(width) / 2
        let ry = Double(height) / 2
        // Normalised distance: 1 on the ellipse; the edge ramp is one pixel of the shorter radius.
        let distance = try distanceFromPoint(
            width: width, height: height, cx: rx, cy: ry, scaleX: 1 / rx, scaleY: 1 / ry)
        let edge = min(rx, ry)
        return try StepExecutor.cast(
            try StepExecutor.call(
                "linear", ["in": .image(distance), "a": .doubles([-255 * edge]), "b": .doubles([255 * (edge + 0.5)])]))
    }

    /// Darkening factor for a vignette: 1 in the centre, `1 - strength` in the corners.
    static func vignette(width: Int, height: Int, strength: Double) throws(VipsError) -> VImage {
        let rx = Double(width) / 2
        let ry = Double(height) / 2
        let distance = try distanceFromPoint(
            width: width, height: height, cx: rx, cy: ry, scaleX: 1 / (rx * 2.squareRoot()),
            scaleY: 1 / (ry * 2.squareRoot()))
        let squared = try StepExecutor.call("multiply", ["left": .image(distance), "right": .image(distance)])
        return try StepExecutor.call("linear", ["in": .image(squared), "a": .doubles([-strength]), "b": .doubles([1])])
    }

    /// sqrt(((x + 0.5 - cx) * sx)^2 + ((y + 0.5 - cy) * sy)^2) for every pixel, as one float band.
    private static func distanceFromPoint(
        width: Int, height: Int, cx: Double, cy: Double, scaleX: Double, scaleY: Double
    ) throws(VipsError) -> VImage {
        let coordinates = try StepExecutor.call("xyz", ["width": .int(width), "height": .int(height)])
        let centred = try StepExecutor.call(
            "linear",
            [
                "in": .image(coordinates), "a": .doubles([scaleX, scaleY]),
                "b": .doubles([(0.5 - cx) * scaleX, (0.5 - cy) * scaleY]),
            ])
        let squares = try StepExecutor.call("multiply", ["left": .image(centred), "right": .image(centred)])
        let sum = try StepExecutor.call(
            "linear",
            [
                "in": .image(try StepExecutor.call("bandmean", ["in": .image(squares)])),
                "a": .doubles([2]), "b": .doubles([0]),
            ])
        return try StepExecutor.call("math2_const", ["in": .image(sum), "math2": .string("pow"), "c": .doubles([0.5])])
    }
}
