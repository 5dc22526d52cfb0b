import BosunCore
import BosunEngine
import BosunGit
import BosunRender
import BosunStore
import BosunTesting
import Foundation
import Testing

/// An engine on a real Git repository, a real SQLite store and an in-memory target, with a
/// manual clock so intervals, backoff and health timeouts are driven by the test.
struct EngineHarness: EngineTestHarness {
    let repo: GitRepository
    let dir: TemporaryDirectory
    let opened: OpenedTestStore
    var store: any Store { opened.store }
    let target: InMemoryTarget
    let clock: ManualClock
    let engine: Engine
    let config: Config

    static func configMap(_ name: String, data: [String: String] = [:], annotations: [String: String] = [:]) -> String {
        var yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n  namespace: demo\n"
        if !annotations.isEmpty {
            yaml += "  annotations:\n" + annotations.map { "    \($0.key): \"\($0.value)\"\n" }.sorted().joined()
        }
        yaml += "data:\n" + (data.isEmpty ? "  k: v\n" : data.map { "  \($0.key): \"\($0.value)\"\n" }.sorted().joined())
        return yaml
    }

    init(apps: [ApplicationSpec]? = nil, sync: SyncPolicy = SyncPolicy(auto: true, prune: true, selfHeal: true),
         files: [String: String] = ["app/cm.yaml": EngineHarness.configMap("settings")], maxConcurrentSyncs: Int = 4,
         random: Double = 0.5) async throws
    {
        repo = try GitRepository()
        try repo.commit(files: files, message: "first")
        dir = try TemporaryDirectory(prefix: "bosun-engine")
        opened = try await HarnessStore.open(in: dir)
        target = InMemoryTarget()
        clock = ManualClock()
        let applications = apps ?? [
            ApplicationSpec(name: "app", source: SourceSpec(repository: "repo", revision: .ref("main"), path: "app"),
                            destination: DestinationSpec(target: "memory"), sync: sync)
        ]
        config = Config(
            dataDir: dir.path, targets: [TargetSpec(name: "memory", type: "memory")],
            repositories: [RepositorySpec(name: "repo", url: repo.path)], applications: applications)
        // random 0.5: no jitter; 0: the shortest wait, 1: the longest.
        engine = TestEngine.make(config: config, targets: ["memory": target], store: opened.store, clock: clock, directory: dir, random: random) {
            $0.maxConcurrentSyncs = maxConcurrentSyncs
        }
    }

    func cleanup() async {
        await engine.stop()
        await opened.close()
        repo.remove()
        dir.remove()
    }

    func status(_ app: String = "app") async throws -> ApplicationStatus { try await engine.status(app) }

    /// Waits until someone sleeps on the clock until at most `seconds` from now (a retry, a
    /// health poll), so moving the clock afterwards cannot race the sleeper's deadline.
    func waitForADeadline(within seconds: Double) async throws {
        try await eventually("a sleeper due within \(seconds) s") {
            (clock.nextDeadline?.timeIntervalSince(clock.now) ?? .infinity) <= seconds
        }
    }

    /// Moves the clock once the application's loop has gone to sleep, so the loop cannot miss the
    /// jump by computing its next deadline afterwards.
    func advanceAfterTheLoopSleeps(by duration: Duration) async throws {
        try await eventually("the loop to sleep") { clock.sleeperCount > 0 }
        clock.advance(by: duration)
    }

    static let key = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "settings")
}
