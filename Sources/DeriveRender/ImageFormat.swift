/// An image file format Derive can read or write. The raw value is the canonical URL extension.
public enum ImageFormat: String, Sendable, Hashable, CaseIterable, Codable {
    case jpeg = "jpg"
    case png
    case webp
    case avif
    case gif
    case tiff
    case heic

    /// Accepts the spellings used in URLs and `f_` (`jpg`, `jpeg`, `jpe`, `tif`, `heif`, …).
    public init?(name: String) {
        switch name.lowercased() {
        case "jpg", "jpeg", "jpe": self = .jpeg
        case "png": self = .png
        case "webp": self = .webp
        case "avif": self = .avif
        case "gif": self = .gif
        case "tif", "tiff": self = .tiff
        case "heic", "heif": self = .heic
        default: return nil
        }
    }

    public var contentType: String {
        switch self {
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .webp: "image/webp"
        case .avif: "image/avif"
        case .gif: "image/gif"
        case .tiff: "image/tiff"
        case .heic: "image/heic"
        }
    }

    /// Whether the format can carry an alpha channel.
    public var supportsAlpha: Bool { self != .jpeg }
}
