import DeriveRender
import DeriveStore
import DeriveTransform
import Foundation

/// A delivery URL after parsing and access control.
struct DeliveryRequest: Sendable {
    var url: DeliveryURL
    var key: ResourceKey
    var access: Access
}

/// What a delivery URL answers: headers and a body that is either rendered bytes or a stored blob
/// to stream (never read whole into memory).
public struct Delivery: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// A stored image, opened and pinned: read it in chunks.
        case stored(BlobReader)
    }

    public var result: RenderResult
    /// `Cache-Control`, by delivery type and version (see ``Derive/cacheControl(for:url:)``).
    public var cacheControl: String
    /// Nil when the request's `If-None-Match` matched (answer 304).
    public var body: Body?

    public var contentLength: Int {
        switch body {
        case .bytes(let bytes)?: bytes.count
        case .stored(let reader)?: reader.length
        case nil: 0
        }
    }
}

extension Derive {
    /// Answers a delivery URL path as the server does: access control, the stored derivative
    /// (streamed) or a new render, and the caching headers. `ifNoneMatch` is checked before the
    /// blob is touched.
    public func deliver(path: String, hints: ClientHints, ifNoneMatch: String? = nil) async throws(DeriveError)
        -> Delivery
    {
        let request = try await deliveryRequest(path)
        var result = try await resolve(request, hints: hints, readStored: false)
        let cacheControl = cacheControl(for: result, url: request.url)
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag: result.etag) {
            return Delivery(result: result, cacheControl: cacheControl, body: nil)
        }
        if !result.hit || !result.bytes.isEmpty {
            return Delivery(result: result, cacheControl: cacheControl, body: .bytes(result.bytes))
        }
        do {
            let reader = try await blobs.open(result.blob)
            result.bytes = []
            return Delivery(result: result, cacheControl: cacheControl, body: .stored(reader))
        } catch {
            // Removed between the lookup and the open (a delete or overwrite committed meanwhile):
            // the image is gone for this URL, so answer as the catalog does now.
            lifecycle.logger.warning("stored blob \(result.blob) vanished before it was opened: \(error)")
            let again = try await resolve(request, hints: hints, readStored: true)
            return Delivery(result: again, cacheControl: cacheControl, body: .bytes(again.bytes))
        }
    }

    /// Parses a delivery path and applies the access rules: a present `s--SIG--` must verify with
    /// one of the signing secrets; `private` and `authenticated` types need a valid signature.
    func deliveryRequest(_ path: String) async throws(DeriveError) -> DeliveryRequest {
        let url: DeliveryURL
        let named = try await namedDefinitions(in: path)
        do { url = try DeliveryURL(path: path, cloudName: configuration.cloudName, named: { named[$0] }) } catch {
            throw .invalidTransformation(error)
        }
        // The id reaches the catalog: no control characters (a NUL would truncate it), no path tricks.
        _ = try PublicID.validate(url.publicID)
        let secrets = configuration.delivery.signingSecrets
        var signed = false
        if url.signature != nil {
            guard !secrets.isEmpty else {
                throw .unauthorized("signed URLs cannot be verified: no API secret is configured")
            }
            signed = secrets.contains { Signatures.verifyURLSignature(url, secret: $0) }
            guard signed else { throw .unauthorized("invalid URL signature") }
        }
        if url.type == "private" || url.type == "authenticated", !signed {
            throw .unauthorized("\(url.type) images are delivered only with a signed URL")
        }
        return DeliveryRequest(
            url: url, key: ResourceKey(resourceType: url.resourceType, type: url.type, publicID: url.publicID),
            access: Access(trusted: false, signed: signed))
    }

    func resolve(_ request: DeliveryRequest, hints: ClientHints, readStored: Bool) async throws(DeriveError)
        -> RenderResult
    {
        var result = try await resolve(
            key: request.key, transformation: request.url.transformation, format: request.url.format, hints: hints,
            access: request.access, readStored: readStored)
        result.attachment = request.url.transformation.attachment
        return result
    }

    /// `Cache-Control` for a delivered image: never `public` for private or authenticated types; a URL
    /// carrying the original's current version never changes (`immutable`, a year); `v1`,
    /// unversioned and older-version URLs change on overwrite, and default images when the original
    /// appears, so they get the shorter ``DeliveryConfiguration/mutableMaxAge``.
    public func cacheControl(for result: RenderResult, url: DeliveryURL) -> String {
        let policy = configuration.delivery
        if url.type == "private" || url.type == "authenticated" {
            return "private, max-age=\(policy.mutableMaxAge)"
        }
        if !result.isDefaultImage, let version = url.version, version == result.resource?.version {
            return "public, max-age=\(policy.immutableMaxAge), immutable"
        }
        return "public, max-age=\(policy.mutableMaxAge)"
    }

    /// `If-None-Match`: a list of entity tags, or `*`.
    static func matches(_ header: String, etag: String) -> Bool {
        header.split(separator: ",").contains { part in
            let tag = part.trimmingCharacters(in: .whitespaces)
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }
}
