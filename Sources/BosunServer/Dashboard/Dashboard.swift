import BosunCore
import BosunEngine
import Foundation
import Hummingbird

/// The dashboard at `/`, served by Bosun itself and working offline: plain server-rendered
/// HTML, one stylesheet and one small script. Live updates come over the event stream: the
/// script re-fetches the page's `<main>` (header `X-Bosun-Fragment: 1`) when an event arrives.
struct Dashboard: Sendable {
    let engine: Engine
    let authenticator: Authenticator
    let secureCookies: Bool

    static let fragmentHeader = field("X-Bosun-Fragment")

    func addRoutes(to router: Router<BosunRequestContext>) {
        let dashboard = self
        router.get("/") { request, context in
            let statuses = await dashboard.engine.statuses()
            let content = DashboardPages.applications(statuses, canOperate: dashboard.canOperate(context), now: Date())
            return await dashboard.render(request, context, title: "Applications", app: nil, content: content)
        }
        router.get("/apps/:name") { request, context in
            let name = try context.parameters.require("name")
            guard let page = await dashboard.applicationPage(name) else { return await dashboard.notFound(request, context, name) }
            let content = DashboardPages.application(page, canOperate: dashboard.canOperate(context), now: Date())
            return await dashboard.render(request, context, title: name, app: name, content: content)
        }
        router.get("/apps/:name/syncs/:id") { request, context in
            let name = try context.parameters.require("name")
            guard let id = Int64(try context.parameters.require("id")), let detail = try? await dashboard.engine.syncDetail(name, id: id) else {
                return await dashboard.notFound(request, context, name)
            }
            return await dashboard.render(request, context, title: "\(name) sync #\(id)", app: name, content: DashboardPages.sync(name, detail, now: Date()))
        }
        router.get("/login") { request, context in
            let next = Self.safeNext(request.uri.queryParameters.get("next"))
            let open = await dashboard.isOpen()
            return dashboard.page(title: "Sign in", context, open: open, content: DashboardPages.login(next: next, error: nil, open: open))
        }
        router.post("/login") { request, context in
            let form = Self.form(Data(buffer: try await request.body.collect(upTo: 64 << 10)))
            let next = Self.safeNext(form["next"])
            let token = form["token"]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard case .allowed = await dashboard.authenticator.authenticate(token: token, viaCookie: true), !token.isEmpty,
                let cookie = try? Cookie.validated(name: AuthMiddleware.cookieName, value: token, path: "/", secure: dashboard.secureCookies,
                                                   httpOnly: true, sameSite: .strict)
            else {
                var response = dashboard.page(title: "Sign in", context, open: false,
                                              content: DashboardPages.login(next: next, error: "That token is not valid. Check it was copied whole, or ask an admin for a new one.", open: false))
                response.status = .unauthorized
                return response
            }
            var response = Response(status: .seeOther, headers: [.location: next])
            response.setCookie(cookie)
            return response
        }
        router.post("/logout") { _, _ in
            var response = Response(status: .seeOther, headers: [.location: "/login"])
            response.headers[values: .setCookie].append("\(AuthMiddleware.cookieName)=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict")
            return response
        }
        router.get("/assets/bosun.css") { _, _ in Self.asset(DashboardAssets.css, type: "text/css; charset=utf-8") }
        router.get("/assets/bosun.js") { _, _ in Self.asset(DashboardAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("/favicon.ico") { _, _ in Self.asset(DashboardAssets.icon, type: "image/svg+xml") }
    }

    func canOperate(_ context: BosunRequestContext) -> Bool { (context.identity?.role ?? .viewer) >= .operator_ }

    func isOpen() async -> Bool {
        if case .allowed = await authenticator.authenticate(token: nil, viaCookie: false) { return true }
        return false
    }

    /// Everything the application page shows; nil when there is no such application.
    func applicationPage(_ name: String) async -> DashboardPages.ApplicationPage? {
        guard let status = try? await engine.status(name) else { return nil }
        let history = (try? await engine.history(name, limit: 30)) ?? []
        var details: [Int64: SyncDetail] = [:]
        for sync in history.prefix(10) {
            details[sync.id] = try? await engine.syncDetail(name, id: sync.id)
        }
        let diff: Result<String, DashboardPages.DiffUnavailable>
        do {
            let changed = try await engine.diff(name).filter { $0.action != .unchanged }
            diff = .success(changed.map { $0.unified(color: false) }.joined(separator: "\n"))
        } catch {
            diff = .failure(.init(message: "\(error)"))
        }
        let events = (try? await engine.events(app: name, limit: 20)) ?? []
        return DashboardPages.ApplicationPage(status: status, history: history, details: details, diff: diff, events: events)
    }

    /// The full page, or only `<main>`'s content when the script asks for a live update.
    func render(_ request: Request, _ context: BosunRequestContext, title: String, app: String?, content: String) async -> Response {
        if request.headers[Self.fragmentHeader] == "1" {
            return APIResponse.raw(content, contentType: "text/html; charset=utf-8", headers: [.cacheControl: "no-store"])
        }
        return page(title: title, context, open: await isOpen(), app: app, content: content)
    }

    func page(title: String, _ context: BosunRequestContext, open: Bool, app: String? = nil, content: String) -> Response {
        APIResponse.raw(HTML.page(title: title, identity: context.identity, open: open, app: app, content: content),
                        contentType: "text/html; charset=utf-8", headers: [.cacheControl: "no-store"])
    }

    func notFound(_ request: Request, _ context: BosunRequestContext, _ name: String) async -> Response {
        let names = await engine.applicationNames()
        let hint = closestMatch(to: name, in: names).map { #" Did you mean <a href="/apps/\#(HTML.path($0))">\#(HTML.esc($0))</a>?"# } ?? ""
        var response = await render(request, context, title: "Not found", app: nil,
                                    content: #"<div class="card narrow"><h1>Not found</h1><p>There is no application or sync \#(HTML.esc(name)) here.\#(hint)</p><p><a href="/">All applications</a></p></div>"#)
        response.status = .notFound
        return response
    }

    static func asset(_ text: String, type: String) -> Response {
        APIResponse.raw(text, contentType: type, headers: [.cacheControl: "public, max-age=300"])
    }

    /// Only a path on this server, never `//elsewhere` or `https://…`.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.hasPrefix("/login") else { return "/" }
        return next
    }

    /// An `application/x-www-form-urlencoded` body.
    static func form(_ data: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: data, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            if let key = parts.first { fields[decode(key)] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return fields
    }
}
