import ArgumentParser
import BosunCore
import BosunEngine
import BosunGit
import BosunHost
import BosunRender
import BosunStore
import BosunTesting
import Foundation

/// 200 host applications with 5 files each in one repository: the first sync, a steady-state
/// pass (one fetch, no render), a commit touching one folder (one render), and the resident
/// memory of a real `bosun serve` holding them.
struct EngineBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "engine", abstract: "Host applications: passes, fetches, renders, memory.")

    @Option(help: "Applications.") var apps = 200
    @Option(help: "Files per application.") var files = 5
    @Flag(help: "Skip starting a real `bosun serve` for the memory figure.") var skipServe = false

    func run() async throws {
        quietLogging()
        let repo = try GitRepository()
        let dir = try TemporaryDirectory(prefix: "bosun-bench-engine")
        defer {
            repo.remove()
            dir.remove()
        }
        for a in 0..<apps {
            for f in 0..<files {
                try repo.write("apps/app-\(a)/file-\(f).yaml", """
                    apiVersion: host.bosun.dev/v1
                    kind: File
                    metadata: { name: file-\(f) }
                    spec:
                      path: app-\(a)/file-\(f).txt
                      content: "application \(a), file \(f)\\n"
                    """)
            }
        }
        try repo.commit("\(apps) applications")
        let configText = Self.config(apps: apps, repo: repo.path, dataDir: dir.appending("data").path, listen: "127.0.0.1:0")
        try dir.write("bosun.yaml", configText)
        let config = try ConfigLoader.load(file: dir.appending("bosun.yaml").path)

        let dataDir = config.dataDirectory
        let store = try SQLiteStore(path: dataDir.appendingPathComponent("bosun.sqlite").path)
        let mirrors = GitMirrors(root: dataDir.appendingPathComponent("git"))
        let environment = TargetEnvironment(dataDirectory: dataDir)
        let host = try HostTarget.make(TargetSpec(name: "local", type: "host"), environment)
        let engine = Engine(config: config, targets: ["local": host], store: store, git: mirrors,
                            renderCache: RenderCache(directory: dataDir.appendingPathComponent("cache/renders")),
                            renderer: Renderer(workDirectory: dataDir.appendingPathComponent("cache/work")))
        print("engine: \(apps) host applications × \(files) files, one repository")
        let (_, first) = try await measure {
            try await engine.start()
            while await engine.statuses().contains(where: { $0.sync.status != .synced || $0.health.status != .healthy }) {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        figure("first sync of every application", first, "s")

        let fetchesBefore = await mirrors.statistics.fetches
        let rendersBefore = await engine.renderCount
        let (_, steady) = await measure { await engine.pass() }
        let fetches = await mirrors.statistics.fetches - fetchesBefore
        let renders = await engine.renderCount - rendersBefore
        figure("steady-state pass (no change)", steady, "s", target: "< 1 s")
        figure("  fetches of the repository in that pass", Double(fetches), "", target: "1")
        figure("  renders in that pass", Double(renders), "", target: "0")

        try repo.write("apps/app-7/file-0.yaml", """
            apiVersion: host.bosun.dev/v1
            kind: File
            metadata: { name: file-0 }
            spec:
              path: app-7/file-0.txt
              content: "changed\\n"
            """)
        try repo.commit("touch one application")
        let rendersBeforeCommit = await engine.renderCount
        let (_, touched) = await measure { await engine.pass() }
        figure("pass after a commit touching one folder", touched, "s")
        figure("  renders in that pass", Double(await engine.renderCount - rendersBeforeCommit), "", target: "1")
        figure("resident memory of this benchmark process", residentMiB(), "MiB")
        await engine.stop()

        if !skipServe { try await serveMemory(dir: dir) }
    }

    /// Starts the `bosun` binary built beside this benchmark on the same repository and reads its
    /// resident memory once every application is synced.
    func serveMemory(dir: TemporaryDirectory) async throws {
        let bosun = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("bosun").path
        guard FileManager.default.isExecutableFile(atPath: bosun) else {
            print("  (no bosun binary at \(bosun); build it with `swift build -c release --product bosun` for the memory figure)")
            return
        }
        let text = try String(contentsOf: dir.appending("bosun.yaml"), encoding: .utf8)
        let port = 20000 + Int.random(in: 0..<20000)
        try text.replacingOccurrences(of: "127.0.0.1:0", with: "127.0.0.1:\(port)")
            .replacingOccurrences(of: dir.appending("data").path, with: dir.appending("serve-data").path)
            .write(to: dir.appending("serve.yaml"), atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: bosun)
        process.arguments = ["serve", "--config", dir.appending("serve.yaml").path, "--log-level", "error"]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let result = try? await Shell.execute([bosun, "apps", "--server", "http://127.0.0.1:\(port)", "-o", "json"])
            if let result, result.status == 0, let list = try? JSONParser.parse(result.stdout).arrayValue, list.count == apps,
                list.allSatisfy({ $0["sync"]?["status"] == "Synced" })
            {
                break
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        try await Task.sleep(for: .seconds(6))
        let pid = process.processIdentifier
        figure("resident memory of `bosun serve` with them", residentMiB(pid: pid), "MiB", target: "< 60 MB")
        figure("  of which its own heap (RssAnon)", residentMiB(pid: pid, field: "RssAnon"), "MiB")
        figure("  of which shared code and files (RssFile)", residentMiB(pid: pid, field: "RssFile"), "MiB")
    }

    static func config(apps: Int, repo: String, dataDir: String, listen: String) -> String {
        var text = """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: \(dataDir)
            server: { listen: "\(listen)" }
            targets: [{ name: local, type: host }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repo) }]
            applications:

            """
        for a in 0..<apps {
            text += "  - { name: app-\(a), source: { repository: deploy, revision: main, path: apps/app-\(a) }, destination: { target: local }, sync: { auto: true, interval: 1h } }\n"
        }
        return text
    }
}
