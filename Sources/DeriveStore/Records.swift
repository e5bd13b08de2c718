import Foundation

/// Identifies an original: Cloudinary's `(resource_type, type, public_id)`.
public struct ResourceKey: Sendable, Hashable, Codable, CustomStringConvertible {
    public var resourceType: String
    public var type: String
    public var publicID: String

    public init(resourceType: String = "image", type: String = "upload", publicID: String) {
        self.resourceType = resourceType
        self.type = type
        self.publicID = publicID
    }

    public var description: String { "\(resourceType)/\(type)/\(publicID)" }
}

/// An original as the catalog records it.
public struct ResourceRecord: Sendable, Hashable, Codable {
    public var key: ResourceKey
    /// Unix seconds; strictly increasing per public id.
    public var version: Int
    /// SHA-256 hex of the original's bytes.
    public var blob: String
    public var format: String
    public var width: Int
    public var height: Int
    public var bytes: Int
    public var createdAt: Date
    /// Tags, sorted and without duplicates.
    public var tags: [String]
    /// Cloudinary's contextual metadata (`context.custom`): key-value pairs.
    public var context: [String: String]

    public init(
        key: ResourceKey, version: Int, blob: String, format: String, width: Int, height: Int, bytes: Int,
        createdAt: Date, tags: [String] = [], context: [String: String] = [:]
    ) {
        self.key = key
        self.version = version
        self.blob = blob
        self.format = format
        self.width = width
        self.height = height
        self.bytes = bytes
        self.createdAt = createdAt
        self.tags = Self.normalizedTags(tags)
        self.context = context
    }

    /// `context` as stored: a JSON object with sorted keys, nil when empty.
    public static func contextText(_ context: [String: String]) -> String? {
        guard !context.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(context)).map { String(decoding: $0, as: UTF8.self) }
    }

    static func context(fromText text: String?) -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        return (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
    }

    /// The ETag Cloudinary reports for an original: the content hash's first 32 hex digits.
    public var etag: String { String(blob.prefix(32)) }

    /// Cloudinary's `asset_id`: 32 hex digits, stable for the public id across versions.
    public var assetID: String {
        ContentHash.sha256Hex(of: "asset\u{0}\(key.resourceType)\u{0}\(key.type)\u{0}\(key.publicID)", digits: 32)
    }

    /// Cloudinary's `version_id`: 32 hex digits, different for every version.
    public var versionID: String {
        ContentHash.sha256Hex(
            of: "version\u{0}\(key.resourceType)\u{0}\(key.type)\u{0}\(key.publicID)\u{0}\(version)\u{0}\(blob)",
            digits: 32)
    }

    /// Tags as stored: trimmed, non-empty, unique, sorted.
    public static func normalizedTags(_ tags: [String]) -> [String] {
        Array(Set(tags.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })).sorted()
    }
}

/// A derived image of one version of an original.
public struct DerivativeRecord: Sendable, Hashable, Codable {
    /// 32 hex digits, stable for (original, version, transformation, format).
    public var id: String
    public var key: ResourceKey
    public var version: Int
    /// The canonical transformation string ("" for none).
    public var transformation: String
    public var format: String
    public var blob: String
    public var bytes: Int
    public var width: Int
    public var height: Int
    /// What produced it (renderer and libvips version).
    public var renderer: String
    public var createdAt: Date

    public init(
        key: ResourceKey, version: Int, transformation: String, format: String, blob: String, bytes: Int,
        width: Int, height: Int, renderer: String, createdAt: Date
    ) {
        self.init(
            id: Self.id(key: key, version: version, transformation: transformation, format: format), key: key,
            version: version, transformation: transformation, format: format, blob: blob, bytes: bytes, width: width,
            height: height, renderer: renderer, createdAt: createdAt)
    }

    /// A row read back from the catalog, with its stored id (no hashing).
    init(
        id: String, key: ResourceKey, version: Int, transformation: String, format: String, blob: String, bytes: Int,
        width: Int, height: Int, renderer: String, createdAt: Date
    ) {
        self.id = id
        self.key = key
        self.version = version
        self.transformation = transformation
        self.format = format
        self.blob = blob
        self.bytes = bytes
        self.width = width
        self.height = height
        self.renderer = renderer
        self.createdAt = createdAt
    }

    /// The derivative key as a 32-hex id: the same inputs always give the same id.
    public static func id(key: ResourceKey, version: Int, transformation: String, format: String) -> String {
        let text =
            "\(key.resourceType)\u{0}\(key.type)\u{0}\(key.publicID)\u{0}\(version)\u{0}\(transformation)\u{0}\(format)"
        return ContentHash.sha256Hex(of: text, digits: 32)
    }
}
