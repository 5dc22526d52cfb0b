import BosunCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// An in-process simulator of Nomad's HTTP API (jobs, parse, plan, deployments, allocations,
/// blocking queries, namespaces, ACLs) for tests and benchmarks, served on loopback.
///
/// ```swift
/// let sim = try await NomadSimulator.start(NomadSimulatorOptions())
/// // talk to sim.address ...
/// await sim.stop()
/// ```
public final class NomadSimulator: Sendable {
    /// The bound port.
    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public let address: String
    let state: NomadState
    let faults: FaultInjector
    private let serviceGroup: ServiceGroup
    private let runTask: Task<Void, Never>

    private init(port: Int, host: String, state: NomadState, faults: FaultInjector, group: ServiceGroup, task: Task<Void, Never>) {
        self.port = port
        address = "http://\(host):\(port)"
        self.state = state
        self.faults = faults
        serviceGroup = group
        runTask = task
    }

    /// Starts serving and returns once the port is bound.
    public static func start(_ options: NomadSimulatorOptions = NomadSimulatorOptions()) async throws -> NomadSimulator {
        let state = NomadState(deployDelay: options.deployDelay, namespaces: options.namespaces)
        let faults = FaultInjector()
        let responder = NomadResponder(state: state, faults: faults, options: options)
        var logger = Logger(label: "nomad-simulator")
        logger.logLevel = .warning
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            responder: responder,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            do {
                try await group.run()
            } catch {
                logger.error("nomad-simulator stopped: \(error)")
            }
            portContinuation.finish()
        }
        var bound: Int?
        for await port in portStream {
            bound = port
            break
        }
        guard let port = bound, port > 0 else {
            task.cancel()
            throw NomadAPIError(500, "nomad-simulator could not bind \(options.host):\(options.port)")
        }
        return NomadSimulator(port: port, host: options.host, state: state, faults: faults, group: group, task: task)
    }

    /// Stops serving: blocked queries return, timers stop, the port closes.
    public func stop() async {
        await state.shutdown()
        await serviceGroup.triggerGracefulShutdown()
        await runTask.value
    }

    /// Replaces the injected faults.
    public func setFaults(_ faults: NomadFaults) async { await self.faults.set(faults) }

    /// Changes how long new placements take to become healthy.
    public func setDeployDelay(_ delay: Duration) async { await state.setDeployDelay(delay) }

    /// Registers a job directly, as if someone ran `nomad job run` behind Bosun's back.
    /// `job` is Nomad API job JSON; returns the register response.
    @discardableResult
    public func register(_ job: JSONObject, namespace: String = "default") async throws -> JSONObject {
        try await state.register(job, namespace: namespace, enforceIndex: false, jobModifyIndex: 0)
    }

    /// The current job as the server stores it, or nil.
    public func job(_ id: String, namespace: String = "default") async -> JSONObject? {
        await state.job(namespace, id)
    }
}
