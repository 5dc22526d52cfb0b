import BosunCore
import BosunEngine
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// Everything `bosun serve` offers over HTTP on `server.listen`, in one router: the REST API
/// (`/api/v1`), webhook receivers (`/hooks/{provider}`), `/metrics`, `/healthz`, `/readyz`, the
/// live event stream and the dashboard (`/`).
public struct APIServer: Sendable {
    /// How the server is set up beyond the engine it serves.
    public struct Options: Sendable {
        public var listen: String
        public var tls: TLSFiles?
        /// Where `repositories[].webhook.secretEnv` and notification `urlEnv`s are looked up.
        public var environment: [String: String]
        /// How often an idle event stream sends a keep-alive comment.
        public var keepAlive: Duration
        /// The config file, so an admin can ask for a reload (`POST /api/v1/reload`).
        public var configFile: String?
        /// The wall clock for webhook de-duplication (tests move it).
        public var now: @Sendable () -> Date

        public init(listen: String, tls: TLSFiles? = nil, environment: [String: String] = ProcessInfo.processInfo.environment,
                    keepAlive: Duration = .seconds(15), configFile: String? = nil, now: @escaping @Sendable () -> Date = { Date() }) {
            self.listen = listen
            self.tls = tls
            self.environment = environment
            self.keepAlive = keepAlive
            self.configFile = configFile
            self.now = now
        }
    }

    public let engine: Engine
    public let options: Options
    public let logger: Logger
    let deliveries = DeliveryLog()
    let appInfo = AppInfoMetrics()

    public init(engine: Engine, options: Options, logger: Logger = Logger(label: "bosun.server")) {
        self.engine = engine
        self.options = options
        self.logger = logger
    }

    public init(engine: Engine, listen: String, logger: Logger = Logger(label: "bosun.server")) {
        self.init(engine: engine, options: Options(listen: listen), logger: logger)
    }

    public var listen: String { options.listen }

    /// Whether `listen` is a loopback address (127.0.0.0/8, ::1, localhost).
    public static func isLoopback(_ listen: String) -> Bool {
        guard let host = ConfigLoader.parseListen(listen)?.host.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// The Hummingbird application; `onRunning` receives the bound port (useful with port 0).
    /// Refuses to listen beyond loopback without API tokens.
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws -> some ApplicationProtocol {
        guard let (host, port) = ConfigLoader.parseListen(listen) else {
            throw ServerSetupError("server.listen \"\(listen)\" is not host:port; write it like 127.0.0.1:8080")
        }
        if await engine.config.server.tokens.isEmpty && !Self.isLoopback(listen) {
            throw ServerSetupError(Self.openRefusal(listen))
        }
        let server: HTTPServerBuilder = if let tls = options.tls { try .tls(.http1(), tlsConfiguration: try TLSSetup.configuration(tls)) } else { .http1() }
        return Application(
            router: makeRouter(), server: server, configuration: .init(address: .hostname(host, port: port), serverName: "bosun"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    static func openRefusal(_ listen: String) -> String {
        "server.listen is \(listen), beyond loopback, and server.tokens is empty: anyone who can reach it could sync and roll back. Add an API token (`bosun token create NAME --role admin` prints the entry) or listen on 127.0.0.1"
    }

    /// The router: middleware (JSON errors, auth), then every route.
    public func makeRouter() -> Router<BosunRequestContext> {
        let router = Router(context: BosunRequestContext.self)
        let engine = self.engine
        let open = Self.isLoopback(listen)
        router.add(middleware: MethodNotAllowedMiddleware())
        router.add(middleware: APIErrorMiddleware())
        let authenticator = Authenticator(openWhenNoTokens: open) { await engine.config.server.tokens }
        router.add(middleware: AuthMiddleware(authenticator: authenticator))

        // Probes and metrics: no token.
        router.get("/healthz") { _, _ in APIResponse.raw("ok\n", contentType: "text/plain; charset=utf-8") }
        router.get("/readyz") { _, _ in
            guard await engine.isRunning else { return APIResponse.raw("starting: the engine is not running yet\n", contentType: "text/plain; charset=utf-8", status: .serviceUnavailable) }
            guard await engine.storeIsReachable() else { return APIResponse.raw("the store does not answer\n", contentType: "text/plain; charset=utf-8", status: .serviceUnavailable) }
            return APIResponse.raw("ok\n", contentType: "text/plain; charset=utf-8")
        }
        let appInfo = self.appInfo
        // A replica reports the applications it owns: scraping every replica sees each once.
        router.get("/metrics") { _, _ in
            APIResponse.raw(appInfo.exposition(await engine.ownedStatuses()), contentType: "text/plain; version=0.0.4; charset=utf-8")
        }

        // Webhooks carry their own signatures.
        let receiver = WebhookReceiver(engine: engine, environment: options.environment, deliveries: deliveries, now: options.now,
                                       configuration: ConfigSnapshot(engine: engine))
        router.post("/hooks/:provider") { request, context in
            await receiver.receive(request, provider: try context.parameters.require("provider"))
        }

        addAPIRoutes(to: router.group("/api/v1"))
        Dashboard(engine: engine, authenticator: authenticator, secureCookies: options.tls != nil).addRoutes(to: router)
        return router
    }
}

/// Why the server cannot start, phrased for the person running it.
public struct ServerSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
