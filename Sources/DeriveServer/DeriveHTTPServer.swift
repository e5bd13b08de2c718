import Derive
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The HTTP face of Derive: delivery URLs and health.
public enum DeriveHTTPServer {
    /// Builds the application. `onRunning` receives the bound port once the server listens
    /// (useful with port 0).
    public static func makeApplication(
        derive: Derive, host: String = "127.0.0.1", port: Int = 8080, logger: Logger? = nil,
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.get("/health") { _, _ in
            jsonResponse(status: .ok, ["status": "ok"])
        }
        let delivery = DeliveryRoutes(derive: derive)
        router.get("/**") { request, _ in try await delivery.deliver(request) }
        router.head("/**") { request, _ in try await delivery.deliver(request) }
        var logger = logger ?? Logger(label: "derive")
        if logger.logLevel > .info { logger.logLevel = .info }
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "Derive"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}

/// Serves `GET /<cloud>/image/upload/[<transformations>/][v<version>/]<public_id>.<ext>`.
struct DeliveryRoutes: Sendable {
    let derive: Derive

    func deliver(_ request: Request) async throws -> Response {
        let result = try await derive.render(deliveryPath: request.uri.path, hints: Self.hints(request.headers))
        var headers: HTTPFields = [
            .contentType: result.contentType,
            .eTag: result.etag,
            .cacheControl: "public, max-age=2592000",
            .vary: "Accept",
        ]
        headers[HTTPField.Name("X-Derive-Cache")!] = result.hit ? "hit" : "miss"
        if let name = result.attachment {
            let file = name.isEmpty ? "image.\(result.format.rawValue)" : "\(name).\(result.format.rawValue)"
            headers[.contentDisposition] = "attachment; filename=\"\(file)\""
        }
        if let match = request.headers[.ifNoneMatch],
            match.split(separator: ",").contains(where: {
                $0.trimmingCharacters(in: .whitespaces) == result.etag
            })
        {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentLength] = String(result.bytes.count)
        if request.method == .head { return Response(status: .ok, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: result.bytes)))
    }
}

extension DeliveryRoutes {
    /// `Accept` for `f_auto`; `DPR`/`Sec-CH-DPR` and `Width`/`Sec-CH-Width` for `dpr_auto` and `w_auto`.
    static func hints(_ headers: HTTPFields) -> ClientHints {
        func field(_ names: String...) -> String? {
            names.lazy.compactMap { HTTPField.Name($0).flatMap { headers[$0] } }.first
        }
        return ClientHints(
            accept: headers[.accept], devicePixelRatio: field("Sec-CH-DPR", "DPR").flatMap(Double.init),
            width: field("Sec-CH-Width", "Width").flatMap(Int.init))
    }
}

/// Turns every error into `{"error":{"message":…}}` with the matching status, so clients (and
/// the Cloudinary SDKs) get a reason and the server keeps serving.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        do {
            return try await next(request, context)
        } catch let error as DeriveError {
            return errorResponse(error)
        } catch let error as HTTPError {
            return jsonError(status: error.status, message: error.body ?? error.status.reasonPhrase)
        } catch {
            return jsonError(status: .internalServerError, message: "internal error: \(error)")
        }
    }
}

func errorResponse(_ error: DeriveError) -> Response {
    var response = jsonError(status: error.httpStatus, message: error.description)
    if case .overloaded = error { response.headers[.retryAfter] = "1" }
    return response
}

func jsonError(status: HTTPResponse.Status, message: String) -> Response {
    var response = jsonResponse(status: status, ["error": ["message": message]])
    response.headers[HTTPField.Name("X-Cld-Error")!] = String(message.prefix(500))
    return response
}

func jsonResponse(status: HTTPResponse.Status, _ object: some Encodable) -> Response {
    let body = (try? JSONEncoder().encode(object)) ?? Data("{}".utf8)
    return Response(
        status: status, headers: [.contentType: "application/json; charset=utf-8"],
        body: .init(byteBuffer: ByteBuffer(bytes: body)))
}

extension DeriveError {
    var httpStatus: HTTPResponse.Status {
        switch self {
        case .notFound: .notFound
        case .invalidTransformation, .invalidPublicID: .badRequest
        case .uploadTooLarge: .contentTooLarge
        case .render(let error): error.isClientError ? .badRequest : .internalServerError
        case .store: .internalServerError
        case .overloaded: .serviceUnavailable
        case .invalidArgument: .badRequest
        case .conflict: .conflict
        case .hookFailed: .forbidden
        }
    }
}
