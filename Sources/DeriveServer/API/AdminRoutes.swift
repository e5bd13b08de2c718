import Derive
import DeriveStore
import Foundation
import HTTPTypes
import Hummingbird

/// The Admin API (`/v1_1/<cloud>/…`, cloudinary-api.md §5): Basic auth, a per-key quota, and the
/// endpoints the SDK calls, each a call into the `Derive` library.
struct AdminRoutes: Sendable {
    let derive: Derive
    let auth: APIAuth
    let limiter: RateLimiter

    /// `path` is what follows `/v1_1/<cloud>/`, split and percent-decoded.
    func handle(_ request: Request, context: some RequestContext, path: [String]) async throws -> Response {
        let write = request.method != .get && request.method != .head
        let caller = try auth.adminCaller(request, write: write)
        let quota = limiter.take(caller.key)
        var response: Response
        do {
            guard quota.allowed else {
                throw APIError.rateLimited(
                    "Rate Limit Exceeded: \(quota.limit) Admin API calls per \(Int(limiter.window)) seconds for api_key \(caller.key)"
                )
            }
            let parameters = try await APIParameters.parse(
                request, maxBodyBytes: APIParameters.maxFormBytes,
                timeoutSeconds: derive.configuration.bodyTimeoutSeconds)
            response = try await route(
                request.method, path, parameters,
                APIRepresentation(configuration: derive.configuration, request: request))
        } catch {
            response = errorResponse(error, request: request, context: context)
        }
        response.headers[.rateLimitLimit] = String(quota.limit)
        response.headers[.rateLimitRemaining] = String(quota.remaining)
        response.headers[.rateLimitReset] = RateLimiter.httpDate(quota.reset)
        return response
    }

    private func route(
        _ method: HTTPRequest.Method, _ path: [String], _ p: APIParameters, _ json: APIRepresentation
    ) async throws -> Response {
        switch (method, path.first ?? "") {
        case (.get, "ping"):
            return apiResponse(["status": .string("ok")])
        case (.get, "usage"):
            return try await usage()
        case (_, "resources") where path.count >= 2:
            return try await resources(method, Array(path.dropFirst()), p, json)
        case (.delete, "derived_resources"):
            let ids = p.list("derived_resource_ids")
            guard !ids.isEmpty else { throw APIError.badRequest("Missing required parameter - derived_resource_ids") }
            let result = try await derive.deleteDerivedResources(
                ids: ids, invalidate: try p.bool("invalidate") ?? false)
            return apiResponse(["deleted": .object(result.mapValues { .string($0.rawValue) })])
        case (.get, "tags") where path.count == 2:
            let page = try await derive.tags(
                resourceType: path[1], prefix: p.string("prefix"), cursor: p.string("next_cursor"),
                maxResults: try p.int("max_results", in: 1...500) ?? 10)
            var body: [String: JSONValue] = ["tags": .strings(page.tags)]
            if let next = page.nextCursor { body["next_cursor"] = .string(next) }
            return apiResponse(body)
        case (_, "derive"):
            return try await DeriveAdminRoutes(derive: derive).handle(method, Array(path.dropFirst()), p, json)
        case (_, "transformations"):
            return try await NamedTransformationRoutes(derive: derive).handle(method, Array(path.dropFirst()), p, json)
        default:
            throw APIError.notFound("No Admin API endpoint \(method.rawValue) /\(path.joined(separator: "/"))")
        }
    }

    private func usage() async throws -> Response {
        let usage = try await derive.usage()
        return apiResponse([
            "plan": .string("Derive"),
            "last_updated": .string(APIRepresentation.isoTime(Date()).prefix(10).description),
            "resources": .int(usage.originals), "derived_resources": .int(usage.derivatives),
            "storage": .object(["usage": .int(usage.originalBytes + usage.derivativeBytes)]),
            "objects": .object(["usage": .int(usage.originals + usage.derivatives)]),
            "originals": .object(["count": .int(usage.originals), "bytes": .int(usage.originalBytes)]),
            "derived": .object(["count": .int(usage.derivatives), "bytes": .int(usage.derivativeBytes)]),
        ])
    }

    // MARK: - resources/…

