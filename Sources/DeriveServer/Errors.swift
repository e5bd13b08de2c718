import Derive
import Foundation
import HTTPTypes
import Hummingbird

/// Turns every error into `{"error":{"message":…}}` with the matching status, so clients (and
/// the Cloudinary SDKs) get a reason and the server keeps serving. Every response carries
/// `X-Request-Id`; a 5xx carries no internal detail, only that id, which the log line also has.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = errorResponse(error, request: request, context: context)
        }
        response.headers[.requestID] = context.id
        return response
    }
}

/// The JSON error response for any error a route throws; 5xx are logged with the request id and
/// answered without internal detail.
func errorResponse(_ error: any Error, request: Request, context: some RequestContext) -> Response {
    let status: HTTPResponse.Status
    let message: String
    switch error {
    case let error as DeriveError:
        status = error.httpStatus
        message = error.description
    case let error as APIError:
        status = error.status
        message = error.message
    case let error as HTTPError:
        status = error.status
        message = error.body ?? error.status.reasonPhrase
    default:
        status = .internalServerError
        message = "\(error)"
    }
    guard status.code < 500 else {
        // The logger's metadata carries the request id (hb.request.id).
        context.logger.error("\(request.method) \(request.uri.path) failed with \(status.code): \(message)")
        var response = jsonError(status: status, message: "internal error (request id \(context.id))")
        if status == .serviceUnavailable {
            response = jsonError(status: status, message: message)
            response.headers[.retryAfter] = "1"
        }
        return response
    }
    return jsonError(status: status, message: message)
}

func jsonError(status: HTTPResponse.Status, message: String) -> Response {
    var response = jsonResponse(status: status, ["error": ["message": message]])
    response.headers[.cldError] = String(message.prefix(500))
    response.headers[.cacheControl] = "no-store"
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
        case .render(.timeout): .unprocessableContent
        case .render(let error): error.isClientError ? .badRequest : .internalServerError
        case .store: .internalServerError
        case .overloaded: .serviceUnavailable
        case .invalidArgument: .badRequest
        case .conflict: .conflict
        case .hookFailed: .forbidden
        case .unauthorized: .unauthorized
        }
    }
}
