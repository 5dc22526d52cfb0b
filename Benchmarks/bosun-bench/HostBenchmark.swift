import ArgumentParser
import BosunCore
import BosunHost
import BosunTesting
import Foundation

/// The host target's costs: atomic file writes (with fsync), reading files back for live,
/// starting and stopping supervised processes. Prints figures; asserts nothing.
struct HostBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "host", abstract: "Host target: file writes and reads, process start and stop.")

    @Option(help: "Files to write.") var files = 500
    @Option(help: "Bytes per file.") var fileSize = 4096
    @Option(help: "Processes to start and stop.") var processes = 20

    func run() async throws {
        let data = try TemporaryDirectory(prefix: "bosun-bench-host")
        defer { data.remove() }
        let target = try HostDeploymentTarget(name: "bench", dataDirectory: data.url)
        let context = AppContext(app: "bench")
        try await target.start()

        let content = String(repeating: "x", count: max(0, fileSize - 1)) + "\n"
        let manifests = (0..<files).map { index in
            Resource([
                "apiVersion": "host.bosun.dev/v1", "kind": "File", "metadata": ["name": .string("f\(index)")],
                "spec": ["path": .string("files/\(index / 100)/f\(index).txt"), "content": .string(content)],
            ] as JSONObject)
        }
        let clock = ContinuousClock()
        var prepared: [Resource] = []
        let prepareTime = try await clock.measure { prepared = try await target.prepare(manifests, context: context) }
        let writeTime = try await clock.measure {
            for resource in prepared { _ = try await target.apply(resource, context: context, dryRun: false) }
        }
        let unchangedTime = try await clock.measure {
            for resource in prepared { _ = try await target.apply(resource, context: context, dryRun: false) }
        }
        var held = 0
        let liveTime = try await clock.measure { held = try await target.live(keys: [], context: context).count }
        print("files: \(files) of \(fileSize) bytes")
        print("  prepare (validate, confine paths)  \(Self.rate(files, prepareTime))")
        print("  first apply (atomic write + fsync) \(Self.rate(files, writeTime))")
        print("  apply again, unchanged (no write)  \(Self.rate(files, unchangedTime))")
        print("  live of \(held) files (read back)     \(Self.format(liveTime)) total")

        let processManifests = (0..<processes).map { index in
            Resource([
                "apiVersion": "host.bosun.dev/v1", "kind": "Process", "metadata": ["name": .string("p\(index)")],
                "spec": ["command": ["sleep", "600"], "stopTimeoutSeconds": 5],
            ] as JSONObject)
        }
        let preparedProcesses = try await target.prepare(processManifests, context: context)
        let startTime = try await clock.measure {
            for resource in preparedProcesses { _ = try await target.apply(resource, context: context, dryRun: false) }
        }
        let half = preparedProcesses.prefix(processes / 2)
        let stopTime = try await clock.measure {
            for resource in half { try await target.delete(resource.key, context: context) }
        }
        let shutdownTime = await clock.measure { await target.shutdown() }
        print("processes: \(processes)")
        print("  start (spawn, apply returns)       \(Self.rate(processes, startTime))")
        print("  stop one by one (SIGTERM, reaped)  \(Self.rate(half.count, stopTime))")
        print("  shutdown of \(processes - half.count) in parallel        \(Self.format(shutdownTime)) total")
    }

    static func rate(_ count: Int, _ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        let each = count > 0 ? seconds / Double(count) * 1e6 : 0
        return String(format: "%8.1f µs each, %8.0f /s", each, seconds > 0 ? Double(count) / seconds : 0)
    }

    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.1f ms", seconds * 1000)
    }
}
