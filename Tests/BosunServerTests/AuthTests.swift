import BosunCore
import BosunServer
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Bearer tokens and roles: who may do what, and what everyone else is told.
@Suite(.onEveryStore) struct AuthTests {
    enum Caller: CaseIterable {
        case nobody, forged, viewer, operator_, admin
        var headers: HTTPFields {
            switch self {
            case .nobody: [:]
            case .forged: [.authorization: "Bearer not-a-real-token"]
            case .viewer: ServerHarness.bearer(.viewer)
            case .operator_: ServerHarness.bearer(.operator_)
            case .admin: ServerHarness.bearer(.admin)
            }
        }
        var role: Role? {
            switch self {
            case .nobody, .forged: nil
            case .viewer: .viewer
            case .operator_: .operator_
            case .admin: .admin
            }
        }
    }

    /// Every protected route with the least role that may use it.
    static let routes: [(HTTPRequest.Method, String, String?, Role)] = [
        (.get, "/api/v1/applications", nil, .viewer),
        (.get, "/api/v1/applications/app", nil, .viewer),
        (.get, "/api/v1/applications/app/resources", nil, .viewer),
        (.get, "/api/v1/applications/app/diff", nil, .viewer),
        (.get, "/api/v1/applications/app/history", nil, .viewer),
        (.get, "/api/v1/applications/app/history/1", nil, .viewer),
        (.get, "/api/v1/events", nil, .viewer),
        (.get, "/", nil, .viewer),
        (.get, "/apps/app", nil, .viewer),
        (.post, "/api/v1/applications/app/sync", #"{"dryRun": true}"#, .operator_),
        (.post, "/api/v1/applications/app/refresh", nil, .operator_),
        (.post, "/api/v1/applications/app/pin", nil, .operator_),
        (.post, "/api/v1/applications/app/unpin", nil, .operator_),
        (.post, "/api/v1/applications/app/rollback", #"{"to": "0000000"}"#, .operator_),
        (.post, "/api/v1/reload", nil, .admin),
    ]

    @Test func theRoleMatrix() async throws {
        let h = try await ServerHarness(tokens: ServerHarness.tokenSpecs)
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        try await h.withRouter { client in
            for (method, path, body, needed) in Self.routes {
                for caller in Caller.allCases {
                    let response = try await client.execute(uri: path, method: method, headers: caller.headers, body: body.map { ByteBuffer(string: $0) })
                    let what = "\(method) \(path) as \(caller)"
                    switch caller.role {
                    case nil where path.hasPrefix("/api/"):
                        #expect(response.status == .unauthorized, "\(what)")
                        #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="bosun""#, "\(what)")
                        #expect(response.json?[path: ["error", "code"]]?.stringValue == "Unauthorized", "\(what)")
                    case nil:
                        // A page sends a browser to sign in.
                        #expect(response.status == .seeOther, "\(what)")
                        #expect(response.headers[.location]?.hasPrefix("/login?next=") == true, "\(what)")
                    case let role? where role < needed:
                        #expect(response.status == .forbidden, "\(what)")
                        #expect(response.json?[path: ["error", "message"]]?.stringValue?.contains("needs \(needed.rawValue)") == true, "\(what)")
                    case _?:
                        #expect(![.unauthorized, .forbidden, .seeOther].contains(response.status), "\(what): \(response.status)")
                    }
                }
            }
            // Probes, metrics, the OpenAPI document, sign-in and assets need no token, and a bad one does not close them.
            for path in ["/healthz", "/readyz", "/metrics", "/api/v1/openapi.yaml", "/login", "/assets/bosun.css", "/assets/bosun.js"] {
                for caller in [Caller.nobody, .forged] {
                    let response = try await client.execute(uri: path, method: .get, headers: caller.headers)
                    #expect(response.status == .ok, "GET \(path) as \(caller)")
                }
            }
        }
    }

    @Test func actionsAreAuditedUnderTheTokenName() async throws {
        let h = try await ServerHarness(tokens: ServerHarness.tokenSpecs)
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        try await h.withRouter { client in
            let response = try await client.execute(uri: "/api/v1/applications/app/refresh", method: .post, headers: ServerHarness.bearer(.operator_))
            #expect(response.status == .accepted)
        }
        // Read from outside Bosun, with the database's own shell.
        #expect(try await h.opened.rows("SELECT actor, action, app FROM audit") == ["otto|refresh|app"])
    }

    @Test func withoutTokensALoopbackServerIsOpenAndAnyOtherRefusesToStart() async throws {
        let open = try await ServerHarness(tokens: [])
        defer { Task { await open.cleanup() } }
        try await open.engine.start()
        try await open.withRouter { client in
            let sync = try await client.execute(uri: "/api/v1/applications/app/refresh", method: .post)
            #expect(sync.status == .accepted)
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok && page.text.contains("open access (loopback)"))
        }
        // What keeps other web pages in the same browser out of an open server.
        try await open.withLiveServer { base in
            let host = String(base.dropFirst("http://".count))
            let crossSite = try await HTTP.request(.POST, base + "/api/v1/applications/app/refresh", headers: ["Origin": "https://evil.example"])
            #expect(crossSite.status == 403)
            let sameSite = try await HTTP.request(.POST, base + "/api/v1/applications/app/refresh", headers: ["Origin": base])
            #expect(sameSite.status == 202)
            let rebound = try await HTTP.request(.GET, base + "/api/v1/applications", headers: ["Host": "evil.example:\(host.split(separator: ":").last ?? "")"])
            #expect(rebound.status == 403)
            #expect(rebound.json?[path: ["error", "message"]]?.stringValue?.contains("loopback") == true)
        }

        let exposed = try await ServerHarness(tokens: [], listen: "0.0.0.0:0")
        defer { Task { await exposed.cleanup() } }
        await #expect(throws: ServerSetupError.self) { _ = try await exposed.server.application() }

        // The config validator says the same, pointing at server.listen.
        let yaml = """
            apiVersion: bosun.dev/v1
            kind: Config
            server:
              listen: "0.0.0.0:8080"
            """
        do {
            _ = try ConfigLoader.parse(yaml, file: "bosun.yaml")
            Issue.record("a config listening on 0.0.0.0 without tokens was accepted")
        } catch {
            #expect(error.description.contains("server.listen"))
            #expect(error.description.contains("bosun token create"))
        }
        let withToken = yaml + "\n  tokens:\n    - { name: ci, sha256: \"\(Authenticator.sha256Hex("t"))\", role: viewer }\n"
        #expect(try ConfigLoader.parse(withToken, file: "bosun.yaml").server.tokens.count == 1)
    }

    @Test func theDashboardSignsInWithACookieAndChangesNeedTheCSRFHeader() async throws {
        let h = try await ServerHarness(tokens: ServerHarness.tokenSpecs, auto: false)
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.withRouter { client in
            let wrong = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=nope&next=%2Fapps%2Fapp"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.text.contains("not valid"))

            let login = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                 body: ByteBuffer(string: "token=\(ServerHarness.tokens[.operator_] ?? "")&next=%2Fapps%2Fapp"))
            #expect(login.status == .seeOther)
            #expect(login.headers[.location] == "/apps/app")
            let setCookie = try #require(login.headers[.setCookie])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let cookie: HTTPFields = [.cookie: String(setCookie.prefix { $0 != ";" })]

            let page = try await client.execute(uri: "/apps/app", method: .get, headers: cookie)
            #expect(page.status == .ok)
            #expect(page.text.contains("otto · operator"))
            #expect(page.text.contains(#"data-action="sync""#))

            var noHeader = cookie
            noHeader[.contentType] = "application/json"
            let forged = try await client.execute(uri: "/api/v1/applications/app/sync", method: .post, headers: noHeader, body: ByteBuffer(string: "{}"))
            #expect(forged.status == .forbidden)
            var withHeader = noHeader
            withHeader[HTTPField.Name("X-Bosun-CSRF")!] = "1"
            let sync = try await client.execute(uri: "/api/v1/applications/app/sync", method: .post, headers: withHeader, body: ByteBuffer(string: "{}"))
            #expect(sync.status == .accepted)

            // A viewer sees no buttons; an off-site `next` is not followed.
            let viewer = try await client.execute(uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                                  body: ByteBuffer(string: "token=\(ServerHarness.tokens[.viewer] ?? "")&next=%2F%2Fevil.example"))
            #expect(viewer.headers[.location] == "/")
            let viewerCookie: HTTPFields = [.cookie: String((viewer.headers[.setCookie] ?? "").prefix { $0 != ";" })]
            let viewerPage = try await client.execute(uri: "/apps/app", method: .get, headers: viewerCookie)
            #expect(viewerPage.status == .ok && !viewerPage.text.contains(#"data-action="sync""#))

            let logout = try await client.execute(uri: "/logout", method: .post, headers: cookie)
            #expect(logout.headers[.setCookie]?.contains("Max-Age=0") == true)
        }
    }
}
