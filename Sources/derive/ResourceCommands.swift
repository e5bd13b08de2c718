import ArgumentParser
import Derive
import DeriveStore
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

struct Upload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload an original image, or every image in a folder.",
        discussion: """
            With --folder, every file under the folder is uploaded (public id: the relative path without
            its extension, after --prefix); progress goes to stderr, a file that fails is reported and
            the rest still upload; the exit status is 1 when any failed.

            Examples:
              derive upload photo.jpg --public-id shop/photo --tags summer,sale
              derive upload --folder ./catalog --prefix products/ --json
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "The image file.") var file: String?
    @Option(help: "Upload every file under this folder instead.") var folder: String?
    @Option(help: "With --folder: put this in front of every public id.") var prefix = ""
    @Option(name: .customLong("public-id"), help: "Public id (default: the file name without extension).")
    var publicID: String?
    @Flag(name: .customLong("no-overwrite"), help: "Keep an existing original with the same id.")
    var noOverwrite = false
    @Option(help: "Comma-separated tags.") var tags: String?
    @Flag(help: "Print the resource as one JSON object (one per line with --folder).") var json = false

    var options: UploadOptions {
        UploadOptions(
            publicID: nil, overwrite: !noOverwrite, tags: tags?.split(separator: ",").map(String.init) ?? [])
    }

    func run() async throws {
        if let folder {
            guard file == nil, publicID == nil else {
                throw fail(ValidationError("--folder takes no file and no --public-id"))
            }
            return try await uploadFolder(folder)
        }
        guard let file else { throw fail(ValidationError("give an image file or --folder")) }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw fail(ValidationError("cannot read \(file)"))
        }
        var options = self.options
        options.publicID = publicID ?? URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let result: UploadResult
        do {
            result = try await global.withDerive { [options] in try await $0.upload([UInt8](data), options: options) }
        } catch { throw fail(error) }
        printResult(result)
    }

    func printResult(_ result: UploadResult) {
        if json {
            try? printJSON(ResourceJSON(result.resource, derived: nil, existing: result.existing))
        } else {
            let r = result.resource
            let note = result.existing ? " (existing, kept)" : result.overwritten ? " (new version)" : ""
            print("\(r.key.publicID) v\(r.version) \(r.format) \(r.width)x\(r.height) \(r.bytes) bytes\(note)")
        }
    }

    /// Every regular, non-hidden file under `folder`, sorted, with its public id.
    static func files(in folder: String, prefix: String) throws -> [(path: String, publicID: String)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("not a folder: \(folder)")
        }
        let root = URL(fileURLWithPath: folder).standardizedFileURL
        guard let walker = FileManager.default.enumerator(atPath: root.path) else {
            throw ValidationError("cannot read \(folder)")
        }
        var files: [(String, String)] = []
        while let relative = walker.nextObject() as? String {
            let path = root.appendingPathComponent(relative).path
            var directory: ObjCBool = false
            guard !relative.split(separator: "/").contains(where: { $0.hasPrefix(".") }),
                FileManager.default.fileExists(atPath: path, isDirectory: &directory), !directory.boolValue
            else { continue }
            files.append((path, prefix + (relative as NSString).deletingPathExtension))
        }
        return files.sorted { $0.1 < $1.1 }
    }

    private func uploadFolder(_ folder: String) async throws {
        let files: [(path: String, publicID: String)]
        do { files = try Self.files(in: folder, prefix: prefix) } catch { throw fail(error) }
        let display = ProgressDisplay(terminal: isatty(STDERR_FILENO) == 1)
        var failures: [(String, String)] = []
        let started = DispatchTime.now().uptimeNanoseconds
        do {
            try await global.withDerive { derive in
                for (index, file) in files.enumerated() {
                    var options = self.options
                    options.publicID = file.publicID
                    do {
                        guard let data = FileManager.default.contents(atPath: file.path) else {
                            throw ValidationError("cannot read the file")
                        }
                        printResult(try await derive.upload([UInt8](data), options: options))
                    } catch {
                        failures.append((file.path, "\(error)"))
                    }
                    display.showCount(
                        index + 1, of: files.count, failed: failures.count,
                        elapsed: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
                }
            }
        } catch { throw fail(error) }
        display.end()
        FileHandle.standardError.write(
            Data("uploaded \(files.count - failures.count) of \(files.count) files\n".utf8))
        for (path, reason) in failures { FileHandle.standardError.write(Data("failed: \(path): \(reason)\n".utf8)) }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

struct Show: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show an original and its derived images (with each one's renderer fingerprint).",
        discussion: """
            Examples:
              derive show shop/coffee
              derive show shop/coffee --json
            """)

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