    private func resources(
        _ method: HTTPRequest.Method, _ path: [String], _ p: APIParameters, _ json: APIRepresentation
    ) async throws -> Response {
        let resourceType = path[0]
        if path.count >= 3, path[1] == "tags" {
            let tag = path[2...].joined(separator: "/")
            if method == .delete {
                return try await delete(.tag(tag), resourceType: resourceType, type: p.string("type"), p)
            }
            return try await list(
                ResourceQuery(resourceType: resourceType, type: p.string("type"), tag: tag), p, json)
        }
        let type = path.count >= 2 ? path[1] : nil
        if path.count >= 3 {
            // resources/<rt>/<type>/<public id with slashes>
            let publicID = path[2...].joined(separator: "/")
            guard method == .get else {
                throw APIError.notFound("No Admin API endpoint for \(method.rawValue) on a resource")
            }
            guard
                let details = try await derive.resource(
                    publicID: publicID, type: type ?? "upload", resourceType: resourceType)
            else { throw APIError.notFound("Resource not found - \(publicID)") }
            var body = json.resource(details.resource)
            body["derived"] = .array(details.derived.map { .object(json.derivative($0)) })
            body["last_updated"] = .object([
                "updated_at": .string(APIRepresentation.isoTime(details.resource.createdAt))
            ])
            return apiResponse(body)
        }
        switch method {
        case .get:
            let ids = p.list("public_ids")
            if !ids.isEmpty {
                let found = try await derive.resources(
                    publicIDs: Array(ids.prefix(100)), resourceType: resourceType, type: type ?? "upload")
                return apiResponse(["resources": .array(found.map { .object(listed($0, p, json)) })])
            }
            return try await list(
                ResourceQuery(resourceType: resourceType, type: type, prefix: p.string("prefix")), p, json)
        case .delete:
            let ids = p.list("public_ids")
            if !ids.isEmpty {
                let result = try await derive.deleteResources(
                    publicIDs: ids, options: try deleteOptions(resourceType, type, p))
                return apiResponse(deleteBody(result))
            }
            if let prefix = p.string("prefix") {
                return try await delete(.prefix(prefix), resourceType: resourceType, type: type, p)
            }
            if try p.bool("all") == true {
                return try await delete(.all, resourceType: resourceType, type: type, p)
            }
            throw APIError.badRequest("Missing required parameter - public_ids, prefix or all")
        default:
            throw APIError.notFound(
                "No Admin API endpoint \(method.rawValue) /resources/\(path.joined(separator: "/"))")
        }
    }

    private func list(_ base: ResourceQuery, _ p: APIParameters, _ json: APIRepresentation) async throws -> Response {
        var query = base
        query.maxResults = try p.int("max_results", in: 1...ResourceQuery.maxPageSize) ?? 10
        query.cursor = p.string("next_cursor")
        if let direction = p.string("direction") {
            switch direction.lowercased() {
            case "asc", "1": query.direction = .ascending
            case "desc", "-1": query.direction = .descending
            default: throw APIError.badRequest("direction must be asc, desc, 1 or -1")
            }
        }
        let page = try await derive.listResources(query)
        var entries = page.resources.map { listed($0, p, json) }
        // Derive's extension: each original's derivative count and bytes (the console's grid).
        if try p.bool("derived_stats") == true {
            let stats = try await derive.derivativeStats(of: page.resources.map(\.key))
            for (index, resource) in page.resources.enumerated() {
                entries[index]["derived_count"] = .int(stats[resource.key]?.count ?? 0)
                entries[index]["derived_bytes"] = .int(stats[resource.key]?.bytes ?? 0)
            }
        }
        var body: [String: JSONValue] = ["resources": .array(entries.map { .object($0) })]
        if let next = page.nextCursor { body["next_cursor"] = .string(next) }
        return apiResponse(body)
    }

    /// A listing entry: tags and context only when asked for (`tags=true`, `context=true`), as
    /// Cloudinary does.
    private func listed(_ r: ResourceRecord, _ p: APIParameters, _ json: APIRepresentation) -> [String: JSONValue] {
        var entry = json.resource(r)
        if (try? p.bool("tags")) != true { entry["tags"] = nil }
        if (try? p.bool("context")) != true { entry["context"] = nil }
        return entry
    }

    private func deleteOptions(_ resourceType: String, _ type: String?, _ p: APIParameters) throws -> DeleteOptions {
        var options = DeleteOptions(resourceType: resourceType, type: type)
        options.keepOriginal = try p.bool("keep_original") ?? false
        options.invalidate = try p.bool("invalidate") ?? false
        options.notificationURL = p.string("notification_url")
        options.cursor = p.string("next_cursor")
        let transformations = p.list("transformations")
        if !transformations.isEmpty { options.transformations = transformations }
        return options
    }

    private func delete(_ selection: ResourceSelection, resourceType: String, type: String?, _ p: APIParameters)
        async throws -> Response
    {
        let result = try await derive.deleteResources(
            matching: selection, options: try deleteOptions(resourceType, type, p))
        return apiResponse(deleteBody(result))
    }

    private func deleteBody(_ result: DeleteResult) -> [String: JSONValue] {
        var body: [String: JSONValue] = [
            "deleted": .object(result.deleted.mapValues { .string($0.rawValue) }),
            "deleted_counts": .object(
                result.deletedCounts.mapValues {
                    .object(["original": .int($0.original), "derived": .int($0.derived)])
                }),
            "partial": .bool(result.partial),
        ]
        if let next = result.nextCursor { body["next_cursor"] = .string(next) }
        return body
    }
}

extension HTTPField.Name {
    static let rateLimitLimit = HTTPField.Name("X-FeatureRateLimit-Limit")!
    static let rateLimitRemaining = HTTPField.Name("X-FeatureRateLimit-Remaining")!
    static let rateLimitReset = HTTPField.Name("X-FeatureRateLimit-Reset")!
}
