import BosunCore
import BosunEngine
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The REST API in-process: shapes, statuses and errors as a script would see them.
@Suite(.onEveryStore) struct APITests {
    @Test func applicationsStatusResourcesAndHistoryReadAsTheCLIShowsThem() async throws {
        let h = try await ServerHarness(apps: [("web", "repo", "main"), ("api", "repo", "main")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        for app in ["web", "api"] {
            try await eventually("\(app) synced") { try await h.engine.status(app).sync.status == .synced }
        }
        let head = try h.repo().head()
        try await h.withRouter { client in
            let list = try await client.execute(uri: "/api/v1/applications", method: .get)
            #expect(list.status == .ok)
            let names = list.json?.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(names == ["api", "web"])
            #expect(list.json?.arrayValue?.first?[path: ["sync", "status"]]?.stringValue == "Synced")

            let one = try await client.execute(uri: "/api/v1/applications/web", method: .get)
            #expect(one.status == .ok)
            let status = try JSONDecoder.bosun.decode(ApplicationStatus.self, from: Data(buffer: one.body))
            #expect(status.name == "web" && status.sync.revision == head && status.health.status == .healthy)
            #expect(status.lastSync?.result == .succeeded)

            let resources = try await client.execute(uri: "/api/v1/applications/web/resources", method: .get)
            #expect(resources.json?.arrayValue?.map { $0["key"]?.stringValue } == ["/ConfigMap/demo/web"])

            let history = try await client.execute(uri: "/api/v1/applications/web/history", method: .get)
            let syncs = try JSONDecoder.bosun.decode([SyncSummary].self, from: Data(buffer: history.body))
            #expect(syncs.count == 1 && syncs[0].revision == head)

            let detail = try await client.execute(uri: "/api/v1/applications/web/history/\(syncs[0].id)", method: .get)
            let sync = try JSONDecoder.bosun.decode(SyncDetail.self, from: Data(buffer: detail.body))
            #expect(sync.resources.map(\.key) == ["/ConfigMap/demo/web"])
            #expect(sync.resources.first?.result == "Succeeded")
            #expect(sync.diff.contains("web"))

            // Another application's sync is not this one's.
            let apiSync = try #require(try await h.history("api").first)
            let foreign = try await client.execute(uri: "/api/v1/applications/web/history/\(apiSync.id)", method: .get)
            #expect(foreign.status == .notFound)
        }
    }

    @Test func errorsHaveTheRightStatusAndNameWhatIsWrong() async throws {
        let h = try await ServerHarness(apps: [("web", "repo", "main")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1, app: "web")
        try await h.withRouter { client in
            let unknown = try await client.execute(uri: "/api/v1/applications/wbe", method: .get)
            #expect(unknown.status == .notFound)
            #expect(unknown.json?[path: ["error", "code"]]?.stringValue == "NotFound")
            #expect(unknown.json?[path: ["error", "message"]]?.stringValue?.contains("did you mean \"web\"") == true)

            let badJSON = try await client.execute(uri: "/api/v1/applications/web/sync", method: .post, body: .json(#"{"revision": "main",}"#))
            #expect(badJSON.status == .badRequest)
            #expect(badJSON.json?[path: ["error", "code"]]?.stringValue == "MalformedJSON")

            let badType = try await client.execute(uri: "/api/v1/applications/web/sync", method: .post, body: .json(#"{"prune": "yes"}"#))
            #expect(badType.status == .badRequest)
            #expect(badType.json?[path: ["error", "message"]]?.stringValue == #"field "prune" must be true or false, not string"#)

            let typo = try await client.execute(uri: "/api/v1/applications/web/sync", method: .post, body: .json(#"{"revison": "main"}"#))
            #expect(typo.status == .badRequest)
            #expect(typo.json?[path: ["error", "message"]]?.stringValue?.contains(#"unknown field "revison"; did you mean "revision"?"#) == true)

            let badID = try await client.execute(uri: "/api/v1/applications/web/history/latest", method: .get)
            #expect(badID.status == .badRequest)

            let noRoute = try await client.execute(uri: "/api/v1/nothing-here", method: .get)
            #expect(noRoute.status == .notFound)
            #expect(noRoute.json?[path: ["error", "code"]]?.stringValue == "NotFound")

            let unknownRevision = try await client.execute(uri: "/api/v1/applications/web/sync", method: .post, body: .json(#"{"revision": "no-such-branch"}"#))
            #expect(unknownRevision.status == .notFound)
            #expect(unknownRevision.json?[path: ["error", "message"]]?.stringValue?.contains("no-such-branch") == true)
        }
    }

    @Test func aSyncWhileOneRunsIsAConflictNamingTheRunningSync() async throws {
        let h = try await ServerHarness(apps: [("web", "repo", "main")], auto: false)
        defer { Task { await h.cleanup() } }
        let key = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "web")
        // The resource never becomes healthy until the clock moves: the first sync keeps running.
        await h.target.setHealth(key, .progressing("rolling out"))
        try await h.engine.start()
        try await h.withRouter { client in
            let first = try await client.execute(uri: "/api/v1/applications/web/sync", method: .post)
            #expect(first.status == .accepted)
            let id = try #require(first.json?["id"]?.intValue)
            try await eventually("the sync waits for health") { try await h.engine.status("web").operation?.syncID == Int64(id) }

            let second = try await client.execute(uri: "/api/v1/applications/web/sync", method: .post, body: .json("{}"))
            #expect(second.status == .conflict)
            #expect(second.json?[path: ["error", "syncId"]]?.intValue == id)
            #expect(second.json?[path: ["error", "message"]]?.stringValue?.contains("sync \(id)") == true)

            await h.target.setHealth(key, nil)
            h.clock.advance(by: .seconds(2))
            try await h.waitForSyncs(1, app: "web")
            let done = try await client.execute(uri: "/api/v1/applications/web/history/\(id)", method: .get)
            #expect(done.json?[path: ["sync", "result"]]?.stringValue == "Succeeded")
        }
    }

    @Test func dryRunRollbackPinUnpinAndRefresh() async throws {
        let h = try await ServerHarness(apps: [("web", "repo", "main")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1, app: "web")
        let first = try h.repo().head()
        let second = try h.repo().commit(files: ["web/cm.yaml": ServerHarness.configMap("web", data: "v2")], message: "second")
        try await h.withRouter { client in
            // Naming the revision fetches it first.
            let dry = try await client.execute(uri: "/api/v1/applications/web/sync", method: .post, body: .json(#"{"dryRun": true, "revision": "main"}"#))
            #expect(dry.status == .ok)
            #expect(dry.json?["revision"]?.stringValue == second)
            #expect(dry.json?["diff"]?.stringValue?.contains("v2") == true)
            #expect(try await h.history("web").count == 1)

            let diff = try await client.execute(uri: "/api/v1/applications/web/diff", method: .get)
            #expect(diff.status == .ok)

            // Refresh: fetches and (auto-sync) syncs the new commit, as a webhook would.
            let refresh = try await client.execute(uri: "/api/v1/applications/web/refresh", method: .post)
            #expect(refresh.status == .accepted)
            try await h.waitForSyncs(2, app: "web")
            #expect(try await h.history("web").first?.revision == second)

            let rollback = try await client.execute(uri: "/api/v1/applications/web/rollback", method: .post)
            #expect(rollback.status == .accepted)
            try await h.waitForSyncs(3, app: "web")
            try await eventually("web synced back") { try await h.engine.status("web").sync.revision == first }
            #expect(try await h.engine.status("web").pinned)
            #expect(try await h.history("web").first?.trigger == .rollback)

            let unpin = try await client.execute(uri: "/api/v1/applications/web/unpin", method: .post)
            #expect(unpin.status == .ok && unpin.json?["pinned"]?.boolValue == false)
            let pin = try await client.execute(uri: "/api/v1/applications/web/pin", method: .post, body: .json(#"{"revision": "\#(first)"}"#))
            #expect(pin.status == .ok && pin.json?["pinnedRevision"]?.stringValue == first)

            let events = try await client.execute(uri: "/api/v1/events?app=web&limit=50", method: .get)
            let reasons = events.json?.arrayValue?.compactMap { $0["reason"]?.stringValue } ?? []
            #expect(reasons.contains("SyncSucceeded") && reasons.contains("Pinned") && reasons.contains("Unpinned"))
            #expect(events.json?.arrayValue?.allSatisfy { $0["app"]?.stringValue == "web" } == true)
        }
    }
}
