import HTTPTypes

/// An Upload or Admin API failure: a status and the message the SDK raises with
/// (`{"error":{"message":…}}`; the SDK picks its exception class from the status).
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func unauthorized(_ message: String) -> APIError { APIError(status: .unauthorized, message: message) }
    static func forbidden(_ message: String) -> APIError { APIError(status: .forbidden, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
    static func payloadTooLarge(_ message: String) -> APIError {
        APIError(status: .contentTooLarge, message: message)
    }
    static func requestTimeout(_ message: String) -> APIError { APIError(status: .requestTimeout, message: message) }
    /// Cloudinary's "Enhance Your Calm": the Admin API quota is used up.
    static func rateLimited(_ message: String) -> APIError {
        APIError(status: HTTPResponse.Status(code: 420, reasonPhrase: "Enhance Your Calm"), message: message)
    }
}
