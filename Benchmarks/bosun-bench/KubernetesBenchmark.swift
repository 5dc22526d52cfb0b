import ArgumentParser
import AsyncHTTPClient
import BosunCore
import BosunEngine
import BosunGit
import BosunKubernetes
import BosunRender
import BosunStore
import BosunTesting
import Foundation
import NIOCore

/// Bosun on Kubernetes, against the `kubernetes-simulator` executable with a latency per request:
/// the first sync of 100 applications × 20 objects next to `kubectl apply --server-side` of the
/// same objects to the same simulator, then a steady-state pass over 1,000 applications × 20
/// objects (API requests sent, time, resident memory of this process, which holds only Bosun),
/// and the health of 20,000 cached objects of 50 kinds (`KubernetesHealthBenchmark`).
struct KubernetesBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubernetes", abstract: "Kubernetes target: first sync against kubectl, steady-state pass, requests, memory.")

    @Option(help: "Applications of the first-sync comparison.") var apps = 100
    @Option(help: "Applications of the steady-state pass.") var steadyApps = 1000
    @Option(help: "Objects per application.") var objects = 20
    @Option(help: "Latency the simulator adds to every request, in milliseconds.") var latencyMs = 1
    @Option(help: "The kubectl to compare with.") var kubectl = "/usr/bin/kubectl"
    @Option(help: "Steady-state passes to run (the figure is the fastest; more make a profile of the pass).") var passes = 3
    @Flag(help: "Skip the first-sync comparison with kubectl.") var skipFirstSync = false
    @Flag(help: "Skip the resident memory of a real `bosun serve` holding the steady-state applications.") var skipServe = false

    func run() async throws {
        quietLogging()
        guard let executable = Self.sibling("kubernetes-simulator") else {
            print("kubernetes-simulator is not built beside bosun-bench: swift build -c release --product kubernetes-simulator")
            return
        }
        let simulator = try SimulatorChild(executable: executable, latencyMs: latencyMs)
        defer { simulator.stop() }
        let dir = try TemporaryDirectory(prefix: "bosun-bench-k8s")
        defer { dir.remove() }
        let kubeconfig = try Self.kubeconfig(server: simulator.url, in: dir)
        print("kubernetes: simulator executable with \(latencyMs) ms latency per request, \(ProcessInfo.processInfo.activeProcessorCount) cores")

        if !skipFirstSync { try await firstSync(kubeconfig: kubeconfig, dir: dir) }
        try await steadyState(kubeconfig: kubeconfig, dir: dir)
        if !skipServe {
            // A simulator of its own: the objects of the runs above are not this Bosun's to watch.
            let serveSimulator = try SimulatorChild(executable: executable, latencyMs: latencyMs)
            defer { serveSimulator.stop() }
            try await serveMemory(kubeconfig: try Self.kubeconfig(server: serveSimulator.url, in: dir, named: "serve-kubeconfig"), dir: dir.appending("serve"))
        }
    }

    /// kubectl and Bosun apply the same objects, each in its own namespaces.
    func firstSync(kubeconfig: String, dir: TemporaryDirectory) async throws {
        let kubectlDir = dir.appending("kubectl")
        try FileManager.default.createDirectory(at: kubectlDir, withIntermediateDirectories: true)
        for a in 0..<apps {
            let body = ([Self.namespace("kubectl-\(a)")] + Self.objects(app: a, count: objects, namespace: "kubectl-\(a)")).joined(separator: "---\n")
            try body.write(to: kubectlDir.appendingPathComponent("app-\(String(format: "%04d", a)).yaml"), atomically: true, encoding: .utf8)
        }
        let (kubectlResult, kubectlSeconds) = try await measure {
            try await Shell.execute([kubectl, "--kubeconfig", kubeconfig, "apply", "--server-side", "--field-manager=bench", "-f", kubectlDir.path])
        }
        guard kubectlResult.status == 0 else {
            print("kubectl apply failed: \(kubectlResult.stderr.prefix(2000))")
            return
        }
        let kubectlApplied = kubectlResult.stdout.split(separator: "\n").count
        print("— first sync of \(apps) applications × \(objects) objects")
        figure("kubectl apply --server-side (\(kubectlApplied) objects)", kubectlSeconds, "s")

        let first = try await EngineRun(apps: apps, objects: objects, kubeconfig: kubeconfig, dir: dir.appending("first"), prefix: "bosun")
        let (_, bosunSeconds) = try await measure { try await first.syncAll() }
        figure("bosun first sync (engine, \(first.apps) applications)", bosunSeconds, "s", target: "< half of kubectl's")
        figure("  bosun / kubectl", bosunSeconds / kubectlSeconds, "×", target: "< 0.5")
        figure("  API requests of bosun's first sync", Double(first.client.metrics.total()), "")
        print("    \(first.client.metrics.summary)")
        await first.stop()
    }

    /// Everything synced, nothing changed: one pass over every application, in this process.
    func steadyState(kubeconfig: String, dir: TemporaryDirectory) async throws {
        print("— steady state: \(steadyApps) applications × \(objects) objects")
        let steady = try await EngineRun(apps: steadyApps, objects: objects, kubeconfig: kubeconfig, dir: dir.appending("steady"), prefix: "steady")
        let (_, steadyFirst) = try await measure { try await steady.syncAll() }
        figure("first sync of them (setup)", steadyFirst, "s")
        // Let the watches settle (the status writes of the first sync arrive as events).
        try await Task.sleep(for: .seconds(2))
        let before = steady.client.metrics.snapshot
        var passSeconds = Double.infinity
        for _ in 0..<max(1, passes) {
            let (_, seconds) = await measure { await steady.engine.pass() }
            passSeconds = min(passSeconds, seconds)
        }
        let after = steady.client.metrics.snapshot
        let sent = after.reduce(0) { $0 + $1.value } - before.reduce(0) { $0 + $1.value }
        let verbs = after.keys.sorted().compactMap { key -> String? in
            let delta = (after[key] ?? 0) - (before[key] ?? 0)
            return delta > 0 ? "\(key): \(delta)" : nil
        }
        figure("steady-state pass (fastest of \(max(1, passes)))", passSeconds, "s", target: "< 1 s")
        figure("  API requests in those passes", Double(sent), "", target: "0")
        if !verbs.isEmpty { print("    (\(verbs.joined(separator: ", ")))") }
        let outOfSync = await steady.engine.statuses().filter { $0.sync.status != .synced }.count
        figure("  applications not Synced after it", Double(outOfSync), "", target: "0")
        HeapTrimmer.trimNow()  // as `bosun serve` does every 5 s
        figure("resident memory of this process (the engine only)", residentMiB(), "MiB")
        try await KubernetesHealthBenchmark.run(target: steady.target, passes: max(3, passes))
        await steady.stop()
    }

    static func sibling(_ name: String) -> URL? {
        let url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent(name)
        return FileManager.default.isExecutableFile(atPath: url.path) ? url : nil
    }

    /// A kubeconfig in `dir` for the simulator at `server`.
    static func kubeconfig(server: String, in dir: TemporaryDirectory, named name: String = "kubeconfig") throws -> String {
        try dir.write(name, Kubeconfig.text(server: server)).path
    }

    /// A repository with one folder of `objects` manifests per application.
    static func repository(apps: Int, objects: Int) throws -> GitRepository {
        let repo = try GitRepository()
        for a in 0..<apps {
            for (i, object) in Self.objects(app: a, count: objects).enumerated() {
                try repo.write("apps/app-\(a)/object-\(i).yaml", object)
            }
        }
        try repo.commit("\(apps) applications")
        return repo
    }

    /// `dir/bosun.yaml`: one Kubernetes target and an application per folder of `repo`, each in
    /// a namespace of its own; `extra`: more top-level fields.
    static func writeConfig(apps: Int, repo: GitRepository, kubeconfig: String, dir: URL, prefix: String, extra: String = "") throws -> URL {
        var text = """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: \(dir.path)
            targets: [{ name: sim, type: kubernetes, kubeconfig: "\(kubeconfig)" }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repo.path) }]
            \(extra)
            applications:

            """
        for a in 0..<apps {
            text += "  - { name: \(prefix)-\(a), source: { repository: deploy, revision: main, path: apps/app-\(a) }, destination: { target: sim, namespace: \(prefix)-\(a) }, sync: { auto: true, prune: true, selfHeal: true, createNamespace: true, interval: 1h } }\n"
        }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent("bosun.yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// The steady-state applications under a real `bosun serve` (built beside bosun-bench), its
    /// resident memory once every application is Synced and Healthy and its heap was trimmed, as
    /// an operator's `ps` shows it.
    func serveMemory(kubeconfig: String, dir: URL) async throws {
        guard let bosun = Self.sibling("bosun") else {
            print("  (bosun is not built beside bosun-bench: swift build -c release --product bosun; no figure for bosun serve)")
            return
        }
        let repo = try Self.repository(apps: steadyApps, objects: objects)
        defer { repo.remove() }
        let port = try LatencyBenchmark.freePort()
        let config = try Self.writeConfig(apps: steadyApps, repo: repo, kubeconfig: kubeconfig, dir: dir, prefix: "serve",
                                          extra: "server: { listen: \"127.0.0.1:\(port)\" }")
        let serve = try Self.serve(bosun, config: config)
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        print("— bosun serve: \(steadyApps) applications × \(objects) objects")
        let start = ContinuousClock.now
        try await LatencyBenchmark.until(seconds: 600) {
            try await Task.sleep(for: .seconds(1))
            guard let answer = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/applications"), timeout: .seconds(30)),
                answer.status.code == 200, let body = try? await answer.body.collect(upTo: 64 << 20),
                let apps = (try? JSONParser.parse(Data(buffer: body)))?.arrayValue, apps.count == steadyApps
            else { return false }
            return apps.allSatisfy { $0[path: ["sync", "status"]]?.stringValue == "Synced" && $0[path: ["health", "status"]]?.stringValue == "Healthy" }
        }
        figure("every application Synced and Healthy after", LatencyBenchmark.seconds(since: start), "s")
        try await Task.sleep(for: .seconds(6))  // past the heap trim `bosun serve` makes every 5 s
        let pid = serve.processIdentifier
        figure("resident memory of bosun serve", residentMiB(pid: pid), "MiB", target: "≤ 100 MiB")
        figure("  of which its binary and libraries (file-backed)", residentMiB(pid: pid, field: "RssFile"), "MiB")
        figure("  peak while syncing them", residentMiB(pid: pid, field: "VmHWM"), "MiB")
    }

    /// `bosun serve --config config` as a child process, its output dropped.
    static func serve(_ bosun: URL, config: URL, in directory: URL? = nil, environment: [String: String] = [:]) throws -> Process {
        let serve = Process()
        serve.executableURL = bosun
        serve.arguments = ["serve", "--config", config.path]
        serve.currentDirectoryURL = directory
        serve.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        serve.standardOutput = FileHandle.nullDevice
        serve.standardError = FileHandle.nullDevice
        try serve.run()
        return serve
    }

    static func namespace(_ name: String) -> String {
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: \(name)\n"
    }

    /// Twenty objects of kinds that are healthy once applied (so the figure is Bosun's work,
    /// not a simulated rollout): ConfigMaps, Secrets, Services and ServiceAccounts.
    static func objects(app: Int, count: Int, namespace: String? = nil) -> [String] {
        let ns = namespace.map { "\n  namespace: \($0)" } ?? ""
        return (0..<count).map { i in
            switch i % 5 {
            case 0, 1:
                return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: config-\(i)\(ns)\ndata:\n  app: \"\(app)\"\n  index: \"\(i)\"\n  settings.yaml: |\n    level: info\n    replicas: 3\n"
            case 2:
                return "apiVersion: v1\nkind: Secret\nmetadata:\n  name: secret-\(i)\(ns)\ntype: Opaque\nstringData:\n  token: t-\(app)-\(i)\n"
            case 3:
                return "apiVersion: v1\nkind: Service\nmetadata:\n  name: service-\(i)\(ns)\nspec:\n  selector: { app: a\(app) }\n  ports: [{ port: 80, targetPort: 8080 }]\n"
            default:
                return "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: account-\(i)\(ns)\n"
            }
        }
    }
}

/// An engine in this process with one Kubernetes target and `apps` applications in one repository.
private struct EngineRun {
    let apps: Int
    let engine: Engine
    let client: KubernetesClient
    let target: KubernetesTarget
    let repo: GitRepository

    init(apps: Int, objects: Int, kubeconfig: String, dir: URL, prefix: String) async throws {
        self.apps = apps
        repo = try KubernetesBenchmark.repository(apps: apps, objects: objects)
        let file = try KubernetesBenchmark.writeConfig(apps: apps, repo: repo, kubeconfig: kubeconfig, dir: dir, prefix: prefix)
        let config = try ConfigLoader.load(file: file.path)
        let dataDir = config.dataDirectory
        let environment = TargetEnvironment(dataDirectory: dataDir)
        guard let spec = config.targets.first else { throw ValidationError("no target in the generated config") }
        target = try KubernetesTargetFactory.makeTarget(spec, environment)
        client = target.client
        engine = Engine(config: config, targets: ["sim": target], store: try SQLiteStore(path: dataDir.appendingPathComponent("bosun.sqlite").path),
                        git: GitMirrors(root: dataDir.appendingPathComponent("git")),
                        renderCache: RenderCache(directory: dataDir.appendingPathComponent("cache/renders")),
                        renderer: Renderer(workDirectory: dataDir.appendingPathComponent("cache/work")))
    }

    /// Starts the engine and waits until every application is Synced and Healthy.
    func syncAll() async throws {
        try await engine.start()
        // Not too often: every look at the statuses takes the engine's time too.
        while await engine.statuses().contains(where: { $0.sync.status != .synced || $0.health.status != .healthy }) {
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    func stop() async {
        await engine.stop()
        await target.shutdown()
        repo.remove()
    }
}

/// The simulator executable as a child process.
final class SimulatorChild: @unchecked Sendable {
    let process = Process()
    let url: String

    init(executable: URL, latencyMs: Int) throws {
        process.executableURL = executable
        process.arguments = ["--port", "0", "--latency-ms", String(latencyMs), "--controller-delay-ms", "100", "--watch-window", "100000"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        guard let range = line.range(of: "listening on ") else {
            process.terminate()
            throw ValidationError("kubernetes-simulator did not start: \(line)")
        }
        url = String(line[range.upperBound...].prefix { !$0.isWhitespace })
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
