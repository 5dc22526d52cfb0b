import ArgumentParser
import Dispatch
import Foundation
import NomadSimulator

/// Serves the Nomad API simulator on loopback until SIGTERM or SIGINT.
@main
struct NomadSimulatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nomad-simulator", abstract: "A simulator of Nomad's HTTP API, for tests and benchmarks.")

    @Option(help: "Port to listen on (0 picks a free one).") var port = 4646
    @Option(help: "Loopback address to bind.") var host = "127.0.0.1"
    @Flag(help: "Require ACL tokens, as an agent with ACLs enabled.") var acl = false
    @Option(help: "Management token accepted with --acl.") var aclToken = "00000000-0000-0000-0000-000000000001"
    @Option(help: "A read-only token accepted with --acl.") var aclReadToken: String?
    @Option(help: "Latency added to every API response, in milliseconds.") var latencyMs = 0
    @Option(help: "Time for a placement to become healthy, in milliseconds.") var deployDelayMs = 500
    @Option(help: "A namespace that exists besides default (repeatable).") var namespace: [String] = []

    func run() async throws {
        var options = NomadSimulatorOptions()
        options.port = port
        options.host = host
        options.acl = acl
        options.managementToken = aclToken
        options.readToken = aclReadToken
        options.latency = .milliseconds(latencyMs)
        options.deployDelay = .milliseconds(deployDelayMs)
        options.namespaces = namespace
        let simulator = try await NomadSimulator.start(options)
        // Unbuffered, so a parent process reading the pipe sees it at once.
        FileHandle.standardOutput.write(Data("nomad-simulator listening on \(simulator.address)\n".utf8))
        await waitForTermination()
        await simulator.stop()
    }

    private func waitForTermination() async {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { continuation.yield(signalNumber) }
            source.resume()
            sources.append(source)
        }
        for await _ in stream { break }
        sources.forEach { $0.cancel() }
    }
}
