import BosunCore
import Foundation

/// The dashboard's pages as pure functions of what the engine reports: easy to read, easy to
/// test, no state of their own.
enum DashboardPages {
    /// `/`: every application with its sync and health, commit and last sync.
    static func applications(_ statuses: [ApplicationStatus], canOperate: Bool, now: Date) -> String {
        let synced = statuses.filter { $0.sync.status == .synced }.count
        let degraded = statuses.filter { $0.health.status == .degraded }.count
        let outOfSync = statuses.filter { $0.sync.status == .outOfSync }.count
        var rows = ""
        for s in statuses {
            let condition = s.condition.map { #"<div class="condition" title="\#(HTML.esc($0.message))">⚠ \#(HTML.esc($0.type))</div>"# } ?? ""
            let pinned = s.pinned ? #" <span class="badge muted" title="automatic syncs paused at \#(HTML.esc(s.pinnedRevision ?? ""))">pinned</span>"# : ""
            let commit = s.commit.map { "\(HTML.sha($0.sha)) <span class=\"subject\">\(HTML.esc($0.subject))</span>" } ?? HTML.sha(nil)
            let last = s.lastSync.map { last in
                "\(HTML.badge(last.result.rawValue)) <a href=\"/apps/\(HTML.path(s.name))/syncs/\(last.id)\">#\(last.id)</a> \(HTML.time(last.finishedAt ?? last.startedAt, now: now)) <span class=\"muted\">\(HTML.esc(last.trigger.rawValue))</span>"
            } ?? #"<span class="muted">never</span>"#
            let actions = canOperate ? #"<button class="small" data-action="sync" data-app="\#(HTML.esc(s.name))">Sync</button>"# : ""
            rows += """
                <tr data-app="\(HTML.esc(s.name))">
                  <td><a class="app" href="/apps/\(HTML.path(s.name))">\(HTML.esc(s.name))</a>\(pinned)\(condition)</td>
                  <td>\(HTML.esc(s.target))</td>
                  <td class="sync">\(HTML.badge(s.sync.status.rawValue))\(s.operation.map { " " + HTML.badge("Running", title: "sync #\($0.syncID): \($0.phase) \($0.done)/\($0.total)") } ?? "")</td>
                  <td class="health">\(HTML.badge(s.health.status.rawValue, title: s.health.message))</td>
                  <td class="commit">\(commit)</td>
                  <td class="last">\(last)</td>
                  <td class="actions">\(actions)</td>
                </tr>

                """
        }
        if statuses.isEmpty {
            rows = #"<tr><td colspan="7" class="empty">No applications yet. Add one under <code>applications:</code> in the config; Bosun reloads it on change.</td></tr>"#
        }
        return """
            <div class="page-head">
              <h1>Applications</h1>
              <div class="summary">
                <span><b>\(statuses.count)</b> total</span>
                <span class="good-text"><b>\(synced)</b> synced</span>
                <span class="warn-text"><b>\(outOfSync)</b> out of sync</span>
                <span class="bad-text"><b>\(degraded)</b> degraded</span>
              </div>
            </div>
            <table id="apps" class="grid">
              <thead><tr><th>Application</th><th>Target</th><th>Sync</th><th>Health</th><th>Commit</th><th>Last sync</th><th></th></tr></thead>
              <tbody>
            \(rows)
              </tbody>
            </table>
            """
    }

    /// What the application page shows, gathered by the route.
    struct ApplicationPage {
        var status: ApplicationStatus
        var history: [SyncSummary]
        /// The newest syncs' details, shown inline.
        var details: [Int64: SyncDetail]
        /// The live diff, or why it could not be computed.
        var diff: Result<String, DiffUnavailable>
        var events: [EventRecord]
    }

    struct DiffUnavailable: Error { var message: String }

    /// `/apps/{name}`: status, resources, live diff, history with details, events.
    static func application(_ page: ApplicationPage, canOperate: Bool, now: Date) -> String {
        let s = page.status
        let name = HTML.esc(s.name)
        var facts: [(String, String)] = []
        facts.append(("Target", HTML.esc(s.target)))
        facts.append(("Source", "\(HTML.esc(s.repository)) · <code>\(HTML.esc(s.path))</code> @ \(HTML.esc(s.revisionSpec))"))
        if let set = s.applicationSet { facts.append(("Application set", HTML.esc(set))) }
        if let c = s.commit {
            facts.append(("Commit", "\(HTML.sha(c.sha)) \(HTML.esc(c.subject)) <span class=\"muted\">by \(HTML.esc(c.author)), \(HTML.time(c.date, now: now))</span>"))
        }
        facts.append(("Synced to", HTML.sha(s.sync.revision)))
        facts.append(("Auto-sync", s.pinned ? "paused: pinned at \(HTML.sha(s.pinnedRevision))" : (s.autoSync ? "on" : "off")))
        if let last = s.lastSync {
            facts.append(("Last sync", "\(HTML.badge(last.result.rawValue)) #\(last.id) \(HTML.time(last.finishedAt ?? last.startedAt, now: now)) <span class=\"muted\">(\(HTML.esc(last.trigger.rawValue)))</span>"))
        }
        var op = ""
        if let o = s.operation {
            let percent = o.total > 0 ? min(100, o.done * 100 / o.total) : 0
            op = """
                <div class="operation">Sync <a href="/apps/\(HTML.path(s.name))/syncs/\(o.syncID)">#\(o.syncID)</a> running: \(HTML.esc(o.phase))\(o.wave.map { " wave \($0)" } ?? "") · \(o.done)/\(o.total) \(HTML.esc(o.message))
                <div class="bar"><span style="width: \(percent)%"></span></div></div>
                """
        }
        let condition = s.condition.map { #"<div class="callout warn"><b>\#(HTML.esc($0.type))</b> \#(HTML.esc($0.message))</div>"# } ?? ""
        let buttons = canOperate ? """
            <div class="buttons">
              <button data-action="sync" data-app="\(name)">Sync</button>
              <button class="secondary" data-action="rollback" data-app="\(name)">Rollback</button>
              <button class="secondary" data-action="refresh" data-app="\(name)">Refresh</button>
              \(s.pinned ? #"<button class="secondary" data-action="unpin" data-app="\#(name)">Unpin</button>"# : "")
            </div>
            """ : ""
        return """
            <div class="page-head">
              <h1><a href="/" class="crumb">Applications</a> / \(name)</h1>
              <div class="badges">\(HTML.badge(s.sync.status.rawValue)) \(HTML.badge(s.health.status.rawValue, title: s.health.message))</div>
              \(buttons)
            </div>
            \(condition)\(op)
            <dl class="facts">\(facts.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined())</dl>
            <h2>Resources</h2>
            \(resources(s.resources))
            <h2>Live diff</h2>
            \(liveDiff(page.diff))
            <h2>History</h2>
            \(history(s.name, page.history, details: page.details, now: now))
            <h2>Events</h2>
            \(events(page.events, now: now))
            """
    }

    static func resources(_ resources: [ResourceStatus]) -> String {
        guard !resources.isEmpty else { return #"<p class="empty">No resources compared yet.</p>"# }
        let rows = resources.map { r in
            """
            <tr data-key="\(HTML.esc(r.key))"><td>\(HTML.esc(r.kind))</td><td>\(HTML.esc(r.namespace))</td><td>\(HTML.esc(r.name))</td>\
            <td>\(HTML.badge(r.sync.rawValue))</td><td>\(HTML.badge(r.health.status.rawValue))</td><td class="message">\(HTML.esc(r.health.message))</td></tr>
            """
        }.joined(separator: "\n")
        return """
            <table id="resources" class="grid">
              <thead><tr><th>Kind</th><th>Namespace</th><th>Name</th><th>Sync</th><th>Health</th><th>Message</th></tr></thead>
              <tbody>\(rows)</tbody>
            </table>
            """
    }

    static func liveDiff(_ diff: Result<String, DiffUnavailable>) -> String {
        switch diff {
        case .success(let text) where text.isEmpty: #"<p id="diff" class="empty">No differences: what runs is what Git declares.</p>"#
        case .success(let text): #"<div id="diff">\#(HTML.diff(text))</div>"#
        case .failure(let why): #"<p id="diff" class="callout warn">The diff cannot be computed now: \#(HTML.esc(why.message))</p>"#
        }
    }

    static func history(_ app: String, _ syncs: [SyncSummary], details: [Int64: SyncDetail], now: Date) -> String {
        guard !syncs.isEmpty else { return #"<p id="history" class="empty">No syncs yet.</p>"# }
        let items = syncs.map { sync -> String in
            let summary = """
                <summary>\(HTML.badge(sync.result.rawValue)) <a href="/apps/\(HTML.path(app))/syncs/\(sync.id)">#\(sync.id)</a> \
                \(HTML.sha(sync.revision)) <span class="subject">\(HTML.esc(sync.subject ?? ""))</span> \
                <span class="muted">\(HTML.esc(sync.trigger.rawValue)) · \(HTML.time(sync.startedAt, now: now)) · \(HTML.duration(from: sync.startedAt, to: sync.finishedAt))</span></summary>
                """
            let body = details[sync.id].map { syncBody($0) } ?? #"<p><a href="/apps/\#(HTML.path(app))/syncs/\#(sync.id)">Details</a></p>"#
            return #"<details class="sync" id="sync-\#(sync.id)" data-sync="\#(sync.id)">\#(summary)\#(body)</details>"#
        }
        return #"<div id="history">\#(items.joined(separator: "\n"))</div>"#
    }

    /// One sync's message, per-resource results and the diff it applied.
    static func syncBody(_ detail: SyncDetail) -> String {
        let message = detail.sync.message.isEmpty ? "" : #"<p class="message">\#(HTML.esc(detail.sync.message))</p>"#
        let rows = detail.resources.map { r in
            "<tr><td>\(HTML.esc(r.phase))</td><td>\(r.wave)</td><td><code>\(HTML.esc(r.key))</code></td><td>\(HTML.esc(r.action))</td><td>\(HTML.badge(r.result))</td><td class=\"message\">\(HTML.esc(r.message))</td></tr>"
        }.joined(separator: "\n")
        let table = detail.resources.isEmpty ? #"<p class="empty">Nothing needed applying.</p>"# : """
            <table class="grid results"><thead><tr><th>Phase</th><th>Wave</th><th>Resource</th><th>Action</th><th>Result</th><th>Message</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """
        let diff = detail.diff.isEmpty ? "" : HTML.diff(detail.diff)
        return message + table + diff
    }

    /// `/apps/{name}/syncs/{id}`: one sync in full.
    static func sync(_ app: String, _ detail: SyncDetail, now: Date) -> String {
        let s = detail.sync
        return """
            <div class="page-head">
              <h1><a href="/" class="crumb">Applications</a> / <a href="/apps/\(HTML.path(app))" class="crumb">\(HTML.esc(app))</a> / sync #\(s.id)</h1>
              <div class="badges">\(HTML.badge(s.result.rawValue))</div>
            </div>
            <dl class="facts">
              <dt>Commit</dt><dd>\(HTML.sha(s.revision)) \(HTML.esc(s.subject ?? "")) <span class="muted">\(HTML.esc(s.author ?? ""))</span></dd>
              <dt>Trigger</dt><dd>\(HTML.esc(s.trigger.rawValue))</dd>
              <dt>Started</dt><dd>\(HTML.time(s.startedAt, now: now))</dd>
              <dt>Duration</dt><dd>\(HTML.duration(from: s.startedAt, to: s.finishedAt))</dd>
            </dl>
            <div id="sync-detail">\(syncBody(detail))</div>
            """
    }

    static func events(_ events: [EventRecord], now: Date) -> String {
        guard !events.isEmpty else { return #"<p id="events" class="empty">No events.</p>"# }
        let rows = events.map { e in
            "<tr class=\"\(e.type == .warning ? "warning" : "")\"><td>\(HTML.time(e.time, now: now))</td><td>\(HTML.esc(e.reason))</td><td class=\"message\">\(HTML.esc(e.message))</td></tr>"
        }.joined(separator: "\n")
        return #"<table id="events" class="grid events"><thead><tr><th>When</th><th>Reason</th><th>Message</th></tr></thead><tbody>\#(rows)</tbody></table>"#
    }

    /// `/login`: a token field, or a note that the server is open.
    static func login(next: String, error: String?, open: Bool) -> String {
        if open {
            return """
                <div class="card narrow"><h1>No sign-in needed</h1>
                <p>This server has no API tokens configured, so it listens on loopback only and allows everything.</p>
                <p><a href="/">Go to the applications</a></p></div>
                """
        }
        return """
            <div class="card narrow">
              <h1>Sign in</h1>
              <p>Paste an API token. <span class="muted">An admin creates one with <code>bosun token create NAME --role viewer|operator|admin</code>.</span></p>
              \(error.map { #"<p class="callout bad" id="login-error">\#(HTML.esc($0))</p>"# } ?? "")
              <form method="post" action="/login" id="login">
                <input type="hidden" name="next" value="\(HTML.esc(next))">
                <label for="login-token">API token</label>
                <input id="login-token" name="token" type="password" autocomplete="current-password" required autofocus>
                <button type="submit" id="login-submit">Sign in</button>
              </form>
            </div>
            """
    }
}
