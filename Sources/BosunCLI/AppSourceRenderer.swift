import BosunCharts
import BosunCore
import BosunEngine
import BosunGit
import BosunRender
import Foundation

/// Renders an application of a config at a revision without a server: Git-only applications
/// as `bosun render --repo` does, charts and values from other repositories through the
/// engine's `ApplicationSources` (same cache folders as `bosun serve`).
struct AppSourceRenderer {
    let config: Config
    let spec: ApplicationSpec
    let source: SourceRenderer
    let sources: ApplicationSources

    init(config: Config, app: String, configFile: String) throws {
        guard let spec = config.application(named: app) else {
            throw CLIError("\(configFile) has no application \"\(app)\"\(closestMatch(to: app, in: config.applications.map(\.name)).map { "; did you mean \"\($0)\"?" } ?? "")")
        }
        self.config = config
        self.spec = spec
        let directory = config.dataDirectory
        source = SourceRenderer(directory: directory)
        sources = ApplicationSources(
            config: config, git: source.mirrors, charts: ChartSources(cacheDirectory: directory.appendingPathComponent("cache/charts")),
            renderer: source.renderer, renders: source.cache)
    }

    /// Closes the chart repositories' connections (their HTTP client must be shut down).
    func shutdown() async { await sources.charts.shutdown() }

    /// The source revision `revision` names (nil: what the application tracks), fetching each
    /// repository once.
    func resolve(_ revision: String?) async throws -> Commit {
        let wanted = revision.map { RevisionSpec.ref($0) } ?? spec.source.revision
        if ApplicationSources.isGitOnly(spec, in: config) {
            guard let repository = config.repository(named: spec.source.repository) else { throw CLIError("no repository \(spec.source.repository)") }
            return try await source.resolve(revision.map { try RevisionSpec(argument: $0) } ?? spec.source.revision, in: repository)
        }
        let sources = self.sources
        let git = source.mirrors
        let fetched = FetchedOnce()
        let (commit, warning) = try await sources.resolve(spec, revision: wanted) { repository in
            guard await fetched.first(repository.name) else { return nil }
            if repository.type == .git { return try await git.fetch(repository).warning }
            return try await sources.charts.refresh(sources.access(repository))
        }
        if let warning { Console.error("warning: \(warning)") }
        return commit
    }

    func render(_ commit: Commit) async throws -> RenderOutput {
        if commit.sources != nil {
            let output = try await sources.render(spec, commit: commit, capabilities: nil)
            for note in output.notes { Console.error("note: \(note)") }
            return output
        }
        guard let repository = config.repository(named: spec.source.repository) else { throw CLIError("no repository \(spec.source.repository)") }
        var request = RenderRequest(path: try Renderer.normalize(spec.source.path), kind: spec.source.render, helm: spec.source.helm,
                                    releaseName: spec.name, namespace: spec.destination.namespace, varsFile: spec.source.varsFile)
        request.jsonnet = spec.source.jsonnet
        request.directory = spec.source.directory
        return try await source.render(request, commit: commit.sha, in: repository)
    }
}

/// Remembers which repositories were fetched, so each is fetched once per command.
actor FetchedOnce {
    var seen: Set<String> = []
    func first(_ name: String) -> Bool { seen.insert(name).inserted }
}
