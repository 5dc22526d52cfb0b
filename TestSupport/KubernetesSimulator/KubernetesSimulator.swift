import BosunCore
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle

/// A simulated Kubernetes API server on loopback, held to the real API's behaviour (kubectl is
/// its witness): discovery, CRUD, server-side apply with managedFields, watches, and simulated
/// controllers. Test support for Bosun's Kubernetes target; never shipped inside `bosun`.
///
/// Where it knowingly differs from a real v1.32 server:
/// - Validation covers common mistakes (names, labels, selectors, required fields, immutable
///   fields), not every rule; built-in kinds accept fields their schema does not declare (custom
///   resources are pruned and validated against their CRD schema).
/// - Invalid values in 422 messages are rendered as JSON, not as Go values.
/// - Protobuf request bodies are decoded for ConfigMap, Secret, Namespace, ServiceAccount and the
///   RBAC kinds only (what `kubectl create <kind>` sends); responses are always JSON.
/// - Controllers report status; they create no ReplicaSets or Pods (so no rollout history).
/// - A watch from a resourceVersion older than the last `watchWindow` events of its collection
///   gets an ERROR event carrying 410 Expired (as the watch cache answers); lists have no history.
/// - CRDs serve every version from one storage version, without conversion.
///
/// ```swift
/// let simulator = try await KubernetesSimulator.start()
/// // point a client at simulator.url
/// simulator.faults.throttle(count: 2, retryAfterSeconds: 1)
/// await simulator.stop()
/// ```
public final class KubernetesSimulator: Sendable {
    /// The API's behaviour, for reading and writing objects in-process.
    public let api: KubernetesAPI
    /// Injected failures: errors, throttling, latency, dropped watches, denied permissions.
    public let faults: FaultInjector
    public let options: SimulatorOptions
    /// The port the server listens on.
    public let port: Int
    private let server: Task<Void, any Error>
    private let serviceGroup: ServiceGroup
    private let controllers: ControllerManager

    /// `http://127.0.0.1:<port>` (https when TLS is configured).
    public var url: String { "\(options.usesTLS ? "https" : "http")://\(options.host):\(port)" }

    /// The store, for tests that read or write objects directly.
    public var store: ObjectStore { api.store }

    private init(
        api: KubernetesAPI, faults: FaultInjector, options: SimulatorOptions, port: Int, server: Task<Void, any Error>,
        serviceGroup: ServiceGroup, controllers: ControllerManager
    ) {
        self.api = api
        self.faults = faults
        self.options = options
        self.port = port
        self.server = server
        self.serviceGroup = serviceGroup
        self.controllers = controllers
    }

    /// Starts the server (and, unless turned off, the simulated controllers) and returns once it
    /// accepts connections.
    public static func start(_ options: SimulatorOptions = SimulatorOptions()) async throws -> KubernetesSimulator {
        let api = KubernetesAPI(options: options)
        let faults = FaultInjector(store: api.store, latencyMilliseconds: options.latencyMilliseconds)
        let core = SimulatorCore(api: api, faults: faults, options: options)
        let serverBuilder: HTTPServerBuilder = try options.usesTLS ? .tls(.http1(), tlsConfiguration: tlsConfiguration(options)) : .http1()
        var logger = Logger(label: "kubernetes-simulator")
        logger.logLevel = .critical
        let (ready, readyContinuation) = AsyncStream<Int>.makeStream()
        let app = Application(
            responder: SimulatorResponder(core: core), server: serverBuilder,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                readyContinuation.yield(channel.localAddress?.port ?? 0)
                readyContinuation.finish()
            },
            logger: logger)
        // A service group of our own, so stopping is a graceful shutdown (connections being
        // accepted at that moment are closed properly, which cancelling the task does not ensure).
        let serviceGroup = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let server = Task {
            defer { readyContinuation.finish() }
            try await serviceGroup.run()
        }
        var iterator = ready.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else {
            server.cancel()
            if case .failure(let error) = await server.result { throw error }
            throw SimulatorError(message: "the server did not start listening on \(options.host):\(options.port)")
        }
        core.boundPort.withLock { $0 = port }
        let controllers = ControllerManager(api: api, options: options)
        controllers.start()
        return KubernetesSimulator(
            api: api, faults: faults, options: options, port: port, server: server, serviceGroup: serviceGroup,
            controllers: controllers)
    }

    /// Stops the controllers, ends open watches and shuts the server down.
    public func stop() async {
        await controllers.stop()
        api.store.dropAllWatches()
        await serviceGroup.triggerGracefulShutdown()
        _ = await server.result
    }

    /// Makes SwiftNIO's event loops the process's Swift Concurrency executor, so request handlers
    /// run on the threads that do their I/O. Only for a process's synchronous `main`, before any
    /// async work (it is process-wide and can happen once); the `kubernetes-simulator`
    /// executable does it. Returns whether it took effect.
    @discardableResult
    public static func runConcurrencyOnEventLoops() -> Bool {
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    }

    static func tlsConfiguration(_ options: SimulatorOptions) throws -> TLSConfiguration {
        guard let certificatePath = options.tlsCertificatePath, let keyPath = options.tlsKeyPath else {
            throw SimulatorError(message: "TLS needs both --tls-cert and --tls-key")
        }
        let chain: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw SimulatorError(message: "cannot read the TLS certificate \(certificatePath) or key \(keyPath): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        if let clientCA = options.clientCAPath {
            configuration.trustRoots = .file(clientCA)
            configuration.certificateVerification = .optionalVerification
        }
        return configuration
    }
}

/// A simulator that cannot start, with what to fix.
public struct SimulatorError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
