import Derive
import Foundation
import HTTPTypes
import Hummingbird

/// `/v1_1/<cloud>/…`: the Upload API (`POST <resource_type>/<action>`) and the Admin API
/// (everything else), told apart by their paths as Cloudinary's are.
struct APIRoutes: Sendable {
    let upload: UploadRoutes
    let admin: AdminRoutes
    let cloudName: String

    init(derive: Derive, sessions: ConsoleSessions? = nil) {
        let auth = APIAuth(configuration: derive.configuration.api, sessions: sessions)
        upload = UploadRoutes(derive: derive, auth: auth)
        admin = AdminRoutes(
            derive: derive, auth: auth,
            limiter: RateLimiter(
                limit: derive.configuration.api.adminRateLimit, windowSeconds: derive.configuration.api.adminRateWindow)
        )
        cloudName = derive.configuration.cloudName
    }

    static let resourceTypes: Set<String> = ["image", "video", "raw", "auto"]

    func handle(_ request: Request, context: some RequestContext) async throws -> Response {
        // The SDK builds paths with smart_escape(unquote(…)): segments are percent-decoded here; a
        // public id's `/` arrives as a literal `/`.
        let raw = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).dropFirst()
        let segments = raw.map { String($0).removingPercentEncoding ?? String($0) }
        guard let cloud = segments.first else { throw APIError.notFound("No API endpoint at \(request.uri.path)") }
        guard cloud == cloudName else { throw APIError.notFound("Unknown cloud \"\(cloud.prefix(64))\"") }
        let path = Array(segments.dropFirst())
        if request.method == .post, path.count == 2, Self.resourceTypes.contains(path[0]) {
            return try await upload.handle(request, resourceType: path[0], action: path[1])
        }
        return try await admin.handle(request, context: context, path: path)
    }
}
