import Derive
import DeriveStore
import DeriveTransform
import Foundation
import HTTPTypes
import Hummingbird

extension JSONValue: Encodable {
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value, let text):
            if let integer = Int64(text) { try container.encode(integer) } else { try container.encode(value) }
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let members): try container.encode(members)
        }
    }

    static func int(_ value: Int) -> JSONValue { .number(Double(value), text: String(value)) }
    static func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
}

/// Cloudinary-shaped JSON for resources and derivatives (cloudinary-api.md §4.5, §5.3), with
/// delivery URLs on the configured base URL, else on the host the request came to.
struct APIRepresentation: Sendable {
    let cloudName: String
    let baseURL: String

    init(configuration: Configuration, request: Request) {
        cloudName = configuration.cloudName
        if let base = configuration.lifecycle.deliveryBaseURL {
            baseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        } else {
            let host = request.head.authority ?? "127.0.0.1"
            // Only a plain host[:port] goes into URLs we hand out; anything else is replaced.
            let safe = host.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != 0x2F && $0 != 0x40 } && host.count < 256
            baseURL = "http://" + (safe ? host : "127.0.0.1")
        }
    }

    func url(_ key: ResourceKey, version: Int?, transformation: String = "", format: String?) -> String {
        var url = baseURL + "/" + cloudName + "/" + key.resourceType + "/" + key.type + "/"
        if !transformation.isEmpty { url += transformation + "/" }
        url += DeliveryURL.sourcePath(publicID: key.publicID, version: version)
        if let format, !format.isEmpty { url += "." + format }
        return url
    }

    static func secure(_ url: String) -> String {
        url.hasPrefix("http://") ? "https://" + url.dropFirst("http://".count) : url
    }

    /// The fields every listing and detail shows.
    func resource(_ r: ResourceRecord) -> [String: JSONValue] {
        let url = url(r.key, version: r.version, format: r.format)
        return [
            "asset_id": .string(r.assetID), "public_id": .string(r.key.publicID), "format": .string(r.format),
            "version": .int(r.version), "version_id": .string(r.versionID),
            "resource_type": .string(r.key.resourceType), "type": .string(r.key.type),
            "created_at": .string(Self.isoTime(r.createdAt)), "bytes": .int(r.bytes), "width": .int(r.width),
            "height": .int(r.height), "asset_folder": .string(""),
            "display_name": .string(String(r.key.publicID.split(separator: "/").last ?? "")),
            "access_mode": .string("public"), "tags": .strings(r.tags), "etag": .string(r.etag),
            "placeholder": .bool(false), "pages": .int(1), "url": .string(url), "secure_url": .string(Self.secure(url)),
        ]
    }

    func derivative(_ d: DerivativeRecord) -> [String: JSONValue] {
        let url = url(d.key, version: d.version, transformation: d.transformation, format: d.format)
        return [
            "id": .string(d.id), "transformation": .string(d.transformation), "format": .string(d.format),
            "bytes": .int(d.bytes), "width": .int(d.width), "height": .int(d.height), "url": .string(url),
            "secure_url": .string(Self.secure(url)), "renderer": .string(d.renderer),
        ]
    }

    /// `2024-06-25T09:25:44Z` (Derive's formatter: an `ISO8601DateFormatter` per resource was most of
    /// a listing page's cost, 130 µs of server CPU per listed resource in the API benchmark).
    static func isoTime(_ date: Date) -> String { ISOTime.string(date) }
}

/// A 200 JSON response.
func apiResponse(_ object: [String: JSONValue], status: HTTPResponse.Status = .ok) -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    let body = (try? encoder.encode(JSONValue.object(object))) ?? Data("{}".utf8)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: body)))
}
