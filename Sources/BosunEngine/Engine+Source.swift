import BosunCharts
import BosunCore
import BosunDiff
import BosunGit
import BosunRender
import Foundation

/// Manifests Git wants for an application at a commit, ready for its target.
struct DesiredState: Sendable {
    var commit: Commit
    /// Kept resources, labelled and annotated for tracking.
    var resources: [Resource]
    /// Hook resources, run at their phase and never kept.
    var hooks: [Resource]
}

extension Engine {
    // MARK: Resolve

    /// Fetches the repository unless it was fetched within its window (one fetch per repository
    /// per tick, shared by every application that reads it), then resolves the revision.
    func resolve(_ spec: ApplicationSpec, revision: RevisionSpec, forceFetch: Bool, fetch: Bool = true) async throws -> (Commit, warning: String?) {
        guard let repository = config.repository(named: spec.source.repository) else {
            throw EngineError(.invalid, "repository \"\(spec.source.repository)\" is not in the config")
        }
        if !ApplicationSources.isGitOnly(spec, in: config) {
            // A chart, or values from other repositories: every source's revision, each
            // repository fetched at most once per window as Git repositories are.
            let resolved = try await sources.resolve(spec, revision: revision) { [self] repository in
                try await self.fetchOrWarning(repository, force: forceFetch, fetch: fetch)
            }
            try await verifySources(spec, revision: revision, commit: resolved.0)
            return resolved
        }
        var warning: String?
        if fetch {
            warning = try await fetchIfDue(repository, force: forceFetch)
        } else {
            warning = fetchWarnings[repository.name]
        }
        let commit = try await git.resolve(revision, in: repository)
        try await verifySignature(revision, commit: commit, in: repository)
        return (commit, warning)
    }

    /// A forced fetch (a webhook push, `bosun refresh`) never settles for a fetch that began
    /// before it was asked for, which could miss the pushed commit: it waits for that one, then
    /// shares the next, so a burst of pushes costs one fetch more, not one per push.
    func fetchIfDue(_ repository: RepositorySpec, force: Bool, notify: Bool = true) async throws -> String? {
        if let inFlight = fetches[repository.name] {
            guard force else { return try await inFlight.value.warning }
            _ = try? await inFlight.value
            if let next = fetches[repository.name], next != inFlight {
                return try await next.value.warning
            }
        }
        if !force, let last = lastFetch[repository.name], clock.now.timeIntervalSince(last) < fetchWindow(repository.name).seconds {
            return fetchWarnings[repository.name]
        }
        let task = fetchTask(repository)
        fetches[repository.name] = task
        defer { if fetches[repository.name] == task { fetches[repository.name] = nil } }
        let started = ContinuousClock.now
        do {
            let outcome = try await task.value
            EngineMetrics.fetched(repository: repository.name, succeeded: true, duration: ContinuousClock.now - started)
            lastFetch[repository.name] = clock.now
            fetchWarnings[repository.name] = outcome.warning
            // Sets and includes reading this repository list it again from the same fetch.
            if notify { declarationsFetched(repository.name) }
            return outcome.warning
        } catch {
            EngineMetrics.fetched(repository: repository.name, succeeded: false, duration: ContinuousClock.now - started)
            lastFetch[repository.name] = clock.now
            fetchWarnings[repository.name] = "\(error)"
            throw error
        }
    }

    /// Half the shortest interval of the applications reading the repository.
    func fetchWindow(_ repository: String) -> Duration {
        let shortest = specIndex.shortestInterval[repository] ?? declarationInterval()
        return .milliseconds(Int64(shortest.seconds * options.fetchWindowFraction * 1000))
    }

    // MARK: Render

