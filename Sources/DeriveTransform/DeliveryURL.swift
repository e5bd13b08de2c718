/// A parsed delivery URL path:
/// `/<cloud>/<resource_type>/<type>[/s--SIG--][/<component>]*[/v<version>]/<public_id>[.<ext>]`,
/// the forms without the cloud name, and the short forms `images/` and `files/` (url_suffix),
/// `iu/` (shorten) and the root path (`/<cloud>/<public_id>.<ext>`).
public struct DeliveryURL: Sendable, Hashable {
    /// How the resource type and delivery type were written.
    public enum Form: Sendable, Hashable {
        /// `/<resource_type>/<type>/…`.
        case standard
        /// `/images/…/<public_id>/<suffix>.<ext>` or `/files/…` (SEO suffix).
        case suffix
        /// `/iu/…` (image/upload, shortened).
        case shortened
        /// `/<cloud>/…/<public_id>` without resource type or type (image/upload).
        case rootPath
    }

    /// The cloud name when the path starts with it.
    public var cloudName: String?
    /// `image`, `video` or `raw`.
    public var resourceType: String
    /// The delivery type (`upload`, `private`, `authenticated`, `fetch`, …).
    public var type: String
    /// The text between `s--` and `--`, when the URL is signed.
    public var signature: String?
    /// The parsed transformation (empty when there is none).
    public var transformation: Transformation
    /// The transformation text exactly as in the URL (for signature checks).
    public var rawTransformation: String
    /// The `v<digits>` version, when present.
    public var version: Int?
    /// The percent-decoded public id, without the extension (raw resources keep theirs).
    public var publicID: String
    /// The extension, lowercased; nil when there is none.
    public var format: String?
    /// The SEO suffix of the `images/`/`files/` form.
    public var urlSuffix: String?
    /// How the path was written.
    public var form: Form
    /// The still-encoded public id plus `.` and the extension as written: the SDK's `source_to_sign`.
    public var rawSource: String

    /// The text covered by the URL signature: the raw transformation and the raw source joined by `/`.
    public var stringToSign: String {
        rawTransformation.isEmpty
            ? rawSource : rawSource.isEmpty ? rawTransformation : rawTransformation + "/" + rawSource
    }

    /// ``stringToSign`` with the source rebuilt from the decoded public id with `smart_escape`.
    public var reescapedStringToSign: String {
        var source = PercentCoding.smartEscape(publicID)
        if let dot = rawSource.utf8.lastIndex(of: 0x2E), resourceType != "raw", type != "fetch" {
            source += String(rawSource[dot...])
        }
        return rawTransformation.isEmpty ? source : rawTransformation + "/" + source
    }

    /// The output format: the last `f_` of the transformation, else the extension.
    public var outputFormat: FormatValue? { transformation.requestedFormat ?? format.map(FormatValue.named) }

    /// Parses a delivery URL path (a query string or fragment is ignored).
    ///
    /// - Parameters:
    ///   - cloudName: when non-nil, a path starting with it is parsed with it; otherwise the forms without
    ///     the cloud name are tried. When nil, a first segment that is not a resource type is the cloud name.
    ///   - named: definitions of named transformations (see ``Transformation/init(parsing:named:media:)``).
    public init(
        path: String, cloudName: String?, named: (String) -> String? = { _ in nil }
    ) throws(TransformationError) {
        self = try withUTF8Bytes(path) { (buf) throws(TransformationError) -> DeliveryURL in
            try URLParser(src: Source(bytes: buf), expectedCloud: cloudName).parse(named: named)
        }
    }

    init(
        cloudName: String?, resourceType: String, type: String, signature: String?, transformation: Transformation,
        rawTransformation: String, version: Int?, publicID: String, format: String?, urlSuffix: String?, form: Form,
        rawSource: String
    ) {
        self.cloudName = cloudName
        self.resourceType = resourceType
        self.type = type
        self.signature = signature
        self.transformation = transformation
        self.rawTransformation = rawTransformation
        self.version = version
        self.publicID = publicID
        self.format = format
        self.urlSuffix = urlSuffix
        self.form = form
        self.rawSource = rawSource
    }

