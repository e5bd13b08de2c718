import Derive
import DeriveRender
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
        let parameters = try await APIParameters.parse(
            request, maxBodyBytes: limit, timeoutSeconds: derive.configuration.bodyTimeoutSeconds)
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
        case "context":
            _ = try auth.uploadCaller(parameters, request: request, excludingNotificationParameters: true)
            return try await context(parameters)
        case "rename":
            _ = try auth.uploadCaller(parameters, request: request)
            return try await rename(parameters, json: json)
        default:
            throw APIError.notFound("Derive does not implement the Upload API action \"\(action.prefix(40))\"")
        }
    }

    // MARK: - upload

    private func upload(_ p: APIParameters, caller: APIConfiguration.KeyPair, json: APIRepresentation)
        async throws -> Response
    {
        let (bytes, filename) = try await fileBytes(p)
        var options = UploadOptions(
            publicID: try publicID(p, filename: filename), type: p.string("type") ?? "upload",
            overwrite: try p.bool("overwrite") ?? true, tags: p.commaList("tags"),
            invalidate: try p.bool("invalidate") ?? false, notificationURL: p.string("notification_url"))
        if options.type != "upload" && options.type != "private" && options.type != "authenticated" {
            throw APIError.badRequest("type must be upload, private or authenticated")
        }
        options.tags = options.tags.map { $0.trimmingCharacters(in: .whitespaces) }
        options.context = try Self.context(p.string("context"))
        options.format = try format(p.string("format"), parameter: "format")
        let allowed = try p.commaList("allowed_formats").compactMap { try format($0, parameter: "allowed_formats") }
        if !allowed.isEmpty { options.allowedFormats = Set(allowed) }
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

    private func format(_ name: String?, parameter: String) throws(APIError) -> ImageFormat? {
        guard let name, !name.isEmpty else { return nil }
        guard let format = ImageFormat(name: name.trimmingCharacters(in: .whitespaces)) else {
            throw .badRequest("\(parameter): \(name.prefix(20)) is not an image format Derive writes")
        }
        return format
    }

    /// The image: a multipart file part, a data URI, or a remote URL on the allow-list.
    private func fileBytes(_ p: APIParameters) async throws -> ([UInt8], String?) {
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
        let scheme = text.prefix(8).lowercased()
        if scheme.hasPrefix("http:") || scheme.hasPrefix("https:") {
            let fetched = try await RemoteFetcher(
                policy: derive.configuration.api.remote, maxBytes: derive.configuration.maxUploadBytes
            ).fetch(text)
            guard !fetched.bytes.isEmpty else { throw APIError.badRequest("the remote file is empty") }
            return fetched
        }
        if scheme.hasPrefix("ftp:") || scheme.hasPrefix("s3:") || scheme.hasPrefix("gs:") {
            throw APIError.badRequest("Remote files are fetched over http and https only")
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

    /// `eager=c_fill,w_100|w_50/png`: each rendered now (stored like any derivative) and reported;
    /// with `eager_async`, rendered in the background, reported as `processing` with a `batch_id`,
    /// and announced to `eager_notification_url` (an `eager` event) when done.
    private func renderEager(_ p: APIParameters, resource: ResourceRecord, json: APIRepresentation)
        async throws -> [JSONValue]
    {
        guard let list = p.string("eager") else { return [] }
        let requests = EagerRequest.list(list)
        if try p.bool("eager_async") == true {
            // Parse now, so that a bad transformation is a 400 and not a silent background failure.
            for request in requests { _ = try await derive.parseTransformation(request.transformation) }
            let batchID = UUID().uuidString.lowercased()
            derive.renderEagerInBackground(
                requests, of: resource, batchID: batchID, notificationURL: p.string("eager_notification_url"))
            return requests.map { request in
                let url = json.url(
                    resource.key, version: resource.version, transformation: request.transformation,
                    format: request.format ?? resource.format)
                return .object([
                    "status": .string("processing"), "batch_id": .string(batchID),
                    "transformation": .string(request.transformation), "url": .string(url),
                    "secure_url": .string(APIRepresentation.secure(url)),
                ])
            }
        }
        let results = try await derive.renderEager(requests, of: resource)
        return zip(requests, results).map { request, rendered in
            let canonical = rendered.derivative?.transformation ?? request.transformation
            let url = json.url(
                resource.key, version: resource.version, transformation: canonical, format: rendered.format.rawValue)
            return .object([
                "transformation": .string(canonical), "width": .int(rendered.derivative?.width ?? 0),
                "height": .int(rendered.derivative?.height ?? 0), "bytes": .int(rendered.derivative?.bytes ?? 0),
                "format": .string(rendered.format.rawValue), "url": .string(url),
                "secure_url": .string(APIRepresentation.secure(url)),
            ])
        }
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
        let context = try Self.context(p.string("context"))
        if !context.isEmpty {
            try await derive.updateContext(.add, context: context, publicIDs: [publicID], type: type)
            resource.context.merge(context) { _, new in new }
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

    // MARK: - rename and context

    private func rename(_ p: APIParameters, json: APIRepresentation) async throws -> Response {
        guard let from = p.string("from_public_id"), let to = p.string("to_public_id") else {
            throw APIError.badRequest("Missing required parameter - from_public_id and to_public_id")
        }
        let outcome: RenameOutcome
        do {
            outcome = try await derive.rename(
                publicID: from, to: to, type: p.string("type") ?? "upload", toType: p.string("to_type"),
                overwrite: try p.bool("overwrite") ?? false, invalidate: try p.bool("invalidate") ?? false,
                notificationURL: p.string("notification_url"))
        } catch DeriveError.notFound {
            throw APIError.notFound("Resource not found - \(from.prefix(200))")
        }
        return apiResponse(json.resource(outcome.resource))
    }

    private func context(_ p: APIParameters) async throws -> Response {
        let ids = p.list("public_ids")
        guard !ids.isEmpty else { throw APIError.badRequest("Missing required parameter - public_ids") }
        let command: ContextCommand
        switch p.string("command") ?? "" {
        case "add": command = .add
        case "remove_all": command = .removeAll
        default: throw APIError.badRequest("command must be add or remove_all")
        }
        let found = try await derive.updateContext(
            command, context: try Self.context(p.string("context")), publicIDs: ids, type: p.string("type") ?? "upload")
        return apiResponse(["public_ids": .strings(found)])
    }

    /// Cloudinary's context text: `k=v|k2=v2`, with `\=` and `\|` escaping those characters in values.
    static func context(_ text: String?) throws(APIError) -> [String: String] {
        guard let text, !text.isEmpty else { return [:] }
        var pairs: [String: String] = [:]
        var key = ""
        var value = ""
        var inValue = false
        var escaped = false
        func finish() throws(APIError) {
            let name = key.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty else {
                if inValue || !value.isEmpty { throw .badRequest("context has a value without a key") }
                return
            }
            pairs[name] = value
        }
        for character in text {
            if escaped {
                if inValue { value.append(character) } else { key.append(character) }
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == "|" {
                try finish()
                (key, value, inValue) = ("", "", false)
            } else if character == "=" && !inValue {
                inValue = true
            } else if inValue {
                value.append(character)
            } else {
                key.append(character)
            }
        }
        try finish()
        return pairs
    }
}
