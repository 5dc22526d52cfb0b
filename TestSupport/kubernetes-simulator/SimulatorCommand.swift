import ArgumentParser
import Foundation
import KubernetesSimulator

/// Entry point: before any async work, makes SwiftNIO's event loops Swift Concurrency's global
/// executor, so request handlers run where their connections' I/O happens (no thread hop per
/// request: on a two-core machine that is most of the difference between 13,000 and 20,000+
/// GETs a second). Then runs the command.
@main
enum SimulatorMain {
    static func main() {
        KubernetesSimulator.runConcurrencyOnEventLoops()
        Task {
            await KubernetesSimulatorCommand.main()
            exit(0)
        }
        dispatchMain()
    }
}

/// `kubernetes-simulator`: the Kubernetes API simulator as a server, for end-to-end tests and
/// for checking its fidelity with the real `kubectl`.
struct KubernetesSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubernetes-simulator",
        abstract: "Serve a simulated Kubernetes API (v1.32) on loopback.",
        discussion: """
            Prints one line when ready: `kubernetes-simulator listening on http://127.0.0.1:PORT`.
            Stops cleanly on SIGTERM or SIGINT. Inject faults with POST /_simulator/faults.
            """)

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port = 0

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(name: .customLong("latency-ms"), help: "Delay every API request by this many milliseconds.")
    var latencyMilliseconds = 0

    @Option(name: .customLong("tls-cert"), help: "PEM certificate (chain) to serve HTTPS with.")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of the certificate.")
    var tlsKey: String?

    @Option(name: .customLong("client-ca"), help: "PEM CA bundle; client certificates it signed authenticate (with --tls-cert).")
    var clientCA: String?

    @Option(help: "Require 'Authorization: Bearer <token>' (or a client certificate) on API requests.")
    var token: String?

    @Flag(name: .customLong("no-controllers"), help: "Do not run the simulated kube-controller-manager.")
    var noControllers = false

    @Option(name: .customLong("controller-delay-ms"), help: "How long a simulated rollout, job or volume binding takes.")
    var controllerDelayMilliseconds = 1000

    @Option(name: .customLong("progress-deadline-seconds"), help: "The longest a failing rollout runs before ProgressDeadlineExceeded.")
    var progressDeadlineSeconds = 10

    @Option(name: .customLong("watch-window"), help: "Recent events kept per collection for resuming watches.")
    var watchWindow = 1000

    @Flag(name: .customLong("log-requests"), help: "Print one line per request to standard error.")
    var logRequests = false

    func validate() throws {
        if (tlsCertificate == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both to serve HTTPS, or neither.")
        }
        if clientCA != nil && tlsCertificate == nil {
            throw ValidationError("--client-ca needs HTTPS: add --tls-cert and --tls-key.")
        }
        if !(0...65_535).contains(port) { throw ValidationError("--port must be between 0 and 65535.") }
    }

    func run() async throws {
        var options = SimulatorOptions()
        options.host = host
        options.port = port
        options.latencyMilliseconds = latencyMilliseconds
        options.tlsCertificatePath = tlsCertificate
        options.tlsKeyPath = tlsKey
        options.clientCAPath = clientCA
        options.token = token
        options.controllersEnabled = !noControllers
        options.controllerDelayMilliseconds = controllerDelayMilliseconds
        options.progressDeadlineSeconds = progressDeadlineSeconds
        options.watchWindow = watchWindow
        options.logRequests = logRequests

        let signals = SignalWaiter(signals: [SIGTERM, SIGINT])
        let simulator = try await KubernetesSimulator.start(options)
        FileHandle.standardOutput.write(Data("kubernetes-simulator listening on \(simulator.url)\n".utf8))
        await signals.wait()
        await simulator.stop()
    }
}

/// Waits for one of a few signals, which then no longer kill the process.
/// `@unchecked Sendable`: its stored values are set once and dispatch sources are thread-safe.
final class SignalWaiter: @unchecked Sendable {
    private let stream: AsyncStream<Int32>
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32]) {
        let (stream, continuation) = AsyncStream<Int32>.makeStream()
        self.stream = stream
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
    }

    func wait() async {
        for await _ in stream { return }
    }
}
