import Derive
import DeriveStore
import Foundation
import HTTPTypes
import Hummingbird

/// Serves `GET /<cloud>/image/upload/[<transformations>/][v<version>/]<public_id>.<ext>`.
struct DeliveryRoutes: Sendable {
    let derive: Derive
    /// Stored images are sent in chunks of this size, so many concurrent downloads of a large
    /// original keep memory bounded.
    static let chunkSize = 64 * 1024

    func deliver(_ request: Request) async throws -> Response {
        let delivery = try await derive.deliver(
            path: request.uri.path, hints: Self.hints(request.headers), ifNoneMatch: request.headers[.ifNoneMatch])
        let result = delivery.result
        var headers: HTTPFields = [
            .contentType: result.contentType,
            .eTag: delivery.etag,
            .cacheControl: delivery.cacheControl,
            .acceptRanges: "bytes",
            .deriveCache: result.hit ? "hit" : "miss",
        ]
        if !result.vary.isEmpty { headers[.vary] = result.vary.joined(separator: ", ") }
        if let name = result.attachment {
            let file = name.isEmpty ? "image.\(result.format.rawValue)" : "\(name).\(result.format.rawValue)"
            headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        }
        guard let body = delivery.body else { return Response(status: .notModified, headers: headers) }
        let length = delivery.contentLength
        var range = ByteRange.whole
        // `If-Range` with another validator: the client's partial copy is stale, send it all.
        if request.headers[.ifRange].map({ $0 == delivery.etag }) ?? true {
            range = ByteRange.resolve(request.headers[.range], length: length)
        }
        switch range {
        case .whole:
            headers[.contentLength] = String(length)
            if request.method == .head { return Response(status: .ok, headers: headers) }
            return Response(status: .ok, headers: headers, body: Self.body(body, from: 0, count: length))
        case .unsatisfiable:
            var response = jsonError(
                status: .rangeNotSatisfiable, message: "the range is outside the image's \(length) bytes")
            response.headers[.contentRange] = "bytes */\(length)"
            return response
        case .partial(let lower, let upper):
            headers[.contentRange] = "bytes \(lower)-\(upper)/\(length)"
            headers[.contentLength] = String(upper - lower + 1)
            if request.method == .head { return Response(status: .partialContent, headers: headers) }
            return Response(
                status: .partialContent, headers: headers, body: Self.body(body, from: lower, count: upper - lower + 1))
        }
    }

    /// `count` bytes of the body from `offset` (the caller checked the bounds).
    static func body(_ body: Delivery.Body, from offset: Int, count: Int) -> ResponseBody {
        switch body {
        case .bytes(let bytes):
            return .init(byteBuffer: ByteBuffer(bytes: bytes[offset..<offset + count]))
        case .buffer(let buffer):
            return .init(byteBuffer: buffer.getSlice(at: buffer.readerIndex + offset, length: count) ?? buffer)
        case .stored(let reader):
            return stream(reader, from: offset, count: count)
        }
    }

    /// Reads the blob straight into the response's buffers, one chunk at a time.
    static func stream(_ reader: BlobReader, from start: Int, count: Int) -> ResponseBody {
        ResponseBody(contentLength: count) { writer in
            var offset = start
            let end = start + count
            let allocator = ByteBufferAllocator()
            while offset < end {
                let chunk = min(chunkSize, end - offset)
                var buffer = allocator.buffer(capacity: chunk)
                let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: chunk) { raw in
                    try reader.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(chunk)))
                }
                guard read > 0 else { throw HTTPError(.internalServerError, message: "stored image ended early") }
                offset += read
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
    }

    /// `Accept` for `f_auto`; `DPR`/`Sec-CH-DPR` and `Width`/`Sec-CH-Width` for `dpr_auto` and
    /// `w_auto`, as sent: the library checks them only when the transformation uses them.
    static func hints(_ headers: HTTPFields) -> ClientHints {
        ClientHints(
            accept: headers[.accept], dprHeader: headers[.secCHDPR] ?? headers[.dpr],
            widthHeader: headers[.secCHWidth] ?? headers[.width])
    }
}

extension HTTPField.Name {
    static let deriveCache = HTTPField.Name("X-Derive-Cache")!
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let cldError = HTTPField.Name("X-Cld-Error")!
    static let secCHDPR = HTTPField.Name("Sec-CH-DPR")!
    static let dpr = HTTPField.Name("DPR")!
    static let secCHWidth = HTTPField.Name("Sec-CH-Width")!
    static let width = HTTPField.Name("Width")!
}

/// Sends `GET`/`HEAD /<cloud>/…` straight to delivery, before the router's trie: the most frequent
/// request skips route resolution, a measurable part of a hit's cost (the `/**` routes stay for
/// the other delivery forms).
struct DeliveryMiddleware<Context: RequestContext>: RouterMiddleware {
    let delivery: DeliveryRoutes
    let prefix: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        guard request.method == .get || request.method == .head, request.uri.path.hasPrefix(prefix) else {
            return try await next(request, context)
        }
        return try await delivery.deliver(request)
    }
}
