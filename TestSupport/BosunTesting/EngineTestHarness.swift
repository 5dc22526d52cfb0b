import BosunCore
import BosunEngine
import BosunGit
import BosunRender
import BosunStore
import Foundation

/// What the engine and API tests share: the engine they build and the ways they wait on it.
public protocol EngineTestHarness {
    var engine: Engine { get }
}

extension EngineTestHarness {
    public func history(_ app: String = "app") async throws -> [SyncSummary] { try await engine.history(app) }

    /// Waits until `app` has `count` finished syncs; returns its history.
    @discardableResult
    public func waitForSyncs(_ count: Int, app: String = "app") async throws -> [SyncSummary] {
        try await eventually("\(count) finished syncs of \(app)") {
            try await history(app).filter { $0.result != .running }.count >= count
        }
        return try await history(app)
    }
}

/// The engine those tests run: real Git mirrors and renderer under `directory`, renders kept in
/// memory, the given store and targets, and a manual clock; no jitter (unless `random` says
/// otherwise) and no debounce, so every wait is the test's to drive.
public enum TestEngine {
    public static func make(
        config: Config, targets: [String: any DeploymentTarget], store: any Store, clock: ManualClock, directory: TemporaryDirectory,
        random: Double = 0.5, configure: (inout EngineOptions) -> Void = { _ in }
    ) -> Engine {
        var options = EngineOptions()
        options.clock = clock
        options.random = { random }
        options.changeDebounce = .zero
        configure(&options)
        return Engine(
            config: config, targets: targets, store: store, git: GitMirrors(root: directory.appending("git")),
            renderCache: RenderCache(directory: nil), renderer: Renderer(workDirectory: directory.appending("work")), options: options)
    }
}
