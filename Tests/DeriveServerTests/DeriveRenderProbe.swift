import DeriveRender

/// Reads back what the server sent with libvips.
enum DeriveRenderProbe {
    static func size(_ bytes: [UInt8]) throws -> (Int, Int) {
        let info = try ImageInfo.probe(bytes)
        return (info.width, info.height)
    }
}