    /// Builds a delivery URL path the way the SDK's `cloudinary_url` does: the public id is
    /// `smart_escape`d (repeated `/` collapsed), `v1` is added for ids containing `/` when no version is
    /// given (unless `forceVersion` is false), and the `s--…--` signature is added when a secret is given.
    public static func path(
        cloudName: String?, resourceType: String, type: String, publicID: String, transformation: Transformation,
        format: String?, version: Int?, signWith secret: String?, algorithm: SignatureAlgorithm = .sha1,
        longSignature: Bool = false, forceVersion: Bool = true, urlSuffix: String? = nil, shorten: Bool = false,
        useRootPath: Bool = false
    ) -> String {
        var transformation = transformation
        var format = format
        let isRemote = publicID.hasPrefix("http:") || publicID.hasPrefix("https:")
        if type == "fetch", let f = format {
            // patch_fetch_format: the format becomes f_ in the last component.
            if var last = transformation.components.last, last.format == nil {
                last.parameters.append(.format(.named(f)))
                last = TransformComponent(parameters: last.parameters)
                transformation.components[transformation.components.count - 1] = last
            } else {
                transformation.components.append(TransformComponent(parameters: [.format(.named(f))]))
            }
            format = nil
        }
        var source = PercentCoding.smartEscape(publicID)
        if !isRemote { source = collapseSlashes(source) }
        var sourceToSign = source
        if let format { sourceToSign += "." + format }
        let version = forcedVersion(version, source: sourceToSign, forceVersion: forceVersion, isRemote: isRemote)
        let canonical = transformation.canonical
        var signature = ""
        if let secret {
            signature =
                "s--"
                + Signatures.urlSignature(
                    transformation: canonical, source: sourceToSign, secret: secret, algorithm: algorithm,
                    long: longSignature) + "--"
        }
        var rt = resourceType
        var ty = type
        var output = source
        if let urlSuffix, !urlSuffix.isEmpty {
            output += "/" + urlSuffix
            if rt == "image" && ty == "upload" {
                rt = "images"
                ty = ""
            } else if rt == "raw" && ty == "upload" {
                rt = "files"
                ty = ""
            }
        }
        if let format { output += "." + format }
        if useRootPath, resourceType == "image", type == "upload" {
            rt = ""
            ty = ""
        } else if shorten, resourceType == "image", type == "upload" {
            rt = "iu"
            ty = ""
        }
        let parts = [cloudName ?? "", rt, ty, signature, canonical, version.map { "v\($0)" } ?? "", output]
        return "/" + parts.filter { !$0.isEmpty }.joined(separator: "/")
    }

    /// The part of a delivery path after the transformation, without an extension:
    /// `[v<version>/]<escaped public id>`, exactly as `path` writes it (`v1` forced for ids in
    /// folders). Cheaper than `path` for callers that add transformations themselves, such as
    /// invalidation events naming every derivative of thousands of originals.
    public static func sourcePath(publicID: String, version: Int?, forceVersion: Bool = true) -> String {
        let isRemote = publicID.hasPrefix("http:") || publicID.hasPrefix("https:")
        var source = PercentCoding.smartEscape(publicID)
        if !isRemote { source = collapseSlashes(source) }
        guard let version = forcedVersion(version, source: source, forceVersion: forceVersion, isRemote: isRemote)
        else { return source }
        return "v\(version)/" + source
    }

    /// SDK rule: a source in a folder gets `v1` unless a version is given or it starts with one.
    static func forcedVersion(_ version: Int?, source: String, forceVersion: Bool, isRemote: Bool) -> Int? {
        if version == nil, forceVersion, !isRemote, source.utf8.contains(0x2F), !startsWithVersion(source) {
            return 1
        }
        return version
    }

    static func collapseSlashes(_ s: String) -> String {
        guard hasDoubleSlash(s) else { return s }
        var out: [UInt8] = []
        for c in s.utf8 where !(c == 0x2F && out.last == 0x2F) { out.append(c) }
        return String(decoding: out, as: UTF8.self)
    }

    static func hasDoubleSlash(_ s: String) -> Bool {
        var previous: UInt8 = 0
        for c in s.utf8 {
            if c == 0x2F, previous == 0x2F { return true }
            previous = c
        }
        return false
    }

    /// Whether `s` starts with `v<digits>/`.
    static func startsWithVersion(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard u.count > 2, u[0] == 0x76 else { return false }
        var i = 1
        while i < u.count, ASCII.isDigit(u[i]) { i += 1 }
        return i > 1 && i < u.count && u[i] == 0x2F
    }
}
