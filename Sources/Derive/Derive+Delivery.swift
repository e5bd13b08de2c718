import DeriveRender
import DeriveStore
import DeriveTransform
import Foundation
import NIOCore

/// A delivery URL after parsing and access control.
struct DeliveryRequest: Sendable {
    var url: DeliveryURL
    var key: ResourceKey
    var access: Access
}

/// What a delivery URL answers: headers and a body that is rendered bytes, an image held in
/// memory, or a stored blob to stream (never read whole into memory).
public struct Delivery: Sendable {
    public enum Body: Sendable {
        case bytes([UInt8])
        /// An image in memory (a small stored image, or a fresh render), shared, not copied.
        case buffer(ByteBuffer)
        /// A stored image, opened and pinned: read it in chunks.
        case stored(BlobReader)
    }

    public var result: RenderResult
    /// `Cache-Control`, by delivery type and version (see ``Derive/cacheControl(for:url:)``).
    public var cacheControl: String
    /// Nil when the request's `If-None-Match` matched (answer 304).
    public var body: Body?
    /// The result's `ETag` (computed once).
    public var etag: String

    init(result: RenderResult, cacheControl: String, body: Body?, etag: String? = nil) {
        self.result = result
        self.cacheControl = cacheControl
        self.body = body
        self.etag = etag ?? result.etag
    }

    public var contentLength: Int {
        switch body {
        case .bytes(let bytes)?: bytes.count
        case .buffer(let buffer)?: buffer.readableBytes
        case .stored(let reader)?: reader.length
        case nil: 0
        }
    }
}

extension Derive {
    /// Answers a delivery URL path as the server does: access control, the stored derivative
    /// (in memory or streamed) or a new render, and the caching headers. `ifNoneMatch` is checked
    /// before the blob is touched.
    ///
    /// A URL answered before is answered from memory (``DeliveryCache``) while the catalog's
    /// delivery generation is unchanged: one read of one row, no parsing, no lookup.
    public func deliver(path: String, hints: ClientHints, ifNoneMatch: String? = nil) async throws(DeriveError)
        -> Delivery
    {
        let generation = deliveryCache.cachesURLs ? currentDeliveryGeneration() : nil
        if let generation, let entry = deliveryCache.entry(for: path, generation: generation),
            let variant = try? entry.fixedVariant ?? deliveryVariant(entry.request, source: entry.source, hints: hints),
            let answer = entry.answers[variant], answer.holds(at: generation)
        {
            if let ifNoneMatch, Self.matches(ifNoneMatch, etag: answer.etag) {
                deliveryCache.countAnswered()
                return Delivery(result: answer.result, cacheControl: answer.cacheControl, body: nil, etag: answer.etag)
            }
            // A blob that cannot be read (an invariant broken outside Derive) falls through to
            // the full path, which logs and repairs what it can.
            if let body = try? await storedBody(answer.result.blob) {
                deliveryCache.countAnswered()
                return Delivery(
                    result: answer.result, cacheControl: answer.cacheControl, body: body, etag: answer.etag)
            }
        }
        deliveryCache.countComputed()
        let request = try await deliveryRequest(path)
        var result = try await resolve(request, hints: hints, readStored: false)
        let cacheControl = cacheControl(for: result, url: request.url)
        if let generation {
            remember(result, cacheControl: cacheControl, request: request, hints: hints, path: path, at: generation)
        }
        if let ifNoneMatch, Self.matches(ifNoneMatch, etag: result.etag) {
            return Delivery(result: result, cacheControl: cacheControl, body: nil)
        }
        if !result.hit || !result.bytes.isEmpty {
            let buffer = ByteBuffer(bytes: result.bytes)
            deliveryCache.remember(blob: buffer, hash: result.blob)
            result.bytes = []
            return Delivery(result: result, cacheControl: cacheControl, body: .buffer(buffer))
        }
        do {
            let body = try await storedBody(result.blob)
            return Delivery(result: result, cacheControl: cacheControl, body: body)
        } catch {
            // Removed between the lookup and the open (a delete or overwrite committed meanwhile):
            // the image is gone for this URL, so answer as the catalog does now.
            lifecycle.logger.warning("stored blob \(result.blob) vanished before it was opened: \(error)")
            let again = try await resolve(request, hints: hints, readStored: true)
            return Delivery(result: again, cacheControl: cacheControl, body: .bytes(again.bytes))
        }
    }

    /// How many deliveries were answered from memory and how many went through the catalog.
    public var deliveryCacheStatistics: DeliveryCacheStatistics {
        DeliveryCacheStatistics(
            answeredFromMemory: deliveryCache.answered.load(ordering: .relaxed),
            computed: deliveryCache.computed.load(ordering: .relaxed))
    }

    /// The catalog's delivery generation, or nil (nothing is cached) when it cannot say.
    private func currentDeliveryGeneration() -> DeliveryGeneration? {
        do {
            return try catalog.deliveryGeneration()
        } catch {
            lifecycle.logger.warning("delivery cache bypassed: \(error)")
            return nil
        }
    }

    private func remember(
        _ result: RenderResult, cacheControl: String, request: DeliveryRequest, hints: ClientHints, path: String,
        at generation: DeliveryGeneration
    ) {
        guard let resource = result.resource, let source = ImageFormat(name: resource.format),
            let variant = try? deliveryVariant(request, source: source, hints: hints),
            let unhinted = try? ClientHintPolicy.resolve(request.url.transformation, dpr: nil, width: nil)
        else { return }
        var stored = result
        stored.bytes = []
        stored.hit = true
        let fixed = !unhinted.usesAccept && !unhinted.usesDPR && !unhinted.usesWidth
        deliveryCache.remember(
            DeliveryCache.Answer(
                result: stored, cacheControl: cacheControl, etag: result.etag,
                creations: result.isDefaultImage ? generation.creations : nil), variant: variant,
            fixed: fixed, request: request, source: source, path: path, generation: generation)
    }

    /// Which of a URL's answers a request gets: the output format (`f_auto` reads `Accept`) and
    /// the client hints that shaped it; computed as ``resolve(key:transformation:format:hints:access:readStored:retried:)`` does.
    private func deliveryVariant(_ request: DeliveryRequest, source: ImageFormat, hints: ClientHints)
        throws(RenderError) -> String
    {
        let (output, resolved) = try outputVariant(
            request.url.transformation, extension: request.url.format, source: source, hints: hints)
        return "\(output.rawValue)|\(resolved.keySuffix)"
    }

    /// A stored image's bytes: from memory when held there, else read whole into memory when
    /// small (and kept), else opened for streaming.
    private func storedBody(_ hash: String) async throws(DeriveError) -> Delivery.Body {
        if let buffer = deliveryCache.blob(hash) { return .buffer(buffer) }
        let reader = try await storing { try await self.blobs.open(hash) }
        guard reader.length <= deliveryCache.configuration.maxBlobSize, deliveryCache.configuration.maxBlobBytes > 0
        else { return .stored(reader) }
        var buffer = ByteBufferAllocator().buffer(capacity: reader.length)
        var offset = 0
        while offset < reader.length {
            let count: Int
            do {
                count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: reader.length - offset) { raw in
                    try reader.read(at: offset, into: raw)
                }
            } catch {
                throw .store(.io("reading stored image \(hash): \(error)"))
            }
            guard count > 0 else { throw .store(.io("stored image \(hash) ended early")) }
            offset += count
        }
        deliveryCache.remember(blob: buffer, hash: hash)
        return .buffer(buffer)
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
