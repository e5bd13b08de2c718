import CVips
import Foundation

/// What the header of an image says, read without decoding pixels.
public struct ImageInfo: Sendable, Hashable {
    public var format: ImageFormat
    /// Width as displayed, after the EXIF orientation is applied.
    public var width: Int
    /// Height as displayed, after the EXIF orientation is applied.
    public var height: Int
    /// Frames (animations) or pages (multi-page TIFF); 1 for still images.
    public var pages: Int
    public var hasAlpha: Bool
    /// EXIF orientation, 1...8.
    public var orientation: Int
    /// Colours need converting to sRGB: a CMYK source, or an embedded profile other than sRGB.
    public var needsColourConversion: Bool = false

    /// Pixels that decoding one page would produce.
    public var pixelCount: Int { width * height }

    public init(format: ImageFormat, width: Int, height: Int, pages: Int, hasAlpha: Bool, orientation: Int) {
        self.format = format
        self.width = width
        self.height = height
        self.pages = pages
        self.hasAlpha = hasAlpha
        self.orientation = orientation
    }

    /// Reads the header of `bytes`. Sniffs the format from the content, never from a file name.
    public static func probe(_ bytes: [UInt8]) throws(RenderError) -> ImageInfo {
        try Source(bytes).info
    }

    init(header image: VImage, format: ImageFormat) {
        let swapsAxes = image.orientation >= 5
        let pages = max(1, image.pageCount)
        let pageHeight = pages > 1 ? image.pageHeight : image.height
        self.init(
            format: format,
            width: swapsAxes ? pageHeight : image.width,
            height: swapsAxes ? image.width : pageHeight,
            pages: pages,
            hasAlpha: image.hasAlpha,
            orientation: image.orientation
        )
        needsColourConversion = image.interpretation == VIPS_INTERPRETATION_CMYK || image.hasForeignProfile
    }
}

/// Finds the loader for some bytes and opens them lazily.
enum SourceLoader {
    /// Loaders Derive accepts, by libvips nickname. Everything else (SVG, PDF, ImageMagick, …) is refused.
    private static let loaders: [String: ImageFormat] = [
        "jpegload_buffer": .jpeg, "pngload_buffer": .png, "webpload_buffer": .webp,
        "gifload_buffer": .gif, "tiffload_buffer": .tiff, "heifload_buffer": .heic,
    ]

    static func loaderName(_ bytes: [UInt8]) throws(RenderError) -> (String, ImageFormat) {
        guard !bytes.isEmpty else { throw .emptyInput }
        do { try VipsRuntime.start() } catch { throw .processing(error.description) }
        // HEIF/AVIF (ISO BMFF: "ftyp" at offset 4) are read by a libvips module loaded on first use.
        if bytes.count > 12, bytes[4...7].elementsEqual("ftyp".utf8) { VipsRuntime.require(module: "heif") }
        let found = bytes.withUnsafeBytes { raw in vips_foreign_find_load_buffer(raw.baseAddress, raw.count) }
        guard let found else {
            vips_error_clear()
            throw .unsupportedInput("the content is not a recognised image format")
        }
        // libvips answers with the loader's class name; operations are called by nickname.
        let className = String(cString: found)
        let name = vips_nickname_find(g_type_from_name(found)).map { String(cString: $0) } ?? className
        guard let format = loaders[name] else {
            throw .unsupportedInput("\(name.replacingOccurrences(of: "load_buffer", with: "")) images are not accepted")
        }
        return (name, format)
    }

}

/// Compressed source bytes handed to libvips once, with their header: every later decode of the
/// same render reuses the blob.
struct Source: Sendable {
    let blob: VBlob
    /// The libvips loader nickname (`jpegload_buffer`, …).
    let loader: String
    let info: ImageInfo

    /// Opens the header (no pixels are decoded until something asks for them).
    init(_ bytes: [UInt8]) throws(RenderError) {
        let (name, sniffed) = try SourceLoader.loaderName(bytes)
        do {
            blob = try VBlob(copying: bytes)
            let image = try VipsCall.call(name, ["buffer": .blob(blob)]).image()
            var format = sniffed
            if sniffed == .heic, image.string("heif-compression") == "av1" { format = .avif }
            loader = name
            info = ImageInfo(header: image, format: format)
        } catch {
            throw .corruptInput(error.message)
        }
    }
}

/// An original opened once, to render many times: its bytes handed to libvips and its header read.
/// Immutable, so renders running at the same time can share it (a libvips blob is reference-counted
/// and never written). Holding one keeps the compressed bytes in memory (``byteCount``), not pixels.
public final class PreparedSource: Sendable {
    let source: Source
    /// The compressed size: what keeping this in memory costs.
    public let byteCount: Int
    public var info: ImageInfo { source.info }

    /// Checks the format and reads the header; fails as a render of these bytes would.
    public init(_ bytes: [UInt8]) throws(RenderError) {
        source = try Source(bytes)
        byteCount = bytes.count
    }
}
