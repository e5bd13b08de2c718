import Derive
import DeriveStore
import DeriveTransform
import HTTPTypes
import Hummingbird

/// `transformations` of the Admin API: named transformations (`t_<name>`) listed, shown, created,
/// updated and deleted. The SDK names one in the `transformation` parameter; the documented older
/// form puts it in the path (`transformations/<name>`): both work. Names may be given with or
/// without their `t_` prefix.
struct NamedTransformationRoutes: Sendable {
    let derive: Derive

    func handle(_ method: HTTPRequest.Method, _ path: [String], _ p: APIParameters, _ json: APIRepresentation)
        async throws -> Response
    {
        let target = path.isEmpty ? (p.string("transformation") ?? p.string("name")) : path.joined(separator: "/")
        switch method {
        case .get:
            guard let target else { return try await list(p) }
            return try await show(Self.name(target))
        case .post:
            let name = try Self.name(p.string("name") ?? target ?? "")
            guard let definition = p.string("transformation") ?? (path.isEmpty ? nil : p.string("definition")) else {
                throw APIError.badRequest("Missing required parameter - transformation")
            }
            try await derive.createNamedTransformation(
                name, definition: definition, allowedForStrict: try p.bool("allowed_for_strict") ?? true)
            return apiResponse(["message": .string("created")])
        case .put:
            let name = try Self.name(target ?? "")
            // `unsafe_update` changes the definition; existing derivatives keep serving until deleted.
            let definition = p.string("unsafe_update") ?? (path.isEmpty ? nil : p.string("transformation"))
            try await derive.updateNamedTransformation(
                name, definition: definition, allowedForStrict: try p.bool("allowed_for_strict"))
            return apiResponse(["message": .string("updated")])
        case .delete:
            let name = try Self.name(target ?? "")
            guard try await derive.namedTransformation(name) != nil else {
                throw APIError.notFound("Transformation \(name) not found")
            }
            try await derive.deleteNamedTransformation(name)
            return apiResponse(["message": .string("deleted")])
        default:
            throw APIError.notFound("No Admin API endpoint \(method.rawValue) /transformations")
        }
    }

    /// `t_thumb` and `thumb` are the same name; an unnamed transformation string is not one.
    static func name(_ text: String) throws(APIError) -> String {
        let name = text.hasPrefix("t_") ? String(text.dropFirst(2)) : text
        guard !name.isEmpty else { throw .badRequest("Missing required parameter - transformation") }
        return name
    }

    private func list(_ p: APIParameters) async throws -> Response {
        let limit = try p.int("max_results", in: 1...500) ?? 10
        let page = try await derive.namedTransformations(after: p.string("next_cursor"), limit: limit + 1)
        var items: [JSONValue] = []
        for record in page.prefix(limit) {
            let used = try await derive.derivativeCount(usingNamed: record.name) > 0
            items.append(
                .object([
                    "name": .string("t_" + record.name), "allowed_for_strict": .bool(record.allowedForStrict),
                    "used": .bool(used), "named": .bool(true),
                ]))
        }
        var body: [String: JSONValue] = ["transformations": .array(items)]
        if page.count > limit, let last = page.prefix(limit).last { body["next_cursor"] = .string(last.name) }
        return apiResponse(body)
    }

    private func show(_ name: String) async throws -> Response {
        guard let record = try await derive.namedTransformation(name) else {
            throw APIError.notFound("Transformation t_\(name) not found")
        }
        let count = try await derive.derivativeCount(usingNamed: name)
        // Cloudinary's `info`: each component's parameters by their long names.
        let info = (try? Transformation(parsing: record.definition))?.components.map { component in
            JSONValue.object(
                Dictionary(component.parameters.map { ($0.kind, JSONValue.string($0.valueText)) }) { first, _ in first }
            )
        }
        return apiResponse([
            "name": .string("t_" + name), "allowed_for_strict": .bool(record.allowedForStrict),
            "used": .bool(count > 0),
            "named": .bool(true), "definition": .string(record.definition), "info": .array(info ?? []),
            "derived_count": .int(count),
        ])
    }
}
