import DeriveRender

/// Reads rendered bytes back with libvips, for assertions on pixels.
struct Decoded {
    let image: VImage
    let info: ImageInfo

    init(_ bytes: [UInt8]) throws {
        info = try ImageInfo.probe(bytes)
        let blob = try VBlob(copying: bytes)
        image = try VipsCall.call(
            "thumbnail_buffer",
            ["buffer": .blob(blob), "width": .int(info.width), "height": .int(info.height), "size": .string("force")]
        ).image().inMemory()
    }

    /// Band values at (x, y).
    func pixel(_ x: Int, _ y: Int) throws -> [Double] {
        try VipsCall.call("getpoint", ["in": .image(image), "x": .int(x), "y": .int(y)], outputs: ["out-array"])
            .array("out-array") ?? []
    }

    /// Mean of each band.
    func means() throws -> [Double] {
        try (0..<image.bands).map { band in
            let one = try VipsCall.call("extract_band", ["in": .image(image), "band": .int(band)]).image()
            return try VipsCall.call("avg", ["in": .image(one)], outputs: ["out"]).number("out") ?? -1
        }
    }

    /// Mean absolute difference per pixel and band against another image of the same size.
    func difference(from other: Decoded) throws -> Double {
        let delta = try VipsCall.call("subtract", ["left": .image(image), "right": .image(other.image)]).image()
        let magnitude = try VipsCall.call("abs", ["in": .image(delta)]).image()
        return try VipsCall.call("avg", ["in": .image(magnitude)], outputs: ["out"]).number("out") ?? .infinity
    }
}
