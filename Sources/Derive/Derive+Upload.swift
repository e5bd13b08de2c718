import DeriveRender
import DeriveStore
import DeriveTransform
import Foundation

/// Options of an upload (Cloudinary's upload parameters that concern storage and lifecycle).
public struct UploadOptions: Sendable, Hashable {
    /// nil makes a random 20-character id.
    public var publicID: String?
    /// The delivery type: `upload`, `private`, `authenticated`.
    public var type: String
    /// Replace an existing original with a new version (true), or keep it and report `existing`.
    public var overwrite: Bool
    /// Tags for the original. On overwrite, an empty list keeps the existing tags.
    public var tags: [String]
    /// Ask caches to purge the old version's URLs (recorded as `requested` in invalidation events).
    public var invalidate: Bool
    /// A URL that receives this upload's notification (Cloudinary's `notification_url`).
    public var notificationURL: String?
    /// Convert the original to this format before storing it (Cloudinary's `format`). With
    /// `allowedFormats`, only an image in a format outside that list is converted.
    public var format: ImageFormat?
    /// The formats an original may have (Cloudinary's `allowed_formats`); nil allows every one.
    /// An image in another format is refused, or converted when `format` is set.
    public var allowedFormats: Set<ImageFormat>?
    /// Contextual metadata (Cloudinary's `context`). On overwrite, empty keeps the existing one.
    public var context: [String: String] = [:]

    public init(
        publicID: String? = nil, type: String = "upload", overwrite: Bool = true, tags: [String] = [],
        invalidate: Bool = false, notificationURL: String? = nil
    ) {
        self.publicID = publicID
        self.type = type
        self.overwrite = overwrite
        self.tags = tags
        self.invalidate = invalidate
        self.notificationURL = notificationURL
    }
}

extension Derive {
    /// Stores an original.
    ///
    /// A new public id gets version = the upload time in Unix seconds. An existing one, with
    /// `overwrite`, gets a strictly greater version, and in the same transaction its old
    /// derivatives are deleted and an `overwrite` and an `invalidate` event (naming every URL that
    /// went stale) are recorded; the old blobs go when nothing references them. Without
    /// `overwrite`, the existing original is kept and returned with `existing == true`.
    ///
    /// The bytes are written durably to the blob store before any row points at them.
    @discardableResult
    public func upload(_ bytes: [UInt8], options: UploadOptions) async throws(DeriveError) -> UploadResult {
        guard bytes.count <= configuration.maxUploadBytes else {
            throw .uploadTooLarge(bytes: bytes.count, limit: configuration.maxUploadBytes)
        }
        let id = try options.publicID.map(PublicID.validate) ?? PublicID.random()
        let tags = try Self.validateTags(options.tags)
        let contextPairs = try Self.validateContext(options.context)
        let (bytes, info) = try await checked(bytes, options: options)
        // Hashed on the render threads: a large original's SHA-256 takes milliseconds, which on the
        // cooperative pool would hold up other requests.
        let stored = bytes
        let hash = try await onPool { () throws(RenderError) in ContentHash.sha256Hex(stored) }
        let key = ResourceKey(type: options.type, publicID: id)
        let record = ResourceRecord(
            key: key, version: Int(Date().timeIntervalSince1970), blob: hash, format: info.format.rawValue,
            width: info.width, height: info.height, bytes: bytes.count, createdAt: Date(), tags: tags,
            context: contextPairs)
        let existing = try await storing { try await self.catalog.resource(key) }
        if let existing, !options.overwrite {
            return UploadResult(resource: existing, overwritten: false, existing: true)
        }
        try await lifecycle.hooks.before { hook in
            if let existing {
                try await hook.willOverwrite(existing, with: record)
            } else {
                try await hook.willUpload(record)
            }
        }
        try await storing { try await self.blobs.put(bytes, hash: hash) }
        let context = ChangeContext(
            operation: .upload, invalidate: options.invalidate, notificationURL: options.notificationURL)
        let outcome: SaveOutcome
        do {
            outcome = try await committing(context) { recorder throws(StoreError) in
                try await self.catalog.saveResource(record, overwrite: options.overwrite, recorder: recorder)
            }
        } catch {
            await reclaim([hash])
            throw error
        }
        var released = outcome.releasedBlobs
        if outcome.keptExisting {
            if outcome.stored.blob != hash { released.insert(hash) }
        } else {
            // A concurrent reclaim may have set the blob aside between `put` and the commit.
            try await storing { try await self.blobs.ensure(hash, bytes: bytes) }
        }
        await reclaim(released)
        return UploadResult(
            resource: outcome.stored, overwritten: outcome.replaced != nil, existing: outcome.keptExisting)
    }

    /// The bytes to store and their header: the upload's own, or converted as `options` asks. Either
    /// way the whole image was decoded once, so an original that can never render is refused now.
    private func checked(_ bytes: [UInt8], options: UploadOptions) async throws(DeriveError) -> ([UInt8], ImageInfo) {
        let info = try await onPool { () throws(RenderError) in try ImageInfo.probe(bytes) }
        guard info.pixelCount <= configuration.limits.maxInputPixels else {
            throw .render(
                .tooManyPixels(width: info.width, height: info.height, limit: configuration.limits.maxInputPixels))
        }
        let renderer = self.renderer
        if let target = try Self.conversion(of: info.format, options: options) {
            let converted = try await onPool { () throws(RenderError) in
                try renderer.render(bytes, transformation: .empty, format: target).bytes
            }
            return (converted, try await onPool { () throws(RenderError) in try ImageInfo.probe(converted) })
        }
        // A header can be fine over a broken body (a truncated file): decode it all, through
        // shrink-on-load.
        let format = info.format
        _ = try await onPool { () throws(RenderError) in
            try renderer.render(bytes, transformation: Self.uploadCheck, format: format == .gif ? .gif : .png)
        }
        return (bytes, info)
    }

    /// The format an upload is converted to, nil to keep it as it is; throws when its format is not
    /// allowed and no conversion was asked for.
    static func conversion(of format: ImageFormat, options: UploadOptions) throws(DeriveError) -> ImageFormat? {
        if let allowed = options.allowedFormats {
            if allowed.contains(format) { return nil }
            guard let target = options.format else {
                let list = allowed.map(\.rawValue).sorted().joined(separator: ", ")
                throw .invalidArgument("Image format \(format.rawValue) not allowed (allowed: \(list))")
            }
            return target
        }
        guard let target = options.format, target != format else { return nil }
        return target
    }

    /// What an upload renders to prove the image decodes: small, so shrink-on-load does most of it.
    static let uploadCheck = try! Transformation(parsing: "c_limit,w_32,h_32")

    /// Tags must be non-empty, at most 255 bytes, without commas (the wire format's separator) or
    /// control characters.
    static func validateTags(_ tags: [String]) throws(DeriveError) -> [String] {
        for tag in tags {
            let trimmed = tag.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, trimmed.utf8.count <= 255 else {
                throw .invalidArgument("tag \"\(tag)\" is empty or longer than 255 bytes")
            }
            guard !trimmed.contains(","),
                !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
            else { throw .invalidArgument("tag \"\(tag)\" contains a comma or a control character") }
        }
        return ResourceRecord.normalizedTags(tags)
    }
}
