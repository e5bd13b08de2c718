import DeriveTransform

/// Decides the output format of a request: an explicit `f_` wins, then the URL extension, then
/// the original's format. `f_auto` picks from the `Accept` header.
public enum FormatNegotiation {
    public static func outputFormat(
        transformation: Transformation, extension ext: String?, source: ImageFormat, accept: String?
    ) throws(RenderError) -> ImageFormat {
        let requested = transformation.components.reversed().lazy.compactMap(\.format).first
        switch requested {
        case .auto?:
            return negotiate(accept: accept, source: source)
        case .named(let name)?:
            guard let format = ImageFormat(name: name) else { throw .unsupportedFormat(name) }
            return format
        case nil:
            guard let ext, !ext.isEmpty else { return source }
            guard let format = ImageFormat(name: ext) else { throw .unsupportedFormat(ext) }
            return format
        }
    }

    /// avif > webp > the source's own kind (png when it may carry alpha, else jpg).
    public static func negotiate(accept: String?, source: ImageFormat) -> ImageFormat {
        let accept = accept?.lowercased() ?? ""
        if accept.contains("image/avif") { return .avif }
        if accept.contains("image/webp") { return .webp }
        return source.supportsAlpha && source != .jpeg ? .png : .jpeg
    }
}
