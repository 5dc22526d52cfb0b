import BosunCore
import BosunEngine
import BosunGit
import BosunRender
import BosunStore
import BosunTesting
import Foundation
import Testing

/// Declared health rules reach every target through the `DeploymentTarget` protocol: at start,
/// and again when a reload changes them (the engine knows nothing of what they mean).
@Suite struct HealthRulesDeliveryTests {
    /// A target that only records the rules it was given.
    actor RecordingTarget: DeploymentTarget {
        nonisolated let name = "recording"
        private(set) var received: [[HealthRuleSet]] = []

        func useHealthRules(_ rules: [HealthRuleSet]) async { received.append(rules) }
        func prepare(_ resources: [Resource], context: AppContext) async throws -> [Resource] { resources }
        func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] { [:] }
        func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource { resource }
        func delete(_ key: ResourceKey, context: AppContext) async throws {}
        func health(of key: ResourceKey, live: Resource?, desired: Resource?, context: AppContext) async -> HealthStatus { .healthy() }
    }

    @Test func rulesAreGivenAtStartAndWhenAReloadChangesThem() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-rules")
        defer { dir.remove() }
        let target = RecordingTarget()
        let certificate = HealthRuleSet(group: "cert-manager.io", kind: "Certificate",
                                        rules: [HealthRule(when: [HealthMatch(condition: ConditionMatch(type: "Ready", status: "True"))], health: .healthy)],
                                        defaultHealth: .progressing)
        var config = Config(dataDir: dir.path, targets: [TargetSpec(name: "recording", type: "recording")])
        config.healthRules = [certificate]
        let engine = Engine(
            config: config, targets: ["recording": target], store: try SQLiteStore(path: dir.appending("bosun.sqlite").path),
            git: GitMirrors(root: dir.appending("git")), renderCache: RenderCache(directory: nil),
            renderer: Renderer(workDirectory: dir.appending("work")))
        try await engine.start()
        #expect(await target.received == [[certificate]])

        // A reload that leaves the rules alone does not hand them over again.
        await engine.reload(config)
        #expect(await target.received.count == 1)

        var changed = config
        let widget = HealthRuleSet(group: "example.com", kind: "Widget", rules: [], defaultHealth: .progressing)
        changed.healthRules = [certificate, widget]
        await engine.reload(changed)
        #expect(await target.received.last == [certificate, widget])
        changed.healthRules = []
        await engine.reload(changed)
        #expect(await target.received.last == [])
        await engine.stop()
    }
}
