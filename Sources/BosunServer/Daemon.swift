import BosunCore
import BosunEngine
import BosunGit
import BosunRender
import BosunStore
import BosunStorePostgres
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle


/// `bosun serve`: the engine and the API in one process, on one SQLite file. Reloads the
/// config on SIGHUP and when the file changes; stops gracefully on SIGTERM and SIGINT.
public struct Daemon: Sendable {
    public let configFile: String
    public let factory: TargetFactory
    public let engineOptions: EngineOptions
    /// This replica's name when the store is PostgreSQL (`--replica`); the host name by default.
    public let replica: String?
    let logger = Logger(label: "bosun")

    public init(configFile: String, factory: TargetFactory, engineOptions: EngineOptions = EngineOptions(), replica: String? = nil) {
        self.configFile = configFile
        self.factory = factory
        self.engineOptions = engineOptions
        self.replica = replica
    }

    /// Runs until SIGTERM/SIGINT. `onReady` gets the API's URL once it listens.
    public func run(onReady: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let config = try ConfigLoader.load(file: configFile)
        // Refused before anything starts: no tokens means everything is allowed.
        if config.server.tokens.isEmpty && !APIServer.isLoopback(config.server.listen) {
            throw ServerSetupError(APIServer.openRefusal(config.server.listen))
        }
        ServerMetrics.bootstrap(replica: config.store == nil ? nil : replicaName)
        let dataDir = config.dataDirectory
        try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true)
        let opened = try await openStore(config)
        do {
            try await serve(config, opened, onReady: onReady)
        } catch {
            await opened.close()
            throw error
        }
        await opened.close()
    }

    private func serve(_ config: Config, _ opened: OpenedStore, onReady: @escaping @Sendable (String) -> Void) async throws {
        let dataDir = config.dataDirectory
        let git = GitMirrors(root: dataDir.appendingPathComponent("git"))
        let renders = RenderCache(directory: dataDir.appendingPathComponent("cache/renders"))
        let renderer = Renderer(workDirectory: dataDir.appendingPathComponent("cache/work"))
        let environment = TargetEnvironment(dataDirectory: dataDir, resolvePath: { config.resolvePath($0) })
        var targets: [String: any DeploymentTarget] = [:]
        // A target that belongs to another replica's machine is never started here.
        for spec in config.targets where spec.replica == nil || spec.replica == opened.leases?.replica {
            targets[spec.name] = MeteredTarget(try factory.make(spec, environment: environment))
        }
        let engine = Engine(config: config, targets: targets, store: opened.store, git: git, renderCache: renders, renderer: renderer,
                            options: engineOptions, leases: opened.leases)
        if config.server.tokens.isEmpty {
            logger.notice("no API tokens configured: the API listens on loopback only (\(config.server.listen)) and allows every request; add server.tokens to require sign-in")
        } else {
            logger.info("API tokens: \(config.server.tokens.map { "\($0.name) (\($0.role.rawValue))" }.joined(separator: ", "))")
        }
        let tls = config.server.tls.map { TLSFiles(certificateFile: config.resolvePath($0.certificateFile), keyFile: config.resolvePath($0.keyFile)) }
        let scheme = tls == nil ? "http" : "https"
        let server = APIServer(engine: engine, options: .init(listen: config.server.listen, tls: tls, configFile: configFile))
        let app = try await server.application { port in
            let host = ConfigLoader.parseListen(config.server.listen)?.host ?? "127.0.0.1"
            let url = "\(scheme)://\(host.contains(":") ? "[\(host)]" : host):\(port)"
            Task { await engine.setAPIURL(url) }
            onReady(url)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: ([
                    EngineService(engine: engine), app, Notifier(engine: engine),
                    ConfigWatcher(file: configFile, engine: engine, logger: logger),
                ] as [any Service]).map(Self.endingGracefully),
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    var replicaName: String { replica ?? ProcessInfo.processInfo.hostName }

    /// The store the config names: SQLite under dataDir, or PostgreSQL with leases among replicas.
    func openStore(_ config: Config) async throws -> OpenedStore {
        guard let spec = config.store else {
            let store = try SQLiteStore(path: config.dataDirectory.appendingPathComponent("bosun.sqlite").path)
            return OpenedStore(store: store, leases: nil, close: {})
        }
        guard let url = ProcessInfo.processInfo.environment[spec.urlEnv], !url.isEmpty else {
            throw ServerSetupError("store.postgres.urlEnv names \(spec.urlEnv), which is not set; export it with the database's URL (postgres://USER:PASSWORD@HOST:5432/DATABASE)")
        }
        let configuration = try PostgresStore.Configuration(
            url: url, caFile: spec.caFile.map(config.resolvePath), certificateFile: spec.certificateFile.map(config.resolvePath),
            keyFile: spec.keyFile.map(config.resolvePath))
        let name = replicaName
        let book = LeaseBook(replica: name)
        let store = try await PostgresStore.connect(configuration, fencing: book, logger: logger)
        let leases = PostgresLeases(store: store, book: book, leaseDuration: config.ha.leaseDuration, renewEvery: config.ha.renewEvery)
        do {
            try await leases.join(configHash: config.sharedHash)
        } catch {
            await store.shutdown()
            throw ServerSetupError("\(error)")
        }
        logger.info("store: PostgreSQL at \(configuration); replica \(name)")
        return OpenedStore(store: store, leases: leases, close: { await store.shutdown() })
    }

    struct OpenedStore: Sendable {
        let store: any Store
        let leases: PostgresLeases?
        let close: @Sendable () async -> Void
    }

    /// Whichever service ends, the others are shut down gracefully, never cancelled: a cancelled
    /// HTTP server drops connections it accepted but did not handle yet, and SwiftNIO traps on
    /// that (a crash whenever a request arrives as Bosun stops).
    private static func endingGracefully(_ service: any Service) -> ServiceGroupConfiguration.ServiceConfiguration {
        .init(service: service, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
    }
}

/// The engine as a service: started with the group, stopped gracefully with it.
struct EngineService: Service {
    let engine: Engine
    func run() async throws {
        try await engine.start()
        try? await gracefulShutdown()
        await engine.stop()
    }
}

/// Reloads the config when the file changes or on SIGHUP. An invalid config is reported and
/// the running one kept.
struct ConfigWatcher: Service {
    let file: String
    let engine: Engine
    let logger: Logger

    func run() async throws {
        let hangups = SignalStream.hangups()
        let initial = Self.fingerprint(file)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in hangups.stream {
                    await reload(reason: "SIGHUP")
                }
            }
            group.addTask {
                var lastFingerprint = initial
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(2))
                    let fingerprint = Self.fingerprint(file)
                    if fingerprint != lastFingerprint {
                        lastFingerprint = fingerprint
                        await reload(reason: "the file changed")
                    }
                }
            }
            try? await gracefulShutdown()
            hangups.stop()
            group.cancelAll()
        }
    }

    func reload(reason: String) async {
        do {
            let config = try ConfigLoader.load(file: file)
            logger.info("reloading \(file): \(reason)")
            await engine.reload(config)
        } catch {
            logger.error("config \(file) not reloaded (\(reason)); keeping the running one:\n\(error)")
        }
    }

    static func fingerprint(_ file: String) -> Data? { FileManager.default.contents(atPath: file) }
}

/// SIGHUP as an async stream.
final class SignalStream: @unchecked Sendable {
    let stream: AsyncStream<Void>
    private let source: any DispatchSourceSignal

    private init(signal number: Int32) {
        signal(number, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        source.setEventHandler { continuation.yield() }
        source.setCancelHandler { continuation.finish() }
        source.resume()
        self.source = source
        self.stream = stream
    }

    static func hangups() -> SignalStream { SignalStream(signal: SIGHUP) }

    func stop() { source.cancel() }
}

