import BosunCore
import Hummingbird

/// Which role each request needs. `viewer` reads; `operator` also syncs, rolls back, pins,
/// unpins and refreshes; `admin` may do everything (today: reload the config). Probes, metrics,
/// webhooks (they carry their own signatures), the sign-in page, static assets and the OpenAPI
/// document need no token.
enum AccessPolicy {
    enum Access: Sendable, Equatable {
        case open
        case role(Role)
    }

    /// The application actions an operator may take.
    static let operatorActions: Set<String> = ["sync", "rollback", "pin", "unpin", "refresh", "terminate"]

    static func required(method: HTTPRequest.Method, path: String) -> Access {
        if ["/healthz", "/readyz", "/metrics", "/login", "/logout", "/favicon.ico", "/api/v1/openapi.yaml"].contains(path)
            || path.hasPrefix("/hooks/") || path.hasPrefix("/assets/")
        {
            return .open
        }
        if method == .get || method == .head { return .role(.viewer) }
        let parts = path.split(separator: "/")
        // /api/v1/applications/{name}/{action}
        if parts.count == 5, parts[0] == "api", parts[1] == "v1", parts[2] == "applications", method == .post,
            operatorActions.contains(String(parts[4]))
        {
            return .role(.operator_)
        }
        // /api/v1/applicationsets/{name}/sync: listing a set again (and deleting past the guard when asked)
        if parts.count == 5, parts[0] == "api", parts[1] == "v1", parts[2] == "applicationsets", method == .post, parts[4] == "sync" {
            return .role(.operator_)
        }
        return .role(.admin)
    }

    /// A dashboard page (HTML) rather than the JSON API: unauthenticated visits go to sign-in.
    static func isPage(_ path: String) -> Bool { !path.hasPrefix("/api/") }
}
