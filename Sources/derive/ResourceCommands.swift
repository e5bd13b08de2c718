import ArgumentParser
import Derive
import DeriveStore
import Foundation

struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Upload an original image.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The image file.") var file: String
    @Option(name: .customLong("public-id"), help: "Public id (default: the file name without extension).")
    var publicID: String?
    @Flag(name: .customLong("no-overwrite"), help: "Keep an existing original with the same id.")
    var noOverwrite = false
    @Option(help: "Comma-separated tags.") var tags: String?
    @Flag(help: "Print the resource as one JSON object.") var json = false

    func run() async throws {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw fail(ValidationError("cannot read \(file)"))
        }
        let id = publicID ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let result: UploadResult
        do {
            let options = UploadOptions(
                publicID: id, overwrite: !noOverwrite, tags: tags?.split(separator: ",").map(String.init) ?? [])
            result = try await global.withDerive { try await $0.upload([UInt8](data), options: options) }
        } catch { throw fail(error) }
        if json {
            try printJSON(ResourceJSON(result.resource, derived: nil, existing: result.existing))
        } else {
            let r = result.resource
            let note = result.existing ? " (existing, kept)" : result.overwritten ? " (new version)" : ""
            print("\(r.key.publicID) v\(r.version) \(r.format) \(r.width)x\(r.height) \(r.bytes) bytes\(note)")
        }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show an original and its derived images.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Public id.") var publicID: String
    @Flag(help: "Print one JSON object.") var json = false

    func run() async throws {
        let details: ResourceDetails?
        do { details = try await global.withDerive { try await $0.resource(publicID: publicID) } } catch {
            throw fail(error)
        }
        guard let details else { throw fail(ValidationError("resource not found: \(publicID)")) }
        if json {
            try printJSON(ResourceJSON(details.resource, derived: details.derived, existing: nil))
            return
        }
        let r = details.resource
        print("\(r.key.publicID) v\(r.version) \(r.format) \(r.width)x\(r.height) \(r.bytes) bytes blob \(r.blob)")
        for d in details.derived {
            print(
                "  \(d.id) \(d.transformation.isEmpty ? "-" : d.transformation) \(d.format) \(d.width)x\(d.height) \(d.bytes) bytes \(d.renderer)\(d.renderer == Derive.rendererFingerprint ? "" : " (stale)")"
            )
        }
    }
}

/// The JSON shape of a resource, using Cloudinary's field names.
struct ResourceJSON: Encodable {
    var public_id: String
    var resource_type: String
    var type: String
    var version: Int
    var format: String
    var width: Int
    var height: Int
    var bytes: Int
    var etag: String
    var created_at: Date
    var tags: [String]
    var existing: Bool?
    var derived: [DerivedJSON]?

    init(_ r: ResourceRecord, derived: [DerivativeRecord]?, existing: Bool?) {
        public_id = r.key.publicID
        resource_type = r.key.resourceType
        type = r.key.type
        version = r.version
        format = r.format
        width = r.width
        height = r.height
        bytes = r.bytes
        etag = r.etag
        created_at = r.createdAt
        tags = r.tags
        self.existing = existing
        self.derived = derived?.map(DerivedJSON.init)
    }
}

struct DerivedJSON: Encodable {
    var id: String
    var transformation: String
    var format: String
    var bytes: Int
    var width: Int
    var height: Int
    /// The renderer fingerprint that made it (`derive-render/<n>;libvips/<version>`).
    var renderer: String
    var stale: Bool

    init(_ d: DerivativeRecord) {
        id = d.id
        transformation = d.transformation
        format = d.format
        bytes = d.bytes
        width = d.width
        height = d.height
        renderer = d.renderer
        stale = d.renderer != Derive.rendererFingerprint
    }
}
