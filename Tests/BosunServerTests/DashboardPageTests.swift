import BosunCore
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The dashboard's server-rendered pages, read as HTML (the browser test clicks through them).
@Suite struct DashboardPageTests {
    @Test func theApplicationsPageShowsStatusCommitAndLastSync() async throws {
        let h = try await ServerHarness(apps: [("shop", "repo", "main"), ("blog", "repo", "main")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        for app in ["shop", "blog"] { try await eventually("\(app) synced") { try await h.engine.status(app).sync.status == .synced } }
        let head = try h.repo().head()
        try await h.withRouter { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            let html = page.text
            #expect(html.contains(#"<tr data-app="shop">"#) && html.contains(#"<tr data-app="blog">"#))
            #expect(html.contains(#"<span class="badge good">Synced</span>"#))
            #expect(html.contains(#"<span class="badge good">Healthy</span>"#))
            #expect(html.contains(#"<code class="sha" title="\#(head)">\#(head.prefix(7))</code>"#))
            #expect(html.contains(#"<span class="subject">first</span>"#))
            #expect(html.contains("<time datetime="))
            #expect(html.contains(#"<link rel="stylesheet" href="/assets/bosun.css">"#))
            #expect(!html.contains("http://") && !html.contains("https://"), "no CDN or other remote asset")

            // The live update asks for <main> only.
            let fragment = try await client.execute(uri: "/", method: .get, headers: [HTTPField.Name("X-Bosun-Fragment")!: "1"])
            #expect(fragment.text.contains(#"<table id="apps""#) && !fragment.text.contains("<html"))
        }
    }

    @Test func theApplicationPageShowsResourcesLiveDiffHistoryAndDetails() async throws {
        let h = try await ServerHarness(apps: [("shop", "repo", "main")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        // Drift is reported against a synced application: wait for the look after the sync.
        try await eventually("shop synced") { try await h.engine.status("shop").sync.status == .synced }
        let key = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "shop")
        await h.target.edit(key) { $0.body["data"] = ["k": "<changed by hand>"] }
        try await eventually("drift reported") { try await h.engine.events(app: "shop").contains { $0.reason == "DriftDetected" } }
        let sync = try #require(try await h.history("shop").first)
        try await h.withRouter { client in
            let html = try await client.execute(uri: "/apps/shop", method: .get).text
            #expect(html.contains(#"<tr data-key="/ConfigMap/demo/shop"><td>ConfigMap</td><td>demo</td><td>shop</td>"#))
            #expect(html.contains(#"<span class="badge warn">OutOfSync</span>"#))
            // The live diff, escaped, the hand edit as the removed side.
            #expect(html.contains(#"<span class="del">-  k: &lt;changed by hand&gt;</span>"#) || html.contains("&lt;changed by hand&gt;"))
            #expect(!html.contains("<changed by hand>"))
            #expect(html.contains(#"<details class="sync" id="sync-\#(sync.id)" data-sync="\#(sync.id)">"#))
            #expect(html.contains(#"<code>/ConfigMap/demo/shop</code>"#))
            #expect(html.contains("DriftDetected"))

            let detail = try await client.execute(uri: "/apps/shop/syncs/\(sync.id)", method: .get)
            #expect(detail.status == .ok && detail.text.contains("sync #\(sync.id)"))

            let missing = try await client.execute(uri: "/apps/shpo", method: .get)
            #expect(missing.status == .notFound && missing.text.contains(#"Did you mean <a href="/apps/shop">shop</a>?"#))
        }
    }

    @Test func theAssetsAreServedByBosunItself() async throws {
        let h = try await ServerHarness()
        defer { Task { await h.cleanup() } }
        try await h.withRouter { client in
            let css = try await client.execute(uri: "/assets/bosun.css", method: .get)
            #expect(css.status == .ok && css.headers[.contentType] == "text/css; charset=utf-8" && css.text.contains(".badge.good"))
            let js = try await client.execute(uri: "/assets/bosun.js", method: .get)
            #expect(js.status == .ok && js.text.contains("new EventSource(\"/api/v1/events/stream\""))
        }
    }
}
