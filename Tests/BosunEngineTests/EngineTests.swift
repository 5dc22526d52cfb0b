import BosunCore
import BosunEngine
import BosunStore
import BosunTesting
import Foundation
import Testing

@Suite(.serialized, .onEveryStore) struct EngineTests {
    @Test func aNewCommitIsSyncedAndRecorded() async throws {
        let h = try await EngineHarness()
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        let history = try await h.waitForSyncs(1)
        let head = try h.repo.head()
        #expect(history.first?.result == .succeeded)
        #expect(history.first?.revision == head)
        #expect(history.first?.subject == "first")
        let object = try #require(await h.target.objects[EngineHarness.key])
        #expect(object.label("bosun.dev/app") == "app")
        #expect(object.annotation("bosun.dev/tracking-id") == "app:/ConfigMap:demo/settings")
        let status = try await h.status()
        #expect(status.sync.status == .synced && status.sync.revision == head)
        #expect(status.health.status == .healthy)

        // The next commit is picked up at the next interval.
        try h.repo.commit(files: ["app/cm.yaml": EngineHarness.configMap("settings", data: ["k": "v2"])], message: "second")
        try await h.advanceAfterTheLoopSleeps(by: .seconds(181))
        try await h.waitForSyncs(2)
        #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "v2")
        #expect(try await h.history().first?.trigger == .interval)
    }

    @Test func driftIsRepairedBySelfHealAndOnlyReportedWithout() async throws {
        for selfHeal in [true, false] {
            let h = try await EngineHarness(sync: SyncPolicy(auto: true, selfHeal: selfHeal))
            try await h.engine.start()
            try await h.waitForSyncs(1)
            await h.target.edit(EngineHarness.key) { $0.body["data"] = ["k": "changed by hand"] }
            if selfHeal {
                try await h.waitForSyncs(2)
                #expect(try await h.history().first?.trigger == .selfHeal)
                #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "v")
            } else {
                try await eventually("OutOfSync") { try await h.status().sync.status == .outOfSync }
                #expect(try await h.history().count == 1)
                let events = try await h.engine.events(app: "app")
                #expect(events.contains { $0.reason == "DriftDetected" })
            }
            await h.cleanup()
        }
    }

    @Test func anInvalidCommitNeverTouchesWhatRuns() async throws {
        let h = try await EngineHarness()
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        try h.repo.commit(files: ["app/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: [oops\n"], message: "broken")
        try await h.engine.refresh("app")
        try await eventually("ComparisonError") { try await h.status().condition?.type == "ComparisonError" }
        let status = try await h.status()
        #expect(status.condition?.message.contains("cm.yaml") == true)
        #expect(status.condition?.revision == (try h.repo.head()))
        #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "v")
        #expect(try await h.history().count == 1)
    }

