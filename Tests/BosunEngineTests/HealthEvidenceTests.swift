import BosunCore
import BosunEngine
import BosunStore
import BosunTesting
import Foundation
import Testing

/// Auto-rollback acts only on evidence against the commit: what someone does to the target while
/// a sync waits for health (deleting, editing), and resources the commit did not touch, never
/// roll a good commit back.
@Suite(.serialized, .onEveryStore) struct HealthEvidenceTests {
    static let slowKey = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "slow")
    static let otherKey = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "other")

    /// An application of three ConfigMaps (settings, slow, other), synced and healthy; then a
    /// commit that changes `settings` and `slow`, where `slow` stays Progressing until the test
    /// says so, so the sync sits in its health wait.
    static func harnessInHealthWait(selfHeal: Bool, retryBackoff: Duration = .seconds(5)) async throws -> (EngineHarness, good: String, next: String) {
        var policy = SyncPolicy(auto: true, prune: true, selfHeal: selfHeal, autoRollback: true)
        policy.healthTimeout = .seconds(30)
        policy.retryBackoff = retryBackoff
        let h = try await EngineHarness(sync: policy, files: [
            "app/cm.yaml": EngineHarness.configMap("settings"),
            "app/slow.yaml": EngineHarness.configMap("slow"),
            "app/other.yaml": EngineHarness.configMap("other"),
        ])
        try await h.engine.start()
        try await h.waitForSyncs(1)
        let good = try h.repo.head()
        await h.target.setHealth(slowKey, .progressing("rolling out"))
        try h.repo.commit(files: [
            "app/cm.yaml": EngineHarness.configMap("settings", data: ["k": "v2"]),
            "app/slow.yaml": EngineHarness.configMap("slow", data: ["k": "v2"]),
        ], message: "second")
        let next = try h.repo.head()
        try await h.engine.refresh("app")
        try await eventually("the sync of the second commit waits for health") {
            try await h.status().operation?.message.contains("waiting for health") == true
        }
        return (h, good, next)
    }

    /// Moves the clock a poll at a time until `condition` holds.
    static func poll(_ h: EngineHarness, _ what: String, _ condition: () async throws -> Bool) async throws {
        try await eventually(what) {
            if (h.clock.nextDeadline?.timeIntervalSince(h.clock.now) ?? .infinity) <= 1 { h.clock.advance(by: .seconds(1)) }
            return try await condition()
        }
    }

    @Test func aResourceDeletedDuringTheHealthWaitIsAppliedAgainAndTheCommitStays() async throws {
        let (h, _, next) = try await Self.harnessInHealthWait(selfHeal: true)
        defer { Task { await h.cleanup() } }
        await h.target.remove(EngineHarness.key)
        try await Self.poll(h, "the deleted ConfigMap to be applied again") { await h.target.objects[EngineHarness.key] != nil }
        #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "v2")
        await h.target.setHealth(Self.slowKey, nil)
        try await Self.poll(h, "the sync to finish") { try await h.history().first?.result != .running }
        let history = try await h.history()
        #expect(history.count == 2)
        #expect(history[0].revision == next && history[0].result == .succeeded)
        let events = try await h.engine.events(app: "app")
        #expect(events.contains { $0.reason == "DriftDuringSync" && $0.message.contains("ConfigMap/demo/settings was deleted") })
        #expect(!events.contains { $0.reason == "RollingBack" })
        let detail = try await h.engine.syncDetail("app", id: history[0].id)
        #expect(detail.resources.contains { $0.key.hasSuffix("/settings") && $0.message.contains("applied again") })
    }

    @Test func withoutSelfHealDriftDuringTheWaitFailsTheSyncAndIsRetriedNotRolledBack() async throws {
        let (h, _, next) = try await Self.harnessInHealthWait(selfHeal: false)
        defer { Task { await h.cleanup() } }
        await h.target.edit(EngineHarness.key, notify: false) { $0.body["data"] = ["k": "changed by hand"] }
        try await Self.poll(h, "the sync to fail") { try await h.history().first?.result == .failed }
        let failed = try #require(try await h.history().first)
        #expect(failed.revision == next)
        #expect(failed.message.contains("ConfigMap/demo/settings was changed"))
        #expect(failed.message.contains("selfHeal is off"))
        try await eventually("a retry is planned") { try await h.status().condition?.message.contains("retry 1 of") == true }
        #expect(try await h.status().condition?.type == "SyncError")
        let events = try await h.engine.events(app: "app")
        #expect(!events.contains { $0.reason == "RollingBack" })

        // The retry applies the commit again and, once `slow` is ready, succeeds.
        await h.target.setHealth(Self.slowKey, nil)
        try await h.advanceAfterTheLoopSleeps(by: .seconds(6))
        try await Self.poll(h, "the retry to succeed") { try await h.history().first?.result == .succeeded }
        #expect(try await h.history().first?.revision == next)
        #expect(await h.target.objects[EngineHarness.key]?["data", "k"] == "v2")
    }

    @Test func aDegradedResourceTheCommitDidNotTouchFailsTheSyncWithoutRollingBack() async throws {
        let (h, _, next) = try await Self.harnessInHealthWait(selfHeal: true)
        defer { Task { await h.cleanup() } }
        await h.target.setHealth(Self.otherKey, .degraded("disk full"))
        try await Self.poll(h, "the sync to fail") { try await h.history().first?.result == .failed }
        let failed = try #require(try await h.history().first)
        #expect(failed.revision == next)
        #expect(failed.message.contains("ConfigMap/demo/other is Degraded, and this commit did not change it"))
        let events = try await h.engine.events(app: "app")
        #expect(!events.contains { $0.reason == "RollingBack" })
        #expect(try await h.history().count == 2)
    }

    @Test func aChangedResourceStillUnknownAtTheDeadlineIsNoEvidence() async throws {
        let (h, _, _) = try await Self.harnessInHealthWait(selfHeal: true)
        defer { Task { await h.cleanup() } }
        await h.target.setHealth(Self.slowKey, .unknown("the controller reports nothing"))
        try await Self.poll(h, "the health wait to time out") { try await h.history().first?.result == .failed }
        #expect(try await h.history().first?.message.contains("not healthy after 30s") == true)
        let events = try await h.engine.events(app: "app")
        #expect(!events.contains { $0.reason == "RollingBack" })
    }

    @Test func aChangedResourceThatIsDegradedIsEvidenceAndTheRollbackNamesIt() async throws {
        let (h, good, next) = try await Self.harnessInHealthWait(selfHeal: true)
        defer { Task { await h.cleanup() } }
        await h.target.setHealth(Self.slowKey, .degraded("CrashLoopBackOff"))
        try await Self.poll(h, "the rollback") {
            let history = try await h.history()
            return history.count == 3 && history[0].result != .running
        }
        let history = try await h.history()
        #expect(history[1].revision == next && history[1].result == .failed)
        #expect(history[0].revision == good && history[0].trigger == .autoRollback)
        let events = try await h.engine.events(app: "app")
        let rollingBack = try #require(events.first { $0.reason == "RollingBack" })
        #expect(rollingBack.message.contains("ConfigMap/demo/slow is Degraded: CrashLoopBackOff"))
    }
}
