import AsyncHTTPClient
import BosunCore
import BosunEngine
import BosunGit
import BosunRender
import BosunServer
import BosunStore
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Testing

/// A real engine (real Git repositories, real SQLite, an in-memory target behind the metered
/// wrapper, a manual clock so nothing syncs unless a test says so) and the API server on it.
struct ServerHarness: EngineTestHarness {
    let repos: [String: GitRepository]
    let dir: TemporaryDirectory
    let opened: OpenedTestStore
    var store: any Store { opened.store }
    let target: InMemoryTarget
    let clock: ManualClock
    let engine: Engine
    let server: APIServer
    let config: Config

    /// A token per role, as clients present them; their hashes are in the config.
    static let tokens: [Role: String] = [.viewer: "view-token-123", .operator_: "operate-token-456", .admin: "admin-token-789"]
    static var tokenSpecs: [APITokenSpec] {
        [APITokenSpec(name: "vera", sha256: Authenticator.sha256Hex("view-token-123"), role: .viewer),
         APITokenSpec(name: "otto", sha256: Authenticator.sha256Hex("operate-token-456"), role: .operator_),
         APITokenSpec(name: "ada", sha256: Authenticator.sha256Hex("admin-token-789"), role: .admin)]
    }

    static func configMap(_ name: String, data: String = "v") -> String {
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \(name)\n  namespace: demo\ndata:\n  k: \"\(data)\"\n"
    }

    /// `apps`: name → (repository, revision); each reads `<name>/` in its repository.
    init(apps: [(name: String, repo: String, revision: String)] = [("app", "repo", "main")], repositories: [String] = ["repo"],
         tokens: [APITokenSpec] = [], listen: String = "127.0.0.1:0", webhookSecrets: [String: String] = [:],
         notifications: [NotificationSpec] = [], environment: [String: String] = [:], auto: Bool = true,
         keepAlive: Duration = .seconds(15), now: @escaping @Sendable () -> Date = { Date() }) async throws
    {
        ServerMetrics.bootstrap()
        var repos: [String: GitRepository] = [:]
        for name in repositories {
            let repo = try GitRepository()
            var files: [String: String] = ["README": "\(name)\n"]
            for app in apps where app.repo == name { files["\(app.name)/cm.yaml"] = Self.configMap(app.name) }
            try repo.commit(files: files, message: "first")
            for app in apps where app.repo == name && app.revision != "main" {
                try repo.git("branch", app.revision)
            }
            repos[name] = repo
        }
        self.repos = repos
        dir = try TemporaryDirectory(prefix: "bosun-server")
        opened = try await HarnessStore.open(in: dir)
        target = InMemoryTarget()
        clock = ManualClock(now: Date())  // real dates, so pages say "just now"
        var env = environment
        let repositorySpecs = try repositories.map { name in
            var spec = RepositorySpec(name: name, url: try #require(repos[name]).path)
            if let secret = webhookSecrets[name] {
                spec.webhook = WebhookSpec(secretEnv: "HOOK_SECRET_\(name.uppercased().replacingOccurrences(of: "-", with: "_"))")
                env[spec.webhook?.secretEnv ?? ""] = secret
            }
            return spec
        }
        config = Config(
            dataDir: dir.path, server: ServerConfig(listen: listen, tokens: tokens), targets: [TargetSpec(name: "memory", type: "memory")],
            repositories: repositorySpecs,
            applications: apps.map { app in
                ApplicationSpec(name: app.name, source: SourceSpec(repository: app.repo, revision: .ref(app.revision), path: app.name),
                                destination: DestinationSpec(target: "memory"), sync: SyncPolicy(auto: auto, prune: true))
            },
            notifications: notifications)
        engine = TestEngine.make(config: config, targets: ["memory": MeteredTarget(target)], store: opened.store, clock: clock, directory: dir)
        server = APIServer(engine: engine, options: .init(listen: listen, environment: env, keepAlive: keepAlive, now: now))
    }

    func repo(_ name: String = "repo") throws -> GitRepository { try #require(repos[name]) }

    func cleanup() async {
        await engine.stop()
        await opened.close()
        for repo in repos.values { repo.remove() }
        dir.remove()
    }

    /// Requests straight into the router (no sockets).
    func withRouter<T: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        try await server.application().test(.router, body)
    }

    /// The server listening on a loopback port for the length of `body`.
    func withLiveServer<T: Sendable>(_ body: @Sendable (_ base: String) async throws -> T) async throws -> T {
        try await LiveServer.run(server.application(onRunning:)) { port in try await body("http://127.0.0.1:\(port)") }
    }

    static func bearer(_ role: Role) -> HTTPFields {
        [.authorization: "Bearer \(tokens[role] ?? "")"]
    }
}

/// Runs a Hummingbird application in a service group until `body` is done.
enum LiveServer {
    static func run<App: ApplicationProtocol, T: Sendable>(
        _ make: (@escaping @Sendable (Int) async -> Void) async throws -> App, _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try await make { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: .init(label: "test")))
        let running = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        do {
            let value = try await body(port)
            await group.triggerGracefulShutdown()
            _ = await running.result
            return value
        } catch {
            await group.triggerGracefulShutdown()
            _ = await running.result
            throw error
        }
    }
}

/// Real HTTP over loopback with AsyncHTTPClient.
enum HTTP {
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)]
        var body: String
        var json: JSONValue? { try? JSONParser.parse(body) }
        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    }

    static func request(_ method: NIOHTTP1.HTTPMethod = .GET, _ url: String, headers: [String: String] = [:], body: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let data = try await response.body.collect(upTo: 16 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: String(buffer: data))
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: JSONValue? { try? JSONParser.parse(String(buffer: body)) }
}

extension ByteBuffer {
    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
