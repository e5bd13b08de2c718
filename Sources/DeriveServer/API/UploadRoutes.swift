import Derive
import DeriveStore
import DeriveTransform
import Foundation
import HTTPTypes
import Hummingbird

/// The Upload API (`POST /v1_1/<cloud>/<resource_type>/<action>`, cloudinary-api.md §4): signed
/// requests (`api_key`, `timestamp`, `signature` among the parameters), each action a call into
/// the `Derive` library, answered in Cloudinary's shapes.
struct UploadRoutes: Sendable {
    let derive: Derive
    let auth: APIAuth

    func handle(_ request: Request, resourceType: String, action: String) async throws -> Response {
        guard ["image", "auto"].contains(resourceType) else {
            throw APIError.badRequest("Derive stores images only (resource type \(resourceType.prefix(40)))")
        }
        // An upload body carries the image plus form overhead; other actions are small.
        let limit = action == "upload" ? derive.configuration.maxUploadBytes + 64 * 1024 : APIParameters.maxFormBytes
        let parameters = try await APIParameters.parse(request, maxBodyBytes: limit)
        let json = APIRepresentation(configuration: derive.configuration, request: request)
        switch action {
        case "upload":
            let caller = try auth.uploadCaller(parameters, request: request)
            return try await upload(parameters, caller: caller, json: json)
        case "destroy":
            _ = try auth.uploadCaller(parameters, request: request)
            guard let publicID = parameters.string("public_id") else {
                throw APIError.badRequest("Missing required parameter - public_id")
            }
            let outcome = try await derive.destroy(
                publicID: publicID, type: parameters.string("type") ?? "upload",
                invalidate: try parameters.bool("invalidate") ?? false,
                notificationURL: parameters.string("notification_url"))
            return apiResponse(["result": .string(outcome.status == .deleted ? "ok" : "not found")])
        case "explicit":
            let caller = try auth.uploadCaller(parameters, request: request)
            return try await explicit(parameters, caller: caller, json: json)
        case "tags":
            _ = try auth.uploadCaller(parameters, request: request, excludingNotificationParameters: true)
            return try await tags(parameters)
        default:
            throw APIError.notFound("Derive does not implement the Upload API action \"\(action.prefix(40))\"")
        }
    }

    // MARK: - upload

    private func upload(_ p: APIParameters, caller: APIConfiguration.KeyPair, json: APIRepresentation)
        async throws -> Response
    {
        let (bytes, filename) = try fileBytes(p)
        var options = UploadOptions(
            publicID: try publicID(p, filename: filename), type: p.string("type") ?? "upload",
            overwrite: try p.bool("overwrite") ?? true, tags: p.commaList("tags"),
            invalidate: try p.bool("invalidate") ?? false, notificationURL: p.string("notification_url"))
        if options.type != "upload" && options.type != "private" && options.type != "authenticated" {
            throw APIError.badRequest("type must be upload, private or authenticated")
        }
        options.tags = options.tags.map { $0.trimmingCharacters(in: .whitespaces) }
        let result = try await derive.upload(bytes, options: options)
        var body = json.resource(result.resource)
        body["signature"] = .string(
            Signatures.responseSignature(
                publicID: result.resource.key.publicID, version: result.resource.version, secret: caller.secret))
        body["api_key"] = .string(caller.key)
        body["overwritten"] = .bool(result.overwritten)
        if result.existing { body["existing"] = .bool(true) }
        if let filename { body["original_filename"] = .string(Self.baseName(filename)) }
        let eager = try await renderEager(p, resource: result.resource, json: json)
        if !eager.isEmpty { body["eager"] = .array(eager) }
        return apiResponse(body)
    }

    /// The image: a multipart file part, a data URI, or (refused here) a remote URL.
    private func fileBytes(_ p: APIParameters) throws -> ([UInt8], String?) {
        if let file = p.file("file") {
            guard !file.bytes.isEmpty else { throw APIError.badRequest("the uploaded file is empty") }
            return (file.bytes, file.filename)
        }
        guard let text = p.string("file") else { throw APIError.badRequest("Missing required parameter - file") }
        if text.hasPrefix("data:") {
            guard let comma = text.firstIndex(of: ","), text[..<comma].hasSuffix(";base64"),
                let data = Data(
                    base64Encoded: String(text[text.index(after: comma)...]), options: .ignoreUnknownCharacters),
                !data.isEmpty
            else { throw APIError.badRequest("file is not a base64 data URI") }
            return ([UInt8](data), nil)
        }
        if text.hasPrefix("http:") || text.hasPrefix("https:") || text.hasPrefix("ftp:") || text.hasPrefix("s3:")
            || text.hasPrefix("gs:")
        {
            throw APIError.badRequest("Remote files are not fetched: upload the bytes (no remote host is allowed)")
        }
        throw APIError.badRequest("file must be a file part, a data URI or a URL")
    }

