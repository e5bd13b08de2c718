import DeriveRender
import DeriveStore

/// The bytes of a delivered image and where they came from.
public struct RenderResult: Sendable {
    public var bytes: [UInt8]
    public var format: ImageFormat
    /// SHA-256 of the bytes.
    public var blob: String
    /// True when served from the store without rendering.
    public var hit: Bool
    /// The derivative record, nil when the original itself was served.
    public var derivative: DerivativeRecord?
    /// `fl_attachment[:name]`: serve as a download (with this file name when not empty).
    public var attachment: String?
    /// Request headers that shaped the result (client hints, `Accept` for `f_auto`): the `Vary` list.
    public var vary: [String] = []
    /// The original it was derived from (the default image's when `isDefaultImage`).
    public var resource: ResourceRecord?
    /// True when `d_` replaced a missing original.
    public var isDefaultImage = false

    public init(bytes: [UInt8], format: ImageFormat, blob: String, hit: Bool, derivative: DerivativeRecord?) {
        self.bytes = bytes
        self.format = format
        self.blob = blob
        self.hit = hit
        self.derivative = derivative
    }

    public var contentType: String { format.contentType }
    /// A strong validator: equal bytes have equal ETags.
    public var etag: String { "\"\(blob.prefix(32))\"" }
}

/// What `upload` stored.
public struct UploadResult: Sendable {
    public var resource: ResourceRecord
    /// True when an existing original was replaced by a new version.
    public var overwritten: Bool
    /// True when the id existed, `overwrite` was false and the existing original was kept.
    public var existing: Bool
}

/// An original and its derived images.
public struct ResourceDetails: Sendable {
    public var resource: ResourceRecord
    public var derived: [DerivativeRecord]
}
