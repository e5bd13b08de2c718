/// Why an image could not be read or rendered. Each case carries enough to tell the user what to fix.
public enum RenderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input has no bytes.
    case emptyInput
    /// The bytes are not an image format Derive reads.
    case unsupportedInput(String)
    /// The image is damaged (for example truncated) and cannot be decoded.
    case corruptInput(String)
    /// The image header declares more pixels than the configured limit (a decompression bomb guard).
    case tooManyPixels(width: Int, height: Int, limit: Int)
    /// The requested output would be larger than the configured limit.
    case outputTooLarge(width: Int, height: Int, limit: Int)
    /// The transformation is valid Cloudinary syntax that this renderer does not implement.
    case unsupportedTransformation(String)
    /// The requested output format is unknown or cannot be written by this libvips build.
    case unsupportedFormat(String)
    /// The source has more frames than the configured limit.
    case tooManyFrames(count: Int, limit: Int)
    /// An `l_`/`u_` layer names an original that does not exist.
    case layerNotFound(String)
    /// Rendering took longer than the configured limit and was stopped.
    case timeout(seconds: Int)
    /// libvips failed while rendering.
    case processing(String)
    /// A number from the request (URL value, expression, variable) is out of its documented range.
    case valueOutOfRange(String)
    /// A client-hint header the transformation uses is malformed or out of range.
    case invalidHint(String)

    public var description: String {
        switch self {
        case .emptyInput: "the image is empty (0 bytes)"
        case .unsupportedInput(let detail): "not a supported image: \(detail)"
        case .corruptInput(let detail): "the image is corrupt or truncated: \(detail)"
        case .tooManyPixels(let width, let height, let limit):
            "the image is \(width)x\(height) (\(width * height) pixels), over the limit of \(limit) pixels"
        case .outputTooLarge(let width, let height, let limit):
            "the output would be \(width)x\(height) (\(width * height) pixels), over the limit of \(limit) pixels"
        case .unsupportedTransformation(let detail): detail
        case .unsupportedFormat(let name): "unsupported output format \"\(name)\""
        case .tooManyFrames(let count, let limit): "the image has \(count) frames, over the limit of \(limit)"
        case .layerNotFound(let id): "layer image \"\(id)\" not found"
        case .timeout(let seconds): "rendering took longer than \(seconds) s and was stopped"
        case .processing(let detail): "rendering failed: \(detail)"
        case .valueOutOfRange(let detail): detail
        case .invalidHint(let detail): detail
        }
    }

    /// True when the fault lies in the request or the source image rather than in the server.
    public var isClientError: Bool {
        if case .processing = self { return false }
        if case .timeout = self { return false }
        return true
    }
}
