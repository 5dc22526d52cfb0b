import ArgumentParser
import AsyncHTTPClient
import BosunCore
import BosunEngine
import BosunGit
import BosunRender
import BosunServer
import BosunStore
import BosunTesting
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Webhook deliveries from a loopback load generator at a fixed rate (open loop: a slow answer
/// never slows the sender), while commits land in the repositories. Prints the response
/// latency, whether every push led to exactly one refresh per affected application after
/// coalescing (none lost), and how the rest of the API answered meanwhile.
struct WebhookBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "webhooks", abstract: "Webhook deliveries per second: latency, coalescing, none lost.")

    @Option(help: "Deliveries per second.") var rate = 1000
    @Option(help: "Seconds of load.") var seconds = 10
    @Option(help: "Repositories (each with its own webhook secret).") var repositories = 5
    @Option(help: "Applications per repository.") var appsPerRepository = 4
    @Option(help: "A new commit to one repository every this many milliseconds during the load.") var commitEvery = 250

    func run() async throws {
        LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
        ServerMetrics.bootstrap()
        let dir = try TemporaryDirectory(prefix: "bosun-bench-webhooks")
        var repos: [GitRepository] = []
        defer {
            for repo in repos { repo.remove() }
            dir.remove()
        }
        var repositorySpecs: [RepositorySpec] = []
        var apps: [ApplicationSpec] = []
        var environment: [String: String] = [:]
        for r in 0..<repositories {
            let repo = try GitRepository()
            var files: [String: String] = [:]
            for a in 0..<appsPerRepository { files["app-\(a)/cm.yaml"] = Self.configMap("r\(r)-app-\(a)", version: 0) }
            try repo.commit(files: files, message: "first")
            repos.append(repo)
            environment["HOOK_SECRET_\(r)"] = "secret-\(r)-\(UUID().uuidString)"
            repositorySpecs.append(RepositorySpec(name: "repo-\(r)", url: repo.path, webhook: WebhookSpec(secretEnv: "HOOK_SECRET_\(r)")))
            for a in 0..<appsPerRepository {
                apps.append(ApplicationSpec(
                    name: "r\(r)-app-\(a)", source: SourceSpec(repository: "repo-\(r)", revision: .ref("main"), path: "app-\(a)"),
                    destination: DestinationSpec(target: "memory"), sync: SyncPolicy(auto: true, prune: true, interval: .seconds(3600))))
            }
        }
        let config = Config(dataDir: dir.path, server: ServerConfig(listen: "127.0.0.1:0"), targets: [TargetSpec(name: "memory", type: "memory")],
                            repositories: repositorySpecs, applications: apps)
        let store = try SQLiteStore(path: dir.appending("bosun.sqlite").path)
        let engine = Engine(config: config, targets: ["memory": MeteredTarget(InMemoryTarget())], store: store,
                            git: GitMirrors(root: dir.appending("git")), renderCache: RenderCache(directory: nil),
                            renderer: Renderer(workDirectory: dir.appending("work")))
        try await engine.start()
        try await Self.until { await engine.statuses().allSatisfy { $0.sync.status == .synced } }
        let server = APIServer(engine: engine, options: .init(listen: "127.0.0.1:0", environment: environment))
        let (ports, portContinuation) = AsyncStream<Int>.makeStream()
        let app = try await server.application { portContinuation.yield($0) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "bench")))
        let serving = Task { try await group.run() }
        var portIterator = ports.makeAsyncIterator()
        guard let port = await portIterator.next() else { throw ValidationError("the server did not start") }
        let base = "http://127.0.0.1:\(port)"

        var clientConfig = HTTPClient.Configuration()
        clientConfig.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfig)

        do {
            try await measure(client: client, base: base, engine: engine, apps: apps, repos: repos, environment: environment)
        } catch {
            FileHandle.standardError.write(Data("webhooks: stopped: \(error)\n".utf8))
            do { try await client.shutdown() } catch { FileHandle.standardError.write(Data("shutdown: \(error)\n".utf8)) }
            throw error
        }
        try? await client.shutdown()
        await group.triggerGracefulShutdown()
        _ = await serving.result
        await engine.stop()
    }

    /// The load and its figures, once the server listens at `base`.
    func measure(client: HTTPClient, base: String, engine: Engine, apps: [ApplicationSpec], repos: [GitRepository],
                 environment: [String: String]) async throws {
        let idle = try await Self.probeAPI(client, base: base, for: .seconds(2))
        let total = rate * seconds
        print("webhooks: \(total) deliveries at \(rate)/s for \(seconds) s to \(base)/hooks/github; \(repositories) repositories × \(appsPerRepository) applications; a commit every \(commitEvery) ms")

        // The load: open loop, one delivery every 1/rate s, each to a random repository.
        let pushes = Recorder()
        let start = ContinuousClock.now
        let interval = Duration.nanoseconds(1_000_000_000 / Int64(rate))
        // Commits run on a thread of their own: `git commit` blocks, and the load generator and the
        // server must not lose a thread of Swift's small cooperative pool to it.
        let committing = Self.onThread { [repos, commitEvery, seconds, appsPerRepository] in
            var commits = 0
            let end = Date().addingTimeInterval(Double(seconds))
            // The last commit lands early enough for pushes to announce it.
            while Date().addingTimeInterval(Double(commitEvery) / 1000 + 0.5) < end {
                Thread.sleep(forTimeInterval: Double(commitEvery) / 1000)
                let r = Int.random(in: 0..<repos.count)
                let a = Int.random(in: 0..<appsPerRepository)
                commits += 1
                _ = try? repos[r].commit(files: ["app-\(a)/cm.yaml": Self.configMap("r\(r)-app-\(a)", version: commits)], message: "change \(commits)")
            }
            return commits
        }
        let underLoad = Task { try await Self.probeAPI(client, base: base, for: .seconds(seconds)) }
        await withTaskGroup(of: Void.self) { tasks in
            for i in 0..<total {
                let due = start + interval * i
                if ContinuousClock.now < due { try? await Task.sleep(until: due) }
                let r = Int.random(in: 0..<repositories)
                let secret = environment["HOOK_SECRET_\(r)"] ?? ""
                let url = "file://\(repos[r].path)"
                tasks.addTask {
                    await Self.deliver(client, base: base, repository: r, url: url, secret: secret, recorder: pushes)
                }
            }
        }
        let sendSeconds = (ContinuousClock.now - start).seconds
        let commits = await committing.value
        let apiUnderLoad = try await underLoad.value

        // Drain: every application at its repository's head, the reconcile counters still.
        let heads = try repos.map { try $0.head() }
        try await Self.until(timeout: .seconds(120)) {
            let statuses = await engine.statuses()
            return statuses.allSatisfy { s in
                let r = Int(s.name.dropFirst().prefix { $0.isNumber }) ?? -1
                return r >= 0 && s.sync.revision == heads[r] && s.operation == nil
            }
        }
        var reconciles = Self.webhookReconciles()
        while true {
            try await Task.sleep(for: .milliseconds(500))
            let again = Self.webhookReconciles()
            if again == reconciles { break }
            reconciles = again
        }

        let results = pushes.snapshot()
        let latencies = results.map(\.latency).sorted()
        let failures = results.filter { $0.status != 202 }
        var asked: [String: Int] = [:]
        var refreshed: [String: Int] = [:]
        var expectedAsks: [String: Int] = [:]
        for result in results {
            for a in 0..<appsPerRepository { expectedAsks["r\(result.repository)-app-\(a)", default: 0] += 1 }
            for name in result.refreshed { refreshed[name, default: 0] += 1; asked[name, default: 0] += 1 }
            for name in result.coalesced { asked[name, default: 0] += 1 }
        }
        let lostAsks = expectedAsks.filter { asked[$0.key, default: 0] != $0.value }
        let mismatched = refreshed.filter { reconciles[$0.key, default: 0] != $0.value }
        let totalAsks = asked.values.reduce(0, +)
        let totalRefreshes = refreshed.values.reduce(0, +)
        var syncs = 0
        for app in apps { syncs += try await engine.history(app.name, limit: 10_000).count }

        print(String(format: "sent: %d in %.2f s (%.0f/s); answers: %d × 202, %d other", total, sendSeconds, Double(total) / sendSeconds,
                     results.count - failures.count, failures.count))
        if let failure = failures.first { print("  first other answer: \(failure.status) \(failure.error ?? "")") }
        print("latency: p50 \(Self.ms(latencies, 0.50)), p90 \(Self.ms(latencies, 0.90)), p99 \(Self.ms(latencies, 0.99)), max \(Self.ms(latencies, 1.0)) (target: p99 under 20 ms)")
        print("pushes → applications: \(totalAsks) asks (\(results.count) pushes × \(appsPerRepository)) → \(totalRefreshes) refreshes, \(totalAsks - totalRefreshes) coalesced into a queued one")
        print("engine reconciles for webhooks: \(reconciles.values.reduce(0, +)); per application equal to its accepted refreshes: \(mismatched.isEmpty ? "yes" : "NO (\(mismatched.count) differ)")")
        print("none lost: \(lostAsks.isEmpty && mismatched.isEmpty && failures.isEmpty ? "yes" : "NO") — every push named all \(appsPerRepository) applications of its repository, every application ended at its repository's head after \(commits) commits")
        print("syncs recorded: \(syncs) (of \(commits) commits during the load and \(apps.count) first syncs)")
        print("rest of the API (GET /api/v1/applications): idle p50 \(Self.ms(idle, 0.5)) p99 \(Self.ms(idle, 0.99)); under load p50 \(Self.ms(apiUnderLoad, 0.5)) p99 \(Self.ms(apiUnderLoad, 0.99))")

    }

    // MARK: Pieces

    struct Delivery: Sendable {
        var repository: Int
        var status: Int
        var latency: Duration
        var refreshed: [String]
        var coalesced: [String]
        var error: String?
    }

    final class Recorder: @unchecked Sendable {
        private let lock = NSLock()
        private var deliveries: [Delivery] = []
        func add(_ d: Delivery) { lock.withLock { deliveries.append(d) } }
        func snapshot() -> [Delivery] { lock.withLock { deliveries } }
    }

    static func deliver(_ client: HTTPClient, base: String, repository: Int, url: String, secret: String, recorder: Recorder) async {
        let body = #"{"ref": "refs/heads/main", "repository": {"clone_url": "\#(url)", "html_url": "\#(url)"}}"#
        var request = HTTPClientRequest(url: base + "/hooks/github")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "X-GitHub-Event", value: "push")
        request.headers.add(name: "X-GitHub-Delivery", value: UUID().uuidString)
        request.headers.add(name: "X-Hub-Signature-256", value: WebhookSignature.header(body: Array(body.utf8), secret: Array(secret.utf8)))
        request.body = .bytes(ByteBuffer(string: body))
        let started = ContinuousClock.now
        do {
            let response = try await client.execute(request, timeout: .seconds(30))
            let data = try await response.body.collect(upTo: 1 << 20)
            let latency = ContinuousClock.now - started
            let answer = try? JSONParser.parse(String(buffer: data))
            recorder.add(Delivery(repository: repository, status: Int(response.status.code), latency: latency,
                                  refreshed: answer?["applications"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                                  coalesced: answer?["coalesced"]?.arrayValue?.compactMap(\.stringValue) ?? []))
        } catch {
            recorder.add(Delivery(repository: repository, status: 0, latency: ContinuousClock.now - started, refreshed: [], coalesced: [],
                                  error: "\(error)"))
        }
    }

    /// `GET /api/v1/applications` every 20 ms for `duration`: what a dashboard or CLI sees meanwhile.
    static func probeAPI(_ client: HTTPClient, base: String, for duration: Duration) async throws -> [Duration] {
        var latencies: [Duration] = []
        let end = ContinuousClock.now + duration
        while ContinuousClock.now < end {
            let started = ContinuousClock.now
            let response = try await client.execute(HTTPClientRequest(url: base + "/api/v1/applications"), timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 16 << 20)
            latencies.append(ContinuousClock.now - started)
            try await Task.sleep(for: .milliseconds(20))
        }
        return latencies.sorted()
    }

    /// `bosun_reconcile_total{app=…,trigger="webhook"}` by application.
    static func webhookReconciles() -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in ServerMetrics.exposition().split(separator: "\n") where line.hasPrefix("bosun_reconcile_total{") && line.contains(#"trigger="webhook""#) {
            guard let appStart = line.range(of: #"app=""#), let value = line.split(separator: " ").last.flatMap({ Double($0) }) else { continue }
            let app = line[appStart.upperBound...].prefix { $0 != "\"" }
            counts[String(app)] = Int(value)
        }
        return counts
    }

    /// Runs blocking work on its own thread and hands back its result.
    static func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) -> Task<T, Never> {
        Task {
            await withCheckedContinuation { continuation in
                Thread { continuation.resume(returning: work()) }.start()
            }
        }
    }

    static func configMap(_ name: String, version: Int) -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n  namespace: bench\ndata:\n  version: \"\(version)\"\n"
    }

    static func ms(_ sorted: [Duration], _ quantile: Double) -> String {
        guard !sorted.isEmpty else { return "n/a" }
        let index = min(sorted.count - 1, Int((Double(sorted.count - 1) * quantile).rounded(.up)))
        return String(format: "%.2f ms", sorted[index].seconds * 1000)
    }

    static func until(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + timeout
        while ContinuousClock.now < end {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ValidationError("timed out waiting for the applications to settle")
    }
}
