import BosunCharts
import BosunCore
import BosunGit
import BosunRender
import Foundation

/// Resolves and renders an application that is not one Git source alone: a chart from a chart
/// repository or OCI registry, and values files from other Git repositories. What it is synced
/// to is a *source revision*: each source's revision (a commit SHA, `<chart>@<version>` with
/// its digest), combined in source order as `Commit.sha` (`podinfo@6.1.0,3f2a…`), with the
/// list in `Commit.sources`. Used by the engine and by `bosun render`/`diff` without a server.
public struct ApplicationSources: Sendable {
    public let config: Config
    public let git: GitMirrors
    public let charts: ChartSources
    public let renderer: Renderer
    public let renders: RenderCache
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(config: Config, git: GitMirrors, charts: ChartSources, renderer: Renderer, renders: RenderCache) {
        self.config = config
        self.git = git
        self.charts = charts
        self.renderer = renderer
        self.renders = renders
    }

    /// Whether the application's revision is a commit alone (one Git source, no values from
    /// elsewhere): such applications keep today's path and JSON.
    public static func isGitOnly(_ spec: ApplicationSpec, in config: Config) -> Bool {
        (config.repository(named: spec.source.repository)?.type ?? .git) == .git && (spec.source.helm?.valuesFrom.isEmpty ?? true)
    }

    public func access(_ repository: RepositorySpec) -> ChartRepositoryAccess {
        ChartRepositoryAccess(repository, environment: environment, resolvePath: config.resolvePath)
    }

    /// The revision of each source `revision` asks for: a combined revision (`podinfo@6.1.0,3f2a…`,
    /// from history or a pin) fixes each source in order; otherwise the first part is the
    /// application's own source and values files follow what they track.
    func revisions(_ spec: ApplicationSpec, _ revision: RevisionSpec) -> (main: RevisionSpec, values: [RevisionSpec]) {
        var values = (spec.source.helm?.valuesFrom ?? []).map(\.revision)
        guard case .ref(let text) = revision else { return (revision, values) }
        let parts = SourceRevision.split(text)
        var main = parts.first ?? text
        if let chart = spec.source.chart, main.hasPrefix(chart + "@") { main = String(main.dropFirst(chart.count + 1)) }
        for (i, part) in parts.dropFirst().enumerated() where i < values.count && !part.isEmpty { values[i] = .ref(part) }
        return (.ref(main), values)
    }

    /// Resolves every source. `fetch` brings a repository up to date (once per tick in the
    /// engine) and returns a warning when it failed but an earlier copy is used.
    public func resolve(_ spec: ApplicationSpec, revision: RevisionSpec,
                        fetch: @Sendable (RepositorySpec) async throws -> String?) async throws -> (Commit, warning: String?) {
        guard let repository = config.repository(named: spec.source.repository) else {
            throw EngineError(.invalid, "repository \"\(spec.source.repository)\" is not in the config")
        }
        let (mainRevision, valueRevisions) = revisions(spec, revision)
        var warnings: [String] = []
        var sources: [SourceRevision] = []
        var author = ""
        var date = Date(timeIntervalSince1970: 0)
        var subject = ""
        if let warning = try await fetch(repository) { warnings.append(warning) }
        if repository.type == .git {
            let commit = try await git.resolve(mainRevision, in: repository)
            sources.append(SourceRevision(repository: repository.name, revision: commit.sha))
            (author, date, subject) = (commit.author, commit.date, commit.subject)
        } else {
            guard let chart = spec.source.chart else {
                throw EngineError(.invalid, "\(spec.name): \(repository.name) holds charts; name one with source.chart")
            }
            let resolved = try await charts.resolve(access(repository), chart: chart, revision: mainRevision)
            sources.append(SourceRevision(repository: repository.name, revision: resolved.revision, digest: resolved.digest))
            date = resolved.created ?? date
            subject = "chart \(chart) \(resolved.version)" + (resolved.description.map { ": \($0)" } ?? "")
        }
        for (i, values) in (spec.source.helm?.valuesFrom ?? []).enumerated() {
            guard let from = config.repository(named: values.repository) else {
                throw EngineError(.invalid, "\(spec.name): helm.valuesFrom[\(i)] names repository \"\(values.repository)\", which is not in the config")
            }
            if let warning = try await fetch(from) { warnings.append(warning) }
            let commit = try await git.resolve(valueRevisions[i], in: from)
            sources.append(SourceRevision(repository: from.name, revision: commit.sha))
        }
        let combined = Commit(sha: SourceRevision.combined(sources), author: author, date: date, subject: subject, sources: sources)
        return (combined, warnings.isEmpty ? nil : warnings.joined(separator: "; "))
    }

