import ArgumentParser
import BosunCore
import BosunEngine
import BosunGit
import BosunHost
import BosunRender
import BosunStore
import BosunTesting
import Foundation

/// An application set generating 1,000 host applications from one monorepo: generation from a
/// cached mirror, renders after a commit touching one folder, and the steady-state pass against
/// the same applications listed by hand.
struct AppSetsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "appsets", abstract: "Application sets: generation, renders, steady-state pass vs hand-listed.")

    @Option(help: "Applications (folders of the monorepo).") var apps = 1000
    @Option(help: "Steady-state passes of each kind, taken in turns; the fastest is reported.") var passes = 5

    func run() async throws {
        quietLogging()
        let repo = try GitRepository()
        let dir = try TemporaryDirectory(prefix: "bosun-bench-appsets")
        defer {
            repo.remove()
            dir.remove()
        }
        for a in 0..<apps {
            try repo.write("apps/app-\(a)/page.yaml", Self.page(a, "one"))
        }
        try repo.commit("\(apps) applications")
        print("appsets: \(apps) folders of one monorepo, one host File each")

        // Generation alone, from a mirror fetched once.
        let setConfig = try Self.load(dir, "set.yaml", Self.config(repo: repo.path, dataDir: dir.appending("set-data").path, listed: nil))
        let mirrors = GitMirrors(root: dir.appending("mirror"))
        let repository = try require(setConfig.repository(named: "deploy"))
        _ = try await mirrors.fetch(repository)
        let commit = try await mirrors.resolve(.ref("main"), in: repository)
        let set = try require(setConfig.applicationSets.first)
        let generator = set.generators[0]
        let reader = DeclarationReader(git: mirrors)
        func generate() async throws -> Int {
            let entries = try await reader.list(generator, repository: repository, commit: commit.sha)
            let listing = Listing(commit: commit.sha, entries: entries, at: Date())
            let result = try ApplicationSetGeneration.applications(
                of: set, entries: try ApplicationSetGeneration.entries(generator, listings: [generator: listing]), config: setConfig)
            return result.applications.count
        }
        let (count, cold) = try await measure { try await generate() }
        figure("generation, first listing of the commit (\(count) applications)", cold * 1000, "ms")
        var warm = Double.infinity
        for _ in 0..<5 { warm = min(warm, try await measure { try await generate() }.1) }
        figure("generation from the cached mirror", warm * 1000, "ms", target: "< 50 ms")

        // The engine with the set and one with the same applications listed by hand, measured in
        // turns (the machine's load drifts), the fastest pass of each reported.
        let listedConfig = try Self.load(dir, "listed.yaml", Self.config(repo: repo.path, dataDir: dir.appending("listed-data").path, listed: apps))
        let (setEngine, setStop) = try await Self.engine(setConfig, expecting: apps)
        let (listedEngine, listedStop) = try await Self.engine(listedConfig, expecting: apps)
        var setPass = Double.infinity
        var listedPass = Double.infinity
        for _ in 0..<passes {
            setPass = min(setPass, await measure { await setEngine.pass() }.1)
            listedPass = min(listedPass, await measure { await listedEngine.pass() }.1)
        }
        await listedStop()
        figure("steady-state pass, \(apps) generated applications", setPass, "s")
        figure("steady-state pass, \(apps) hand-listed applications", listedPass, "s")
        figure("  generated / hand-listed", setPass / listedPass * 100, "%", target: "<= 110 %")

        try repo.write("apps/app-7/page.yaml", Self.page(7, "two"))
        try repo.commit("touch one folder")
        let before = await setEngine.renderCount
        let (_, touched) = await measure { await setEngine.pass() }
        figure("pass after a commit touching one folder", touched, "s")
        figure("  renders in that pass", Double(await setEngine.renderCount - before), "", target: "1")
        await setStop()
    }

    /// An engine on `config`, started and waited for until `expecting` applications are synced.
    static func engine(_ config: Config, expecting: Int) async throws -> (Engine, @Sendable () async -> Void) {
        let dataDir = config.dataDirectory
        let store = try SQLiteStore(path: dataDir.appendingPathComponent("bosun.sqlite").path)
        let host = try HostTarget.make(TargetSpec(name: "local", type: "host"), TargetEnvironment(dataDirectory: dataDir))
        let engine = Engine(config: config, targets: ["local": host], store: store, git: GitMirrors(root: dataDir.appendingPathComponent("git")),
                            renderCache: RenderCache(directory: dataDir.appendingPathComponent("cache/renders")),
                            renderer: Renderer(workDirectory: dataDir.appendingPathComponent("cache/work")))
        try await engine.start()
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline {
            let statuses = await engine.statuses()
            if statuses.count == expecting, statuses.allSatisfy({ $0.sync.status == .synced && $0.health.status == .healthy }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (engine, { await engine.stop() })
    }

    static func load(_ dir: TemporaryDirectory, _ name: String, _ text: String) throws -> Config {
        try dir.write(name, text)
        return try ConfigLoader.load(file: dir.appending(name).path)
    }

    static func page(_ a: Int, _ text: String) -> String {
        """
        apiVersion: host.bosun.dev/v1
        kind: File
        metadata: { name: page }
        spec: { path: app-\(a)/page.txt, content: "application \(a) \(text)" }
        """
    }

    /// The set, or (`listed`) the same applications written out.
    static func config(repo: String, dataDir: String, listed: Int?) -> String {
        var text = """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: \(dataDir)
            targets: [{ name: local, type: host }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repo) }]

            """
        if let listed {
            text += "applications:\n"
            for a in 0..<listed {
                text += "  - { name: app-\(a), source: { repository: deploy, revision: main, path: apps/app-\(a) }, destination: { target: local }, sync: { auto: true, interval: 1h } }\n"
            }
        } else {
            text += """
                applicationSets:
                  - name: monorepo
                    maxApplications: 100000
                    generators: [{ directories: { repository: deploy, revision: main, include: ["apps/*"] } }]
                    template:
                      name: "{{path.basename}}"
                      source: { repository: deploy, revision: main, path: "{{path}}" }
                      destination: { target: local }
                      sync: { auto: true, interval: 1h }

                """
        }
        return text
    }
}

/// `#require` for a benchmark: a missing value is a setup error with a message.
func require<T>(_ value: T?, _ what: String = "a value") throws -> T {
    guard let value else { throw CleanExit.message("missing \(what)") }
    return value
}
