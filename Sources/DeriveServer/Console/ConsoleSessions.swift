import Derive
import DeriveTransform
import Foundation
import HTTPTypes
import Hummingbird
import Synchronization

/// The web console's logins: a random session id in an `HttpOnly; SameSite=Strict` cookie, kept in
/// memory with an idle expiry, each bound to one API key pair and to a CSRF token the page sends
/// back in `X-CSRF-Token` on every API call. The secret never reaches the page.
final class ConsoleSessions: Sendable {
    struct Session: Sendable {
        var key: String
        var csrfToken: String
        var expires: Date
    }

    static let cookieName = "derive_session"
    static let loginCookieName = "derive_login"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!
    /// A session ends after this long without a request.
    let idleSeconds: Double
    let maxSessions: Int
    private let sessions = Mutex<[String: Session]>([:])

    init(idleSeconds: Double = 8 * 3_600, maxSessions: Int = 10_000) {
        self.idleSeconds = idleSeconds
        self.maxSessions = maxSessions
    }

    /// Starts a session for `key`; returns its id (the cookie value) and CSRF token.
    func create(key: String, now: Date = Date()) -> (id: String, csrfToken: String) {
        let id = Self.randomToken()
        let token = Self.randomToken()
        sessions.withLock { sessions in
            if sessions.count >= maxSessions {
                sessions = sessions.filter { $0.value.expires > now }
                if sessions.count >= maxSessions, let oldest = sessions.min(by: { $0.value.expires < $1.value.expires })
                {
                    sessions[oldest.key] = nil
                }
            }
            sessions[id] = Session(key: key, csrfToken: token, expires: now.addingTimeInterval(idleSeconds))
        }
        return (id, token)
    }

    /// The live session a request's cookie names (its expiry pushed back), or nil.
    func session(for request: Request, now: Date = Date()) -> (id: String, session: Session)? {
        guard let id = Self.cookie(Self.cookieName, in: request), id.utf8.count == 64 else { return nil }
        return sessions.withLock { sessions in
            guard var session = sessions[id] else { return nil }
            guard session.expires > now else {
                sessions[id] = nil
                return nil
            }
            session.expires = now.addingTimeInterval(idleSeconds)
            sessions[id] = session
            return (id, session)
        }
    }

    func remove(_ id: String) {
        _ = sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// The key pair of an API call that a console session authorizes (no `Authorization` header,
    /// a session cookie), or nil when the request carries no session cookie at all. A cookie
    /// without a live session is a 401, a missing or wrong `X-CSRF-Token` a 403, and a write by a
    /// read-only pair a 403.
    func caller(_ request: Request, configuration: APIConfiguration, write: Bool) throws(APIError)
        -> APIConfiguration.KeyPair?
    {
        guard Self.cookie(Self.cookieName, in: request) != nil else { return nil }
        guard let (_, session) = session(for: request), let pair = configuration.pair(forKey: session.key) else {
            throw .unauthorized("The console session has expired: log in again")
        }
        guard let sent = request.headers[Self.csrfHeader], Signatures.constantTimeEquals(sent, session.csrfToken)
        else {
            throw .forbidden("Missing or invalid CSRF token (X-CSRF-Token)")
        }
        if write, pair.readOnly { throw .forbidden("api_key \(pair.key) is read-only") }
        return pair
    }

    // MARK: - Cookies

    /// The value of cookie `name` in the request's `Cookie` headers.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for item in header.split(separator: ";") {
                let parts = item.split(separator: "=", maxSplits: 1)
                if parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
        }
        return nil
    }

    /// A `Set-Cookie` value: `HttpOnly; SameSite=Strict`, `Secure` when the request came over TLS.
    static func setCookie(_ name: String, _ value: String, path: String, request: Request, maxAge: Int? = nil)
        -> String
    {
        var cookie = "\(name)=\(value); Path=\(path); HttpOnly; SameSite=Strict"
        if let maxAge { cookie += "; Max-Age=\(maxAge)" }
        if isSecure(request) { cookie += "; Secure" }
        return cookie
    }

    /// The request came over TLS (its scheme) or through a TLS-terminating proxy (`X-Forwarded-Proto`).
    static func isSecure(_ request: Request) -> Bool {
        if request.head.scheme?.lowercased() == "https" { return true }
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-Proto")!] ?? ""
        return forwarded.split(separator: ",").first?.trimmingCharacters(in: .whitespaces).lowercased() == "https"
    }

    /// 32 random bytes as 64 hex digits.
    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).count == 1 ? "0" + String(byte, radix: 16) : String(byte, radix: 16)
        }.joined()
    }
}
