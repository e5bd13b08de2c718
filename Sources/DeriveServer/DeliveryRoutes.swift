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
            .eTag: result.etag,
            .cacheControl: delivery.cacheControl,
        ]
        if !result.vary.isEmpty { headers[.vary] = result.vary.joined(separator: ", ") }
        headers[HTTPField.Name("X-Derive-Cache")!] = result.hit ? "hit" : "miss"
        if let name = result.attachment {
            let file = name.isEmpty ? "image.\(result.format.rawValue)" : "\(name).\(result.format.rawValue)"
            headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        }
        guard let body = delivery.body else { return Response(status: .notModified, headers: headers) }
        headers[.contentLength] = String(delivery.contentLength)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        switch body {
        case .bytes(let bytes):
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        case .buffer(let buffer):
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
        case .stored(let reader):
            return Response(status: .ok, headers: headers, body: Self.stream(reader))
        }
    }

    /// Reads the blob straight into the response's buffers, one chunk at a time.
    static func stream(_ reader: BlobReader) -> ResponseBody {
        ResponseBody(contentLength: reader.length) { writer in
            var offset = 0
            let allocator = ByteBufferAllocator()
            while offset < reader.length {
                var buffer = allocator.buffer(capacity: min(chunkSize, reader.length - offset))
                let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: buffer.capacity) { raw in
                    try reader.read(at: offset, into: UnsafeMutableRawBufferPointer(rebasing: raw.prefix(chunkSize)))
                }
                guard count > 0 else { throw HTTPError(.internalServerError, message: "stored image ended early") }
                offset += count
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
    }

    /// `Accept` for `f_auto`; `DPR`/`Sec-CH-DPR` and `Width`/`Sec-CH-Width` for `dpr_auto` and
    /// `w_auto`, as sent: the library checks them only when the transformation uses them.
    static func hints(_ headers: HTTPFields) -> ClientHints {
        func field(_ names: String...) -> String? {
            names.lazy.compactMap { HTTPField.Name($0).flatMap { headers[$0] } }.first
        }
        return ClientHints(
            accept: headers[.accept], dprHeader: field("Sec-CH-DPR", "DPR"), widthHeader: field("Sec-CH-Width", "Width")
        )
    }
}
