import BosunCore
import Foundation
import Hummingbird

/// Bearer auth for the API and the dashboard: 401 without a valid token, 403 for a role that
/// may not. The dashboard signs in by storing the token in an HttpOnly, SameSite=Strict cookie;
/// a cookie-authenticated change must also carry `X-Bosun-CSRF: 1`, which a cross-site form
/// cannot send.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = BosunRequestContext
    static let cookieName = "bosun_token"
    static let csrfHeader = field("X-Bosun-CSRF")

    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let access = AccessPolicy.required(method: request.method, path: path)
        let (token, viaCookie) = Self.token(of: request)
        var context = context
        // A browser on another site may post here (and to an open loopback server, nothing else
        // stops it); browsers always say where such a request comes from.
        if request.method != .get, request.method != .head, !path.hasPrefix("/hooks/"), let origin = request.headers[.origin],
            !Self.sameOrigin(origin, authority: request.head.authority)
        {
            return APIResponse.error(.forbidden, code: "Forbidden", "a cross-site request from \(origin) is refused")
        }
        // The sign-in page still learns who is asking (its header shows it); webhooks, probes
        // and metrics skip the token lookup entirely.
        guard case .role(let needed) = access else {
            if path == "/login", case .allowed(let identity) = await authenticator.authenticate(token: token, viaCookie: viaCookie) {
                context.identity = identity
            }
            return try await next(request, context)
        }
        switch await authenticator.authenticate(token: token, viaCookie: viaCookie) {
        case .unauthenticated(let why):
            if AccessPolicy.isPage(path) && (request.method == .get || request.method == .head) {
                return Response(status: .seeOther, headers: [.location: "/login?next=\(Self.encode(request.uri.description))"])
            }
            var response = APIResponse.error(.unauthorized, code: "Unauthorized", why)
            response.headers[.wwwAuthenticate] = #"Bearer realm="bosun""#
            return response
        case .allowed(let identity):
            guard identity.role >= needed else {
                return APIResponse.error(
                    .forbidden, code: "Forbidden",
                    "token \"\(identity.name)\" has role \(identity.role.rawValue); \(request.method) \(path) needs \(needed.rawValue)\(needed == .admin ? "" : " or admin")")
            }
            if identity.viaCookie, request.method != .get, request.method != .head, request.headers[Self.csrfHeader] != "1" {
                return APIResponse.error(.forbidden, code: "Forbidden", "a signed-in browser request that changes something must send the header X-Bosun-CSRF: 1")
            }
            // Without tokens only loopback may connect; a page whose name was re-pointed at
            // 127.0.0.1 (DNS rebinding) still arrives with its own host name, and is refused.
            if identity.isOpenAccess, !Self.isLoopbackAuthority(request.head.authority) {
                return APIResponse.error(.forbidden, code: "Forbidden", "this server has no API tokens and answers only to a loopback address (127.0.0.1, localhost, [::1])")
            }
            context.identity = identity
            return try await next(request, context)
        }
    }

    /// `Origin: http://host:port` names the server the request reached.
    static func sameOrigin(_ origin: String, authority: String?) -> Bool {
        guard let authority, let schemeEnd = origin.range(of: "://") else { return false }
        return origin[schemeEnd.upperBound...].lowercased() == authority.lowercased()
    }

    static func isLoopbackAuthority(_ authority: String?) -> Bool {
        guard let authority = authority?.lowercased() else { return true }  // HTTP/1.0 without Host: a local tool
        let host: Substring = authority.hasPrefix("[") ? authority.dropFirst().prefix { $0 != "]" } : authority.prefix { $0 != ":" }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The bearer token, else the dashboard's cookie.
    static func token(of request: Request) -> (String?, viaCookie: Bool) {
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                return (parts[1].trimmingCharacters(in: .whitespaces), false)
            }
            return (nil, false)
        }
        if let cookie = request.cookies[cookieName]?.value, !cookie.isEmpty {
            return (cookie, true)
        }
        return (nil, false)
    }

    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "/-_.~"))) ?? "/"
    }
}