    /// Renders (through the cache) and prepares the manifests for the target. A plain render reads
    /// only its folder, so it is cached by the folder's tree id: a commit elsewhere reuses it.
    func desiredState(_ spec: ApplicationSpec, commit: Commit, context: AppContext, allowEmpty: Bool = false) async throws -> DesiredState {
        guard let repository = config.repository(named: spec.source.repository) else {
            throw EngineError(.invalid, "repository \"\(spec.source.repository)\" is not in the config")
        }
        guard let target = targets[spec.destination.target] else {
            throw EngineError(.invalid, "target \"\(spec.destination.target)\" is not available")
        }
        var request = RenderRequest(
            path: spec.source.path, kind: spec.source.render, helm: spec.source.helm, releaseName: spec.name,
            namespace: spec.destination.namespace, varsFile: spec.source.varsFile)
        request.jsonnet = spec.source.jsonnet
        request.directory = spec.source.directory
        if spec.source.render == nil || spec.source.render == .helm { request.capabilities = await target.capabilities() }
        let output: RenderOutput
        if commit.sources != nil {
            output = try await sources.render(spec, commit: commit, capabilities: request.capabilities)
        } else {
            output = try await render(request, repository: repository, commit: commit.sha)
        }
        if output.resources.isEmpty && !spec.sync.allowEmpty && !allowEmpty {
            let notes = output.notes.isEmpty ? "" : " (\(output.notes.joined(separator: "; ")))"
            throw EngineError(.invalid, "the render of \(spec.source.chart ?? spec.source.path) at \(short(commit.sha)) is empty\(notes); refusing to treat that as \"delete everything\" (set sync.allowEmpty: true, or `bosun sync \(spec.name) --force-prune`, if it is meant)")
        }
        let prepared = try await target.prepare(output.resources, context: context)
        var resources: [Resource] = []
        var hooks: [Resource] = []
        for var resource in prepared {
            resource.setLabel(Annotations.appLabel, spec.name)
            resource.setAnnotation(Annotations.trackingID, Annotations.trackingID(app: spec.name, key: resource.key))
            if let phases = Hooks.phases(of: resource) {
                if !phases.isEmpty { hooks.append(resource) }
            } else {
                resources.append(resource)
            }
        }
        return DesiredState(commit: commit, resources: resources, hooks: hooks)
    }

    func render(_ request: RenderRequest, repository: RepositorySpec, commit: String) async throws -> RenderOutput {
        let source = GitTreeSource(mirrors: git, repository: repository, commit: commit)
        let commitKey = RenderCache.Key(sourceID: "commit:\(repository.url)@\(commit)", request: request)
        if let hit = await renders.get(commitKey) { return hit }
        let normalized = try Renderer.normalize(request.path)
        var treeKey: RenderCache.Key?
        if request.kind == nil || request.kind == .plain, let tree = try await git.treeID(commit: commit, path: normalized, in: repository) {
            let key = RenderCache.Key(sourceID: "tree:\(tree)", request: request)
            if let hit = await renders.get(key), hit.renderer == .plain {
                await renders.alias(commitKey, hit)
                return hit
            }
            treeKey = key
        }
        renderCount += 1
        let started = ContinuousClock.now
        // A chart in Git gets its dependencies (chart repositories, OCI, file://) in charts/.
        var renderer = self.renderer
        let charts = self.charts
        let accesses = config.repositories.filter { $0.type != .git }.map(sources.access)
        renderer.prepareChart = { folder in
            try await charts.vendorDependencies(in: folder, repositories: accesses, displayName: repository.name)
        }
        let output = try await renderer.render(request, from: source)
        EngineMetrics.rendered(renderer: output.renderer.rawValue, duration: ContinuousClock.now - started)
        await renders.put(commitKey, output)
        if output.renderer == .plain, let treeKey { await renders.put(treeKey, output) }
        return output
    }
}

extension Engine {
    /// The chart and values sources of applications that are not Git alone.
    var sources: ApplicationSources {
        ApplicationSources(config: config, git: git, charts: charts, renderer: renderer, renders: renders)
    }

    /// Signature checks of every Git source that asks for them (`verify`), each at its commit.
    func verifySources(_ spec: ApplicationSpec, revision: RevisionSpec, commit: Commit) async throws {
        let names = [spec.source.repository] + (spec.source.helm?.valuesFrom.map(\.repository) ?? [])
        let asked = sources.revisions(spec, revision)
        let specs = [asked.main] + asked.values
        for (i, source) in (commit.sources ?? []).enumerated() where i < names.count {
            guard let repository = config.repository(named: names[i]), repository.type == .git, repository.verify != nil else { continue }
            let part = Commit(sha: source.revision, author: "", date: commit.date, subject: "")
            try await verifySignature(i < specs.count ? specs[i] : .ref(source.revision), commit: part, in: repository)
        }
    }

    /// A fetch when due (`fetch`), else the last fetch's warning.
    func fetchOrWarning(_ repository: RepositorySpec, force: Bool, fetch: Bool) async throws -> String? {
        fetch ? try await fetchIfDue(repository, force: force) : fetchWarnings[repository.name]
    }

    /// Git repositories fetch their mirror; chart repositories read their index again (a
    /// conditional GET) and OCI registries their tags.
    func fetchTask(_ repository: RepositorySpec) -> Task<FetchOutcome, any Error> {
        let git = self.git
        guard repository.type != .git else { return Task { try await git.fetch(repository) } }
        let charts = self.charts
        let access = sources.access(repository)
        return Task {
            let started = ContinuousClock.now
            let warning = try await charts.refresh(access)
            return FetchOutcome(fetched: warning == nil, warning: warning, duration: ContinuousClock.now - started)
        }
    }
}

/// A revision as people write it: seven characters of a SHA, a chart version whole.
func short(_ revision: String) -> String { SourceRevision.short(revision) }
