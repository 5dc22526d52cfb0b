import BosunCore
import BosunStore
import BosunTesting
import Foundation
import Testing

/// One behaviour, two stores: every test runs against SQLite and against a real PostgreSQL.
@Suite("Store")
struct StoreTests {
    @Test("history: newest first, trimmed to the limit, a Running sync kept", arguments: StoreKind.allCases)
    func historyOrderAndLimit(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            let first = try await store.beginSync(app: "web", trigger: .interval, revision: "r1", author: "ann", subject: "first",
                                                  dryRun: false, diff: "", sources: nil, at: at(0.25))
            try await store.finishSync(id: first, result: .succeeded, message: "ok", historyLimit: 2, at: at(1.5))
            let running = try await store.beginSync(app: "web", trigger: .webhook, revision: "r2", author: nil, subject: nil,
                                                    dryRun: false, diff: "", sources: nil, at: at(2))
            let other = try await store.beginSync(app: "api", trigger: .manual, revision: "a1", author: nil, subject: nil,
                                                  dryRun: false, diff: "", sources: nil, at: at(2.5))
            try await store.finishSync(id: other, result: .succeeded, message: "", historyLimit: 1, at: at(2.75))
            let third = try await store.beginSync(app: "web", trigger: .manual, revision: "r3", author: nil, subject: nil,
                                                  dryRun: false, diff: "", sources: nil, at: at(3))
            try await store.finishSync(id: third, result: .failed, message: "boom", historyLimit: 2, at: at(3.5))
            let fourth = try await store.beginSync(app: "web", trigger: .selfHeal, revision: "r4", author: nil, subject: nil,
                                                   dryRun: false, diff: "", sources: nil, at: at(4))
            try await store.finishSync(id: fourth, result: .succeeded, message: "done", historyLimit: 2, at: at(4.5))

            #expect(first < running && running < other && other < third && third < fourth)
            let history = try await store.history(app: "web", limit: 10)
            // Trimmed to the newest two finished ones; the Running sync is never trimmed.
            #expect(history.map(\.id) == [fourth, third, running])
            #expect(history.map(\.result) == [.succeeded, .failed, .running])
            #expect(history.map(\.trigger) == [.selfHeal, .manual, .webhook])
            #expect(history.map(\.revision) == ["r4", "r3", "r2"])
            #expect(history[1].message == "boom")
            #expect(history[0].startedAt == at(4) && history[0].finishedAt == at(4.5))
            #expect(history[2].finishedAt == nil)
            #expect(try await store.sync(id: first) == nil)
            #expect(try await store.history(app: "web", limit: 1).map(\.id) == [fourth])
            // Another application's history is its own.
            #expect(try await store.history(app: "api", limit: 10).map(\.id) == [other])
            #expect(try await store.history(app: "nothing", limit: 10).isEmpty)
        }
    }

    @Test("a sync's detail: its resources in order, diff, sources, who and why", arguments: StoreKind.allCases)
    func syncDetail(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            let sources = [
                SourceRevision(repository: "https://git.example/app.git", revision: String(repeating: "a", count: 40)),
                SourceRevision(repository: "oci://charts.example/web", revision: "web@1.2.0", digest: "sha256:0123"),
            ]
            let id = try await store.beginSync(app: "web", trigger: .rollback, revision: SourceRevision.combined(sources), author: "Ann",
                                               subject: "Fix it", dryRun: true, diff: "--- a\n+++ b\n", sources: sources, at: at(10.5))
            let results = [
                ResourceResult(key: "batch/Job/default/migrate", action: "hook", result: "Succeeded", message: "ran", wave: -1, phase: "PreSync"),
                ResourceResult(key: "apps/Deployment/default/web", action: "update", result: "Succeeded", message: "", wave: 0),
                ResourceResult(key: "/ConfigMap/default/old", action: "delete", result: "Pruned", message: "gone", wave: 2),
            ]
            for result in results { try await store.recordResult(syncID: id, result) }

            let detail = try #require(try await store.sync(id: id))
            #expect(detail.resources == results)
            #expect(detail.diff == "--- a\n+++ b\n")
            #expect(detail.sync.sources == sources)
            #expect(detail.sync.dryRun == true)
            #expect(detail.sync.author == "Ann" && detail.sync.subject == "Fix it")
            #expect(detail.sync.trigger == .rollback && detail.sync.result == .running)
            #expect(detail.sync.startedAt == at(10.5))
            #expect(try await store.appOfSync(id: id) == "web")
            #expect(try await store.appOfSync(id: id + 1000) == nil)
            #expect(try await store.sync(id: id + 1000) == nil)
            // A Git-only sync has no sources and no dry-run flag, as before.
            let plain = try await store.beginSync(app: "web", trigger: .interval, revision: "r", author: nil, subject: nil,
                                                  dryRun: false, diff: "", sources: nil, at: at(11))
            let summary = try #require(try await store.sync(id: plain)).sync
            #expect(summary.sources == nil && summary.dryRun == nil)
        }
    }

    @Test("recordApplied keeps the inventory and the result together", arguments: StoreKind.allCases)
    func recordApplied(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            let id = try await store.beginSync(app: "web", trigger: .interval, revision: "r1", author: nil, subject: nil,
                                               dryRun: false, diff: "", sources: nil, at: at(0))
            let web = deployment("web", replicas: 2)
            try await store.recordApplied(
                syncID: id, app: "web", ResourceResult(key: web.key.description, action: "create", result: "Succeeded"),
                applied: web, removed: nil, revision: "r1", at: at(1.25))
            let entry = try #require(try await store.inventory(app: "web")[web.key])
            #expect(entry.lastApplied == web && entry.revision == "r1" && entry.appliedAt == at(1.25))

            try await store.recordApplied(
                syncID: id, app: "web", ResourceResult(key: web.key.description, action: "delete", result: "Pruned"),
                applied: nil, removed: web.key, revision: "r1", at: at(2))
            #expect(try await store.inventory(app: "web").isEmpty)
            let detail = try #require(try await store.sync(id: id))
            #expect(detail.resources.map(\.action) == ["create", "delete"])
        }
    }

    @Test("inventory: upsert, remove, the applications that hold some", arguments: StoreKind.allCases)
    func inventory(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            let web = deployment("web")
            let service = Resource(["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "default"]] as JSONObject)
            try await store.setInventory(app: "web", resource: web, revision: "r1", at: at(1))
            try await store.setInventory(app: "web", resource: deployment("web", replicas: 3), revision: "r2", at: at(2.5))
            try await store.setInventory(app: "web", resource: service, revision: "r2", at: at(2.5))
            try await store.setInventory(app: "api", resource: deployment("api"), revision: "a1", at: at(3))

            var inventory = try await store.inventory(app: "web")
            #expect(inventory.count == 2)
            let entry = try #require(inventory[web.key])
            #expect(entry.lastApplied == deployment("web", replicas: 3))
            #expect(entry.revision == "r2" && entry.appliedAt == at(2.5))
            #expect(inventory[service.key]?.lastApplied == service)
            #expect(try await store.inventoryApps() == ["api", "web"])

            try await store.removeInventory(app: "web", key: web.key)
            inventory = try await store.inventory(app: "web")
            #expect(Array(inventory.keys) == [service.key])
            try await store.removeInventory(app: "web", key: service.key)
            #expect(try await store.inventoryApps() == ["api"])
            #expect(try await store.inventory(app: "nothing").isEmpty)
        }
    }

    @Test("application state round-trips", arguments: StoreKind.allCases)
    func appState(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            #expect(try await store.appState("web") == PersistedAppState())
            var state = PersistedAppState()
            state.syncedRevision = "s"
            state.healthyRevision = "h"
            state.failedRevision = "f"
            state.pinnedRevision = "p"
            state.lastGoodRevision = "g"
            try await store.setAppState("web", state, at: at(1))
            #expect(try await store.appState("web") == state)
            state.pinnedRevision = nil
            try await store.setAppState("web", state, at: at(2))
            #expect(try await store.appState("web") == state)
            #expect(try await store.appState("api") == PersistedAppState())
        }
    }

    @Test("events: newest first, by application, after an id", arguments: StoreKind.allCases)
    func events(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            let first = try await store.addEvent(EventRecord(time: at(1.5), app: "web", type: .normal, reason: "Synced", message: "r1"))
            let second = try await store.addEvent(EventRecord(time: at(2), app: nil, type: .warning, reason: "ConfigError", message: "bad"))
            let third = try await store.addEvent(EventRecord(time: at(3), app: "api", type: .normal, reason: "Synced", message: "a1"))
            #expect(first.id < second.id && second.id < third.id)

            let all = try await store.events(app: nil, afterID: 0, limit: 10)
            #expect(all == [third, second, first])
            #expect(all[1].type == .warning && all[1].app == nil && all[2].time == at(1.5))
            #expect(try await store.events(app: "web", afterID: 0, limit: 10) == [first])
            #expect(try await store.events(app: nil, afterID: first.id, limit: 10) == [third, second])
            #expect(try await store.events(app: nil, afterID: 0, limit: 1) == [third])
            #expect(try await store.events(app: "web", afterID: first.id, limit: 10).isEmpty)
        }
    }

    @Test("audit: who did what, when", arguments: StoreKind.allCases)
    func audit(kind: StoreKind) async throws {
        try await withStore(kind) { fixture, store in
            try await store.audit(actor: "alice", action: "sync", app: "web", detail: "manual", at: at(1.5))
            try await store.audit(actor: "bob", action: "token.create", app: nil, detail: "", at: at(2))
            let rows = try await fixture.rows(
                "SELECT actor, action, COALESCE(app, '-'), detail, CAST((time - 1800000000) * 1000 AS BIGINT) FROM audit ORDER BY id")
            #expect(rows == ["alice|sync|web|manual|1500", "bob|token.create|-||2000"])
        }
    }

    @Test("the sealing key: 32 bytes, the same for every opening of the store", arguments: StoreKind.allCases)
    func sealingKey(kind: StoreKind) async throws {
        try await withStore(kind) { fixture, store in
            let key = try await store.sealingKey()
            #expect(key.count == 32)
            let again = try await fixture.open()
            #expect(try await again.sealingKey() == key)
            // Random, not a constant: another store has another key.
            try await withStore(kind) { _, other in
                let otherKey = try await other.sealingKey()
                #expect(otherKey != key)
            }
        }
    }

    @Test("markInterruptedSyncs marks the Running syncs and returns them as they were", arguments: StoreKind.allCases)
    func markInterrupted(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            let web = try await store.beginSync(app: "web", trigger: .interval, revision: "r1", author: nil, subject: nil,
                                                dryRun: false, diff: "", sources: nil, at: at(1))
            let done = try await store.beginSync(app: "api", trigger: .interval, revision: "a1", author: nil, subject: nil,
                                                 dryRun: false, diff: "", sources: nil, at: at(2))
            try await store.finishSync(id: done, result: .succeeded, message: "ok", historyLimit: 10, at: at(3))
            let api = try await store.beginSync(app: "api", trigger: .manual, revision: "a2", author: nil, subject: nil,
                                                dryRun: false, diff: "", sources: nil, at: at(4))

            let marked = try await store.markInterruptedSyncs(at: at(9.5))
            #expect(marked.map(\.id) == [web, api])
            #expect(marked.allSatisfy { $0.result == .running && $0.finishedAt == nil })
            let webSync = try #require(try await store.history(app: "web", limit: 10).first)
            #expect(webSync.result == .interrupted && webSync.finishedAt == at(9.5))
            #expect(webSync.message.contains("cut off"))
            #expect(try await store.history(app: "api", limit: 10).map(\.result) == [.interrupted, .succeeded])
            #expect(try await store.markInterruptedSyncs(at: at(10)).isEmpty)
        }
    }

    @Test("forget deletes one application's history, inventory and state", arguments: StoreKind.allCases)
    func forget(kind: StoreKind) async throws {
        try await withStore(kind) { _, store in
            var state = PersistedAppState()
            state.syncedRevision = "r1"
            for app in ["web", "api"] {
                let id = try await store.beginSync(app: app, trigger: .interval, revision: "r1", author: nil, subject: nil,
                                                   dryRun: false, diff: "", sources: nil, at: at(1))
                try await store.recordApplied(
                    syncID: id, app: app, ResourceResult(key: deployment(app).key.description, action: "create", result: "Succeeded"),
                    applied: deployment(app), removed: nil, revision: "r1", at: at(2))
                try await store.finishSync(id: id, result: .succeeded, message: "", historyLimit: 10, at: at(3))
                try await store.setAppState(app, state, at: at(3))
            }
            let webSync = try #require(try await store.history(app: "web", limit: 1).first)

            try await store.forget(app: "web")
            #expect(try await store.history(app: "web", limit: 10).isEmpty)
            #expect(try await store.sync(id: webSync.id) == nil)
            #expect(try await store.inventory(app: "web").isEmpty)
            #expect(try await store.appState("web") == PersistedAppState())
            #expect(try await store.inventoryApps() == ["api"])
            #expect(try await store.history(app: "api", limit: 10).count == 1)
            #expect(try await store.appState("api") == state)
        }
    }
}
