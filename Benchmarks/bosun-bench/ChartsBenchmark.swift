import ArgumentParser
import BosunCharts
import BosunCore
import BosunEngine
import BosunGit
import BosunHost
import BosunRender
import BosunStore
import BosunTesting
import Foundation

/// 200 applications on one chart repository (20 charts × versions), on the host target: the
/// first sync, then steady-state passes where the index is asked for once per refresh with
/// `If-None-Match` and an unchanged index costs no download and no render; then a cached chart
/// rendered next to `helm template` alone (the overhead is Bosun's).
struct ChartsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "charts", abstract: "Chart repositories: index requests, downloads, renders per pass; render overhead over helm.")

    @Option(help: "Applications.") var apps = 200
    @Option(help: "Charts in the repository.") var charts = 20
    @Option(help: "Versions of each chart.") var versions = 5
    @Option(help: "Steady-state passes.") var passes = 3

    func run() async throws {
        quietLogging()
        let dir = try TemporaryDirectory(prefix: "bosun-bench-charts")
        defer { dir.remove() }
        var path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        var helmName = "helm"
        var counted = false
        if ExternalHelm.find(path) == nil {
            guard HelmStandIn.isAvailable else {
                print("charts: needs `helm` on PATH, or PyPI's helm-python-sdk for the stand-in (pip install helm-python-sdk)")
                return
            }
            path = try HelmStandIn.install(in: dir.appending("bin")).path + ":" + path
            setenv("PATH", path, 1)
            helmName = "helm stand-in (Helm v4 engine via helm-python-sdk)"
            counted = true
        }
        let record = dir.appending("helm-calls.jsonl")
        setenv("BOSUN_HELM_RECORD", record.path, 1)
        func helmRuns() -> Int { ((try? String(contentsOf: record, encoding: .utf8)) ?? "").split(separator: "\n").count }

        let root = dir.appending("repo")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var fixtures: [ChartFixture] = []
        for c in 0..<charts {
            for v in 0..<versions {
                let chart = ChartFixture(name: "chart-\(c)", version: "1.\(v).0", files: [
                    "templates/file.yaml": """
                        apiVersion: host.bosun.dev/v1
                        kind: File
                        metadata: { name: {{ .Release.Name }}-settings }
                        spec:
                          path: {{ .Release.Name }}/settings.txt
                          content: "chart-\(c) 1.\(v).0 {{ .Values.color }}\\n"
                        """,
                    "values.yaml": "color: blue\n",
                ])
                try chart.package(into: root)
                fixtures.append(chart)
            }
        }
        try ChartFixture.writeIndex(in: root, charts: fixtures)
        let server = try ChartRepositoryServer(root: root)
        defer { server.stop() }

        var text = """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: \(dir.appending("data").path)
            targets: [{ name: local, type: host }]
            security: { repositorySchemes: [http] }
            repositories: [{ name: charts, type: helm, url: "\(server.url)" }]
            applications:

            """
        for a in 0..<apps {
            text += "  - { name: app-\(a), source: { repository: charts, chart: chart-\(a % charts), revision: \"1.x\" }, destination: { target: local }, sync: { auto: true, interval: 1h } }\n"
        }
        try dir.write("bosun.yaml", text)
        let config = try ConfigLoader.load(file: dir.appending("bosun.yaml").path)
        let dataDir = config.dataDirectory
        let store = try SQLiteStore(path: dataDir.appendingPathComponent("bosun.sqlite").path)
        let host = try HostTarget.make(TargetSpec(name: "local", type: "host"), TargetEnvironment(dataDirectory: dataDir))
        let chartSources = ChartSources(cacheDirectory: dataDir.appendingPathComponent("cache/charts"))
        let renderer = Renderer(workDirectory: dataDir.appendingPathComponent("cache/work"))
        let renders = RenderCache(directory: dataDir.appendingPathComponent("cache/renders"))
        let engine = Engine(config: config, targets: ["local": host], store: store, git: GitMirrors(root: dataDir.appendingPathComponent("git")),
                            renderCache: renders, renderer: renderer, charts: chartSources)
        print("charts: \(apps) applications on one chart repository (\(charts) charts × \(versions) versions), host target, \(helmName)")
        let (_, first) = try await measure {
            try await engine.start()
            let deadline = Date().addingTimeInterval(Double(ProcessInfo.processInfo.environment["BENCH_DEADLINE"] ?? "") ?? 600)
            while let waiting = await engine.statuses().first(where: { $0.sync.status != .synced }) {
                guard Date() < deadline else {
                    throw ValidationError("\(waiting.name) did not sync within 10 minutes: \(waiting.condition?.message ?? waiting.sync.status.rawValue)")
                }
                fflush(nil)
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        let afterFirst = await chartSources.statistics
        figure("first sync of every application", first, "s")
        figure("  index downloads", Double(afterFirst.indexDownloads), "")
        figure("  chart archives downloaded (one per digest)", Double(afterFirst.archiveDownloads), "", target: "\(charts)")
        if counted { figure("  helm template runs", Double(helmRuns()), "", target: "\(apps) (one per application: each its own release)") }

        let runsBefore = helmRuns()
        let requestsBefore = server.requests.count
        var fastest = Double.infinity
        for _ in 0..<passes {
            let (_, seconds) = await measure { await engine.pass() }
            fastest = min(fastest, seconds)
        }
        let steady = await chartSources.statistics
        print("— steady state: \(passes) passes, nothing published")
        figure("pass over every application (fastest)", fastest, "s")
        figure("  index requests per pass", Double(steady.indexRequests - afterFirst.indexRequests) / Double(passes), "", target: "1")
        figure("  answered 304 Not Modified", Double(steady.indexNotModified - afterFirst.indexNotModified), "")
        figure("  index downloads", Double(steady.indexDownloads - afterFirst.indexDownloads), "", target: "0")
        figure("  archive downloads", Double(steady.archiveDownloads - afterFirst.archiveDownloads), "", target: "0")
        if counted { figure("  helm template runs", Double(helmRuns() - runsBefore), "", target: "0") }
        figure("  HTTP requests to the repository", Double(server.requests.count - requestsBefore), "")

        // A cached chart, a render the cache has not seen (another release name): Bosun's time
        // against `helm template` alone on the same folder.
        let resolved = try await chartSources.resolve(ChartRepositoryAccess(try requireRepo(config)), chart: "chart-0", revision: .ref("1.x"))
        let folder = try await chartSources.chartDirectory(resolved, access: ChartRepositoryAccess(try requireRepo(config)))
        var helmSeconds = Double.infinity
        var bosunSeconds = Double.infinity
        let sources = ApplicationSources(config: config, git: GitMirrors(root: dataDir.appendingPathComponent("git")), charts: chartSources,
                                         renderer: renderer, renders: renders)
        for i in 0..<5 {
            let (_, h) = try await measure { try await Shell.run(["helm", "template", "bench-\(i)", folder.path, "--include-crds"], environment: ["PATH": path]) }
            helmSeconds = min(helmSeconds, h)
            var spec = try requireApp(config)
            spec.name = "render-\(i)"
            let commit = Commit(sha: resolved.revision, author: "", date: Date(), subject: "",
                                sources: [SourceRevision(repository: "charts", revision: resolved.revision, digest: resolved.digest)])
            let (_, b) = try await measure { try await sources.render(spec, commit: commit, capabilities: nil) }
            bosunSeconds = min(bosunSeconds, b)
        }
        print("— a cached chart, a render not cached yet")
        figure("helm template alone", helmSeconds * 1000, "ms")
        figure("bosun render (resolve, copy, helm, parse)", bosunSeconds * 1000, "ms")
        figure("  bosun's overhead", (bosunSeconds - helmSeconds) * 1000, "ms", target: "< 10 ms")
        await engine.stop()
        await chartSources.shutdown()
    }

    func requireRepo(_ config: Config) throws -> RepositorySpec {
        guard let repo = config.repository(named: "charts") else { throw ValidationError("no repository") }
        return repo
    }

    func requireApp(_ config: Config) throws -> ApplicationSpec {
        guard let app = config.applications.first else { throw ValidationError("no application") }
        return app
    }
}

/// `helm` on a PATH.
enum ExternalHelm {
    static func find(_ path: String) -> String? {
        path.split(separator: ":").map { "\($0)/helm" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
