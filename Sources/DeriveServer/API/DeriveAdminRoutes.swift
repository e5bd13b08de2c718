import Derive
import DeriveStore
import Foundation
import HTTPTypes
import Hummingbird

/// Derive's own Admin API endpoints under `/v1_1/<cloud>/derive/…` (no Cloudinary counterpart;
/// what the web console needs besides Cloudinary's calls). Same Basic auth, quota and JSON errors.
///
/// - `GET derive/transformations[?resource_type=image&max_results=1000]`: every canonical
///   transformation with derivatives: `{"transformations":[{"transformation","derived_count",
///   "derived_bytes","originals"}]}`, most used first.
/// - `GET derive/derived?transformation=<canonical>[&max_results=100&next_cursor=…]`: a page of that
///   transformation's derived images across the library: `{"derived":[{id, transformation, format, bytes,
///   width, height, url, secure_url, renderer, created_at, public_id, type, resource_type}],"next_cursor"}`.
/// - `GET derive/events?after=<seq>[&kind=invalidate&max_results=100]`: the event log after a
///   position: `{"events":[{"seq","time","kind","resource_type","type","public_id","version","urls"}],
///   "last_sequence":N,"next_after":N}`. `next_after` is where the next call continues (the last
///   event read, kept or not); `last_sequence` is the log's end (what to pass before a change to see
///   the events that change writes).
struct DeriveAdminRoutes: Sendable {
    let derive: Derive

    func handle(_ method: HTTPRequest.Method, _ path: [String], _ p: APIParameters, _ json: APIRepresentation)
        async throws -> Response
    {
        guard method == .get, path.count == 1 else {
            throw APIError.notFound("No Admin API endpoint \(method.rawValue) /derive/\(path.joined(separator: "/"))")
        }
        switch path[0] {
        case "transformations": return try await transformations(p)
        case "events": return try await events(p)
        case "derived": return try await derived(p, json)
        default: throw APIError.notFound("No Admin API endpoint GET /derive/\(path[0].prefix(64))")
        }
    }

    private func transformations(_ p: APIParameters) async throws -> Response {
        let resourceType = p.string("resource_type") ?? "image"
        let limit = try p.int("max_results", in: 1...10_000) ?? 1_000
        let usage = try await derive.transformationUsage(resourceType: resourceType, limit: limit)
        return apiResponse([
            "transformations": .array(
                usage.map {
                    .object([
                        "transformation": .string($0.transformation), "derived_count": .int($0.derivatives),
                        "derived_bytes": .int($0.bytes), "originals": .int($0.originals),
                    ])
                })
        ])
    }

    private func derived(_ p: APIParameters, _ json: APIRepresentation) async throws -> Response {
        guard let transformation = p.string("transformation") else {
            throw APIError.badRequest("Missing required parameter - transformation")
        }
        let page = try await derive.derivatives(
            transformation: transformation, resourceType: p.string("resource_type") ?? "image",
            cursor: p.string("next_cursor"), maxResults: try p.int("max_results", in: 1...500) ?? 100)
        var body: [String: JSONValue] = [
            "derived": .array(
                page.derivatives.map { d in
                    var entry = json.derivative(d)
                    entry["public_id"] = .string(d.key.publicID)
                    entry["type"] = .string(d.key.type)
                    entry["resource_type"] = .string(d.key.resourceType)
                    return .object(entry)
                })
        ]
        if let next = page.nextCursor { body["next_cursor"] = .string(next) }
        return apiResponse(body)
    }

    private func events(_ p: APIParameters) async throws -> Response {
        let after = try p.int("after", in: 0...Int(Int64.max)) ?? 0
        let limit = try p.int("max_results", in: 1...1_000) ?? 100
        let kind = p.string("kind")
        let last = try await derive.lastEventSequence()
        let page = try await derive.eventPage(after: Int64(after), limit: limit)
        var items: [JSONValue] = []
        for event in page where kind == nil || event.kind.rawValue == kind {
            var item: [String: JSONValue] = [
                "seq": .int(Int(event.sequence)), "time": .string(ISOTime.string(event.time)),
                "kind": .string(event.kind.rawValue),
            ]
            if let key = event.resource {
                item["resource_type"] = .string(key.resourceType)
                item["type"] = .string(key.type)
                item["public_id"] = .string(key.publicID)
            }
            if let version = event.version { item["version"] = .int(version) }
            if event.kind == .invalidate {
                item["urls"] = .strings(event.urls)
                if let reason = event.payloadObject?["reason"] as? String { item["reason"] = .string(reason) }
            }
            items.append(.object(item))
        }
        return apiResponse([
            "events": .array(items), "last_sequence": .int(Int(last)),
            "next_after": .int(Int(page.last?.sequence ?? Int64(after))),
        ])
    }
}