    /// Renders the application at its sources' revisions (through the render cache): the chart
    /// from the cache by digest (its dependencies vendored), values files read from their
    /// repositories at their commits.
    public func render(_ spec: ApplicationSpec, commit: Commit, capabilities: TargetCapabilities?) async throws -> RenderOutput {
        guard let repository = config.repository(named: spec.source.repository), let sources = commit.sources, !sources.isEmpty else {
            throw EngineError(.invalid, "\(spec.name): no source revision to render")
        }
        var request = RenderRequest(
            path: spec.source.path, kind: spec.source.render, helm: spec.source.helm, releaseName: spec.name,
            namespace: spec.destination.namespace, varsFile: spec.source.varsFile)
        request.jsonnet = spec.source.jsonnet
        request.directory = spec.source.directory
        request.capabilities = capabilities
        for (i, values) in (spec.source.helm?.valuesFrom ?? []).enumerated() {
            guard i + 1 < sources.count, let from = config.repository(named: values.repository) else { continue }
            let path: String
            do { path = try Renderer.normalize(values.path) } catch {
                throw EngineError(.invalid, "\(spec.name): helm.valuesFrom[\(i)] \(values.path) leaves repository \(from.name); give a path inside it")
            }
            let sha = sources[i + 1].revision
            let files: [String: Data]
            do { files = try await git.read(commit: sha, paths: [path], in: from, maxSize: 4 << 20) } catch {
                throw EngineError(.invalid, "\(spec.name): values file \(path) cannot be read from \(from.name) at \(short(sha)): \(error)")
            }
            guard let data = files[path], let text = String(data: data, encoding: .utf8) else {
                throw EngineError(.invalid, "\(spec.name): values file \(path) is not in \(from.name) at \(short(sha))")
            }
            request.externalValues.append(ExternalValues(label: "\(from.name)@\(sha.prefix(12)):\(path)", content: text))
        }
        var renderer = self.renderer
        let charts = self.charts
        let accesses = config.repositories.filter { $0.type != .git }.map(access)
        renderer.prepareChart = { folder in
            try await charts.vendorDependencies(in: folder, repositories: accesses, displayName: spec.name)
        }
        if repository.type == .git {
            if request.kind == nil { request.kind = .helm }
            let key = RenderCache.Key(sourceID: "commit:\(repository.url)@\(sources[0].revision)", request: request)
            let source = GitTreeSource(mirrors: git, repository: repository, commit: sources[0].revision)
            let (configured, gitRequest) = (renderer, request)
            return try await renders.render(key) { try await configured.render(gitRequest, from: source) }
        }
        guard let chart = spec.source.chart, let version = sources[0].revision.split(separator: "@").last.map(String.init) else {
            throw EngineError(.invalid, "\(spec.name): \(sources[0].revision) does not name a chart version")
        }
        request.path = "."
        request.kind = .helm
        let key = RenderCache.Key(sourceID: "chart:\(sources[0].digest ?? sources[0].revision)", request: request)
        if let hit = await renders.get(key) { return hit }
        let chartAccess = access(repository)
        let resolved = try await charts.resolve(chartAccess, chart: chart, revision: .ref(version))
        if let recorded = sources[0].digest, recorded != resolved.digest {
            throw ChartError(.invalid, "\(repository.name): chart \(chart) \(version) now has digest \(resolved.digest), but \(recorded) was recorded; the repository replaced a published version, refusing it")
        }
        let folder = try await charts.chartDirectory(resolved, access: chartAccess)
        try await charts.vendorDependencies(in: folder, repositories: accesses, displayName: "\(repository.name)/\(chart)")
        renderer.prepareChart = nil
        let output = try await renderer.render(request, from: DirectorySource(root: folder))
        await renders.put(key, output)
        return output
    }
}