    @Test func transientFailuresRetryWithBackoff() async throws {
        let h = try await EngineHarness()
        defer { Task { await h.cleanup() } }
        await h.target.setFailure(EngineHarness.key, TargetError(.transient, "API server returned 503"))
        try await h.engine.start()
        try await h.waitForSyncs(1)
        #expect(try await h.history().first?.result == .failed)
        try await eventually("the 503 in the condition") { try await h.status().condition?.message.contains("503") == true }
        // First retry after 5 s, the next after 10 s.
        try await h.waitForADeadline(within: 5)
        h.clock.advance(by: .seconds(4))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await h.history().count == 1)
        h.clock.advance(by: .seconds(1))
        try await h.waitForSyncs(2)
        try await h.waitForADeadline(within: 10)
        h.clock.advance(by: .seconds(9))
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await h.history().count == 2)
        await h.target.setFailure(EngineHarness.key, nil)
        h.clock.advance(by: .seconds(1))
        try await h.waitForSyncs(3)
        #expect(try await h.history().first?.result == .succeeded)
        try await eventually("the condition cleared") { try await h.status().condition == nil }
    }

    @Test func anUnhealthyCommitRollsBackAutomaticallyAndIsNotRetried() async throws {
        var policy = SyncPolicy(auto: true, prune: true, selfHeal: true, autoRollback: true)
        policy.healthTimeout = .seconds(30)
        let h = try await EngineHarness(sync: policy)
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        let good = try h.repo.head()
        try h.repo.commit(files: ["app/cm.yaml": EngineHarness.configMap("settings", data: ["k": "bad"], annotations: ["test.bosun.dev/health": "Degraded"])],
                          message: "bad release")
        let bad = try h.repo.head()
        try await h.engine.refresh("app")
        let history = try await h.waitForSyncs(3)
        #expect(history[1].revision == bad && history[1].result == .failed)
        #expect(history[0].revision == good && history[0].trigger == .autoRollback && history[0].result == .succeeded)
        #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "v")
        // The condition is set just after the rollback's sync record is finished.
        try await eventually("RollbackBlocked") { try await h.status().condition?.type == "RollbackBlocked" }
        #expect(try await h.status().sync.revision == good)
        let events = try await h.engine.events(app: "app")
        #expect(events.contains { $0.reason == "RolledBack" && $0.message.contains(String(bad.prefix(7))) })

        // The failed commit is not retried at the next interval; a newer commit is synced.
        try await h.advanceAfterTheLoopSleeps(by: .seconds(200))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await h.history().count == 3)
        try h.repo.commit(files: ["app/cm.yaml": EngineHarness.configMap("settings", data: ["k": "fixed"])], message: "fix")
        try await h.advanceAfterTheLoopSleeps(by: .seconds(200))
        try await h.waitForSyncs(4)
        #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "fixed")
    }

    @Test func aHealthWaitTimesOut() async throws {
        var policy = SyncPolicy(auto: true)
        policy.healthTimeout = .seconds(10)
        let h = try await EngineHarness(sync: policy, files: ["app/cm.yaml": EngineHarness.configMap("settings", annotations: ["test.bosun.dev/health": "Progressing"])])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await eventually("the sync waits for health") { try await h.status().operation != nil }
        // Time passes a second at a time until the wait gives up.
        try await eventually("the health wait to time out") {
            h.clock.advance(by: .seconds(1))
            return try await h.history().contains { $0.result != .running }
        }
        let history = try await h.waitForSyncs(1)
        #expect(history[0].result == .failed)
        #expect(history[0].message.contains("not healthy after 10s"))
    }

    @Test func manualRollbackPinsUntilUnpinned() async throws {
        let h = try await EngineHarness()
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        let first = try h.repo.head()
        try h.repo.commit(files: ["app/cm.yaml": EngineHarness.configMap("settings", data: ["k": "v2"])], message: "second")
        try await h.engine.refresh("app")
        try await h.waitForSyncs(2)
        let id = try await h.engine.rollback("app", to: nil)
        try await eventually("rollback finished") { try await h.engine.syncDetail("app", id: id).sync.result == .succeeded }
        var status = try await h.status()
        #expect(status.pinned && status.pinnedRevision == first && status.sync.revision == first)
        #expect(try await h.history().first?.trigger == .rollback)
        #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "v")
        // Pinned: a new commit waits.
        try h.repo.commit(files: ["app/cm.yaml": EngineHarness.configMap("settings", data: ["k": "v3"])], message: "third")
        try await h.engine.refresh("app")
        try await h.advanceAfterTheLoopSleeps(by: .seconds(200))
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await h.history().count == 3)
        try await h.engine.unpin("app")
        try await h.waitForSyncs(4)
        status = try await h.status()
        let head = try h.repo.head()
        #expect(!status.pinned && status.sync.revision == head)
    }

    @Test func aSecondSyncWhileOneRunsIsAConflict() async throws {
        let h = try await EngineHarness(files: ["app/cm.yaml": EngineHarness.configMap("settings", annotations: ["test.bosun.dev/health": "Progressing"])])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await eventually("a sync runs") { try await h.status().operation != nil }
        let running = try #require(try await h.status().operation?.syncID)
        do {
            _ = try await h.engine.sync("app", SyncRequest())
            Issue.record("expected a conflict")
        } catch let error as EngineError {
            #expect(error.code == .conflict && error.syncID == running)
        }
    }

    @Test func dependsOnWaitsForTheDependency() async throws {
        let policy = SyncPolicy(auto: true, prune: true, selfHeal: true)
        let apps = [
            ApplicationSpec(name: "platform", source: SourceSpec(repository: "repo", revision: .ref("main"), path: "platform"),
                            destination: DestinationSpec(target: "memory"), sync: policy),
            ApplicationSpec(name: "web", source: SourceSpec(repository: "repo", revision: .ref("main"), path: "web"),
                            destination: DestinationSpec(target: "memory"), sync: policy, dependsOn: ["platform"]),
        ]
        let h = try await EngineHarness(apps: apps, files: [
            "platform/ns.yaml": EngineHarness.configMap("platform", annotations: ["test.bosun.dev/health": "Progressing"]),
            "web/cm.yaml": EngineHarness.configMap("web"),
        ])
        defer { Task { await h.cleanup() } }
        let platformKey = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "platform")
        try await h.engine.start()
        try await eventually("web waits") { try await h.status("web").condition?.type == "WaitingForDependencies" }
        #expect(try await h.history("web").isEmpty)
        await h.target.setHealth(platformKey, .healthy())
        // The sync of platform looks at health again a second after it last did: move the clock a
        // poll at a time until it has (one jump can land before the poll sleeps again).
        try await eventually("platform's sync to see it healthy") {
            if (h.clock.nextDeadline?.timeIntervalSince(h.clock.now) ?? .infinity) <= 1 { h.clock.advance(by: .seconds(1)) }
            return try await h.history("platform").contains { $0.result != .running }
        }
        try await h.waitForSyncs(1, app: "platform")
        try await h.waitForSyncs(1, app: "web")
        #expect(try await h.history("web").first?.result == .succeeded)
    }

    @Test func whatGitDropsIsPruned() async throws {
        let h = try await EngineHarness(files: ["app/a.yaml": EngineHarness.configMap("a"), "app/b.yaml": EngineHarness.configMap("b"),
                                          "app/c.yaml": EngineHarness.configMap("c")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        try h.repo.remove("app/c.yaml")
        try h.repo.commit("drop c")
        try await h.engine.refresh("app")
        try await h.waitForSyncs(2)
        #expect(await h.target.objects[ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "c")] == nil)
        #expect(await h.target.deleted.count == 1)
        let detail = try await h.engine.syncDetail("app", id: try await h.history()[0].id)
        #expect(detail.resources.contains { $0.key == "/ConfigMap/demo/c" && $0.result == "Pruned" })
    }

    @Test func pruningMostOfAnApplicationIsRefused() async throws {
        let h = try await EngineHarness(files: ["app/a.yaml": EngineHarness.configMap("a"), "app/b.yaml": EngineHarness.configMap("b"),
                                          "app/c.yaml": EngineHarness.configMap("c")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        try h.repo.remove("app/b.yaml")
        try h.repo.remove("app/c.yaml")
        try h.repo.commit("drop two of three")
        try await h.engine.refresh("app")
        try await h.waitForSyncs(2)
        #expect(try await h.history().first?.result == .failed)
        try await eventually("PruneRefused") { try await h.status().condition?.type == "PruneRefused" }
        #expect(await h.target.deleted.isEmpty)
        #expect(try await h.engine.events(app: "app").contains { $0.reason == "PruneRefused" })
        // A person who means it forces the prune.
        let id = try await h.engine.sync("app", SyncRequest(forcePrune: true))
        try await eventually("forced prune") { try await h.engine.syncDetail("app", id: id).sync.result == .succeeded }
        #expect(await h.target.deleted.count == 2)
    }

    @Test func aSyncCutOffByACrashIsMarkedInterrupted() async throws {
        let h = try await EngineHarness()
        defer { Task { await h.cleanup() } }
        let id = try await h.store.beginSync(app: "app", trigger: .interval, revision: "abc", author: nil, subject: nil)
        try await h.engine.start()
        try await eventually("marked") { try await h.store.sync(id: id)?.sync.result == .interrupted }
        let events = try await h.engine.events()
        #expect(events.contains { $0.reason == "SyncInterrupted" })
    }

    @Test func atMostNSyncsRunAtOnce() async throws {
        let policy = SyncPolicy(auto: true)
        let apps = (1...3).map {
            ApplicationSpec(name: "app\($0)", source: SourceSpec(repository: "repo", revision: .ref("main"), path: "app\($0)"),
                            destination: DestinationSpec(target: "memory"), sync: policy)
        }
        var files: [String: String] = [:]
        for i in 1...3 { files["app\(i)/cm.yaml"] = EngineHarness.configMap("cm\(i)", annotations: ["test.bosun.dev/health": "Progressing"]) }
        let h = try await EngineHarness(apps: apps, files: files, maxConcurrentSyncs: 2)
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await eventually("two syncs run") { await h.engine.statuses().filter { $0.operation != nil }.count == 2 }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await h.engine.statuses().filter { $0.operation != nil }.count == 2)
    }

    @Test(arguments: [(0.0, 162.0), (1.0, 198.0)])
    func intervalsCarryTenPercentJitter(random: Double, seconds: Double) async throws {
        let h = try await EngineHarness(random: random)
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        try await h.waitForADeadline(within: seconds)
        let looks = await h.target.liveCalls
        // Just before the jittered interval nothing happens; just after, the application is looked at.
        h.clock.advance(by: .milliseconds(Int64((seconds - 1) * 1000)))
        try await Task.sleep(for: .milliseconds(300))
        #expect(await h.target.liveCalls == looks)
        h.clock.advance(by: .seconds(2))
        try await eventually("the next look") { await h.target.liveCalls > looks }
    }

    @Test func aConfigReloadAddsChangesAndRemovesApplications() async throws {
        let h = try await EngineHarness(files: ["app/cm.yaml": EngineHarness.configMap("settings"), "other/cm.yaml": EngineHarness.configMap("other")])
        defer { Task { await h.cleanup() } }
        try await h.engine.start()
        try await h.waitForSyncs(1)
        var config = h.config
        config.applications.append(ApplicationSpec(
            name: "other", source: SourceSpec(repository: "repo", revision: .ref("main"), path: "other"),
            destination: DestinationSpec(target: "memory"), sync: SyncPolicy(auto: true), pruneOnDelete: true))
        await h.engine.reload(config)
        try await h.waitForSyncs(1, app: "other")
        #expect(await h.target.objects[ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "other")] != nil)

        // Removed: "app" keeps its resources (reported orphaned); "other" deletes them (pruneOnDelete).
        config.applications = []
        await h.engine.reload(config)
        #expect(await h.engine.applicationNames().isEmpty)
        #expect(await h.target.objects[EngineHarness.key] != nil)
        #expect(await h.target.objects[ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "other")] == nil)
        let events = try await h.engine.events()
        #expect(events.contains { $0.app == "app" && $0.reason == "Orphaned" })
        #expect(events.contains { $0.app == "other" && $0.reason == "Deleted" })
    }
}
