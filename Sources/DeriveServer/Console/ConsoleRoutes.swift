import Derive
import DeriveTransform
import Foundation
import HTTPTypes
import Hummingbird

/// The web console at `/console`: a login page, the single-page app (plain HTML, CSS and a little
/// JavaScript from the binary) and its session endpoints. The app itself only calls the Upload and
/// Admin API (`/v1_1/<cloud>/…`), authorized by the session (see ``ConsoleSessions``).
struct ConsoleRoutes: Sendable {
    let configuration: Configuration
    let sessions: ConsoleSessions

    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
        + "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

    func register(on router: Router<BasicRequestContext>) {
        router.get("/console") { request, _ in page(request) }
        router.post("/console/login") { request, _ in try await login(request) }
        router.post("/console/logout") { request, _ in try logout(request) }
        router.get("/console/session") { request, _ in try session(request) }
        router.get("/console/assets/:name") { _, context in
            try asset(context.parameters.get("name") ?? "")
        }
    }

    // MARK: - Pages

    /// The app for a live session, else the login form (with a fresh login-CSRF token).
    private func page(_ request: Request) -> Response {
        if sessions.session(for: request) != nil {
            return Self.secured(html(status: .ok, ConsoleAssets.appPage))
        }
        return loginPage(request, status: .ok, error: nil)
    }

    private func loginPage(_ request: Request, status: HTTPResponse.Status, error: String?) -> Response {
        let token = ConsoleSessions.randomToken()
        var body = ConsoleAssets.loginPage.replacingOccurrences(of: "{{login_token}}", with: token)
        body = body.replacingOccurrences(of: "{{cloud}}", with: Self.escape(configuration.cloudName))
        body = body.replacingOccurrences(
            of: "{{error}}", with: error.map { "<p class=\"error\" role=\"alert\">\(Self.escape($0))</p>" } ?? "")
        if configuration.api.keys.isEmpty {
            body = body.replacingOccurrences(
                of: "{{notice}}",
                with: "<p class=\"error\">No API key is configured: set DERIVE_API_KEY and DERIVE_API_SECRET.</p>")
        }
        body = body.replacingOccurrences(of: "{{notice}}", with: "")
        var response = Self.secured(html(status: status, body))
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: ConsoleSessions.setCookie(
                    ConsoleSessions.loginCookieName, token, path: "/console", request: request, maxAge: 3_600)))
        return response
    }

    // MARK: - Session endpoints

    /// `api_key` + `api_secret` (urlencoded form) → a session cookie and a redirect to the app.
    /// Login CSRF: the form's `login_token` must equal the `derive_login` cookie (`SameSite=Strict`,
    /// so a cross-site form post does not carry it), and an `Origin` header must be this host's.
    private func login(_ request: Request) async throws -> Response {
        let parameters = try await APIParameters.parse(request, maxBodyBytes: 16 * 1024)
        guard Self.sameOrigin(request) else {
            return loginPage(request, status: .forbidden, error: "Cross-origin login refused")
        }
        guard let sent = parameters.string("login_token"),
            let cookie = ConsoleSessions.cookie(ConsoleSessions.loginCookieName, in: request),
            Signatures.constantTimeEquals(sent, cookie)
        else {
            return loginPage(request, status: .forbidden, error: "The login form expired: try again")
        }
        guard let key = parameters.string("api_key"), let secret = parameters.string("api_secret"),
            let pair = configuration.api.pair(forKey: key), Signatures.constantTimeEquals(pair.secret, secret)
        else {
            return loginPage(request, status: .unauthorized, error: "Invalid API key or secret")
        }
        let (id, _) = sessions.create(key: pair.key)
        var response = Self.secured(Response(status: .seeOther, headers: [.location: "/console"]))
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: ConsoleSessions.setCookie(ConsoleSessions.cookieName, id, path: "/", request: request)))
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: ConsoleSessions.setCookie(
                    ConsoleSessions.loginCookieName, "", path: "/console", request: request, maxAge: 0)))
        return response
    }

    /// Ends the session (needs its CSRF token) and clears the cookie.
    private func logout(_ request: Request) throws -> Response {
        guard let (id, session) = sessions.session(for: request) else {
            throw APIError.unauthorized("Not logged in")
        }
        guard let sent = request.headers[ConsoleSessions.csrfHeader],
            Signatures.constantTimeEquals(sent, session.csrfToken)
        else { throw APIError.forbidden("Missing or invalid CSRF token (X-CSRF-Token)") }
        sessions.remove(id)
        var response = apiResponse(["result": .string("logged out")])
        response.headers.append(
            HTTPField(
                name: .setCookie,
                value: ConsoleSessions.setCookie(ConsoleSessions.cookieName, "", path: "/", request: request, maxAge: 0)
            ))
        return Self.secured(response)
    }

    /// What the page needs to call the API: the key (never the secret), read-only, the CSRF token.
    private func session(_ request: Request) throws -> Response {
        guard let (_, session) = sessions.session(for: request), let pair = configuration.api.pair(forKey: session.key)
        else { throw APIError.unauthorized("Not logged in") }
        return Self.secured(
            apiResponse([
                "api_key": .string(pair.key), "read_only": .bool(pair.readOnly),
                "csrf_token": .string(session.csrfToken), "cloud_name": .string(configuration.cloudName),
            ]))
    }

    private func asset(_ name: String) throws -> Response {
        guard let (body, type) = ConsoleAssets.files[name] else {
            throw APIError.notFound("No console asset \(name.prefix(64))")
        }
        var response = Response(
            status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
        response.headers[.cacheControl] = "no-cache"
        return Self.secured(response)
    }

    // MARK: - Helpers

    private func html(status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    /// The console's security headers.
    static func secured(_ response: Response) -> Response {
        var response = response
        response.headers[.contentSecurityPolicy] = contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.xFrameOptions] = "DENY"
        response.headers[.referrerPolicy] = "same-origin"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }

    /// No `Origin` (same-origin form posts may omit it), or one whose host is the request's `Host`.
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return true }
        guard let host = request.head.authority, let url = URL(string: origin), let originHost = url.host else {
            return false
        }
        let authority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return authority.lowercased() == host.lowercased()
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
}