    /// `public_id`, else `use_filename` (+ 6 random characters unless `unique_filename=false`), else
    /// random; `folder` in front.
    private func publicID(_ p: APIParameters, filename: String?) throws -> String? {
        var id = p.string("public_id")
        if id == nil, try p.bool("use_filename") == true, let filename {
            var base = Self.baseName(filename)
            if let dot = base.lastIndex(of: "."), dot > base.startIndex { base = String(base[..<dot]) }
            if !base.isEmpty {
                id = try p.bool("unique_filename") == false ? base : base + "_" + Self.randomSuffix()
            }
        }
        guard let folder = p.string("folder")?.trimmingCharacters(in: CharacterSet(charactersIn: "/")), !folder.isEmpty
        else { return id }
        return folder + "/" + (id ?? Self.randomID())
    }

    static func baseName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }

    private static func randomSuffix() -> String {
        String((0..<6).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }

    private static func randomID() -> String {
        String((0..<20).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
    }

    // MARK: - eager and explicit

    /// `eager=c_fill,w_100|w_50/png`: each rendered now (stored like any derivative) and reported.
    private func renderEager(_ p: APIParameters, resource: ResourceRecord, json: APIRepresentation)
        async throws -> [JSONValue]
    {
        guard let list = p.string("eager") else { return [] }
        var entries: [JSONValue] = []
        for item in list.split(separator: "|").map(String.init).filter({ !$0.isEmpty }).prefix(20) {
            var transformation = item
            var format = resource.format
            if let slash = item.lastIndex(of: "/"),
                !item[item.index(after: slash)...].contains(where: { $0 == "_" || $0 == "," })
            {
                format = String(item[item.index(after: slash)...])
                transformation = String(item[..<slash])
            }
            let rendered = try await derive.render(
                publicID: resource.key.publicID, transformation: transformation, format: format, type: resource.key.type
            )
            let canonical = rendered.derivative?.transformation ?? transformation
            let url = json.url(
                resource.key, version: resource.version, transformation: canonical, format: rendered.format.rawValue)
            entries.append(
                .object([
                    "transformation": .string(canonical), "width": .int(rendered.derivative?.width ?? 0),
                    "height": .int(rendered.derivative?.height ?? 0), "bytes": .int(rendered.derivative?.bytes ?? 0),
                    "format": .string(rendered.format.rawValue), "url": .string(url),
                    "secure_url": .string(APIRepresentation.secure(url)),
                ]))
        }
        return entries
    }

    private func explicit(_ p: APIParameters, caller: APIConfiguration.KeyPair, json: APIRepresentation)
        async throws -> Response
    {
        guard let publicID = p.string("public_id") else {
            throw APIError.badRequest("Missing required parameter - public_id")
        }
        let type = p.string("type") ?? "upload"
        guard let details = try await derive.resource(publicID: publicID, type: type) else {
            throw APIError.notFound("Resource not found - \(publicID)")
        }
        var resource = details.resource
        let tags = p.commaList("tags")
        if !tags.isEmpty {
            try await derive.updateTags(.replace, tags: tags, publicIDs: [publicID], type: type)
            resource.tags = ResourceRecord.normalizedTags(tags)
        }
        var body = json.resource(resource)
        body["signature"] = .string(
            Signatures.responseSignature(publicID: publicID, version: resource.version, secret: caller.secret))
        body["api_key"] = .string(caller.key)
        body["eager"] = .array(try await renderEager(p, resource: resource, json: json))
        return apiResponse(body)
    }

    // MARK: - tags

    private func tags(_ p: APIParameters) async throws -> Response {
        let ids = p.list("public_ids")
        guard !ids.isEmpty else { throw APIError.badRequest("Missing required parameter - public_ids") }
        let command: TagCommand
        switch p.string("command") ?? "" {
        case "add": command = .add
        case "remove": command = .remove
        case "replace": command = .replace
        case "remove_all": command = .removeAll
        case "set_exclusive": command = .setExclusive
        default: throw APIError.badRequest("command must be add, remove, replace, remove_all or set_exclusive")
        }
        let tags = p.commaList("tag")
        _ = try await derive.updateTags(command, tags: tags, publicIDs: ids, type: p.string("type") ?? "upload")
        return apiResponse(["public_ids": .strings(ids)])
    }
}
