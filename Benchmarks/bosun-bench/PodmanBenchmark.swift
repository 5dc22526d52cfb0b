import ArgumentParser
import BosunCore
import BosunEngine
import BosunGit
import BosunPodman
import BosunRender
import BosunStore
import BosunTesting
import Foundation

/// 50 applications × 2 pods against the real Podman on this machine: the first sync (pull
/// check, kube play, health), a steady-state pass with the API calls it made (goal: one list
/// call per kind, no inspect of unchanged containers, under 100 ms), and the time from a
/// container removed by hand to its pod running again, noticed through Podman's events.
struct PodmanBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podman", abstract: "Podman: first sync, steady-state pass, drift healed from events (real Podman).")

    @Option(help: "Applications, each with its own folder.") var apps = 50
    @Option(help: "Pods per application.") var pods = 2
    @Option(help: "Podman's API socket (default: start `podman system service` on a socket of the benchmark's own).") var socket: String?

    static let image = "localhost/bosun-bench/busybox:1"

    func run() async throws {
        quietLogging()
        let dir = try TemporaryDirectory(prefix: "bosun-bench-podman")
        var service: Process?
        let path: String
        if let socket {
            path = socket.replacingOccurrences(of: "unix://", with: "")
        } else {
            path = dir.appending("podman.sock").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["podman", "system", "service", "--time=0", "unix://\(path)"]
            process.standardError = FileHandle.nullDevice
            try process.run()
            service = process
            while !FileManager.default.fileExists(atPath: path) { try await Task.sleep(for: .milliseconds(50)) }
        }
        let repo = try GitRepository()
        defer {
            _ = try? Shell.executeBlocking(["sh", "-c", "podman pod ps -q --filter label=bosun.dev/managed-by=bosun --filter name=bench- | xargs -r podman pod rm -f -t 0"])
            service?.terminate()
            repo.remove()
            dir.remove()
        }
        try await Self.buildImage()
        for a in 0..<apps {
            for p in 0..<pods { try repo.write("apps/a\(a)/bench-\(a)-\(p).yaml", Self.pod("bench-\(a)-\(p)")) }
        }
        try repo.commit("\(apps) apps × \(pods) pods")
        let entries = (0..<apps).map {
            "  - { name: a\($0), source: { repository: deploy, revision: main, path: apps/a\($0) }, destination: { target: box }, sync: { auto: true, selfHeal: true, interval: 1h, healthTimeout: 10m } }"
        }.joined(separator: "\n")
        try dir.write("bosun.yaml", """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: \(dir.appending("data").path)
            server: { listen: "127.0.0.1:0" }
            targets: [{ name: box, type: podman, socket: "unix://\(path)" }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repo.path) }]
            applications:
            \(entries)
            """)
        let config = try ConfigLoader.load(file: dir.appending("bosun.yaml").path)
        let dataDir = config.dataDirectory
        let store = try SQLiteStore(path: dataDir.appendingPathComponent("bosun.sqlite").path)
        guard let spec = config.targets.first else { throw ValidationError("no target") }
        let target = try PodmanTargetFactory.makeTarget(spec, TargetEnvironment(dataDirectory: dataDir))
        let engine = Engine(config: config, targets: ["box": target], store: store, git: GitMirrors(root: dataDir.appendingPathComponent("git")),
                            renderCache: RenderCache(directory: dataDir.appendingPathComponent("cache/renders")),
                            renderer: Renderer(workDirectory: dataDir.appendingPathComponent("cache/work")))
        print("podman: \(apps) applications × \(pods) pods, real Podman at unix://\(path)")
        let (_, first) = try await measure {
            try await engine.start()
            var lastReport = ContinuousClock.now
            while true {
                let waiting = await engine.statuses().filter { $0.sync.status != .synced || $0.health.status != .healthy }
                if waiting.isEmpty { break }
                if ContinuousClock.now - lastReport > .seconds(30) {
                    lastReport = ContinuousClock.now
                    print("    … \(waiting.count) applications not yet Synced and Healthy (\(waiting.first.map { "\($0.name): \($0.sync.status.rawValue), \($0.health.status.rawValue) \($0.health.message)" } ?? ""))")
                }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        figure("first sync (\(apps * pods) pods played and healthy)", first, "s")
        print("    calls: \(Self.summary(target))")

        try await Task.sleep(for: .seconds(2))
        var best = Double.infinity
        var calls = ""
        for _ in 0..<3 {
            target.client.resetCounts()
            let (_, steady) = await measure { await engine.pass() }
            if steady < best {
                best = steady
                calls = Self.summary(target)
            }
        }
        figure("steady-state pass (no change, best of 3)", best * 1000, "ms", target: "under 100 ms, one list call per kind")
        print("    calls: \(calls)")

        // Drift: a container removed by hand; Bosun hears of it from the events stream and heals it.
        var latencies: [Double] = []
        for round in 0..<3 {
            let container = "bench-\(round)-0-main"
            let before = try await Shell.execute(["podman", "inspect", container, "--format", "{{.Id}}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try await Shell.execute(["podman", "rm", "-f", "-t", "0", container])
            let (_, healed) = try await measure {
                while true {
                    let now = try await Shell.execute(["podman", "inspect", container, "--format", "{{.Id}} {{.State.Status}}"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
                    if now.hasSuffix("running") && !now.hasPrefix(before) { break }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }
            latencies.append(healed)
        }
        figure("drift: container removed → running again (median of 3)", latencies.sorted()[1], "s", target: "under 2 s")
        figure("resident memory of this benchmark process", residentMiB(), "MiB")
        await engine.stop()
        await target.shutdown()
    }

    static func summary(_ target: PodmanTarget) -> String {
        let counts = target.client.calls.withLock { $0 }
        return counts.isEmpty ? "none" : counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }

    static func pod(_ name: String) -> String {
        """
        apiVersion: v1
        kind: Pod
        metadata:
          name: \(name)
        spec:
          hostNetwork: true
          terminationGracePeriodSeconds: 1
          containers:
            - name: main
              image: \(image)
              command: ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do /bin/busybox sleep 1; done"]
        """
    }

    /// The test image: busybox-static imported as a root filesystem (no registry needed).
    static func buildImage() async throws {
        if try await Shell.execute(["podman", "image", "exists", image]).status == 0 { return }
        let root = try TemporaryDirectory(prefix: "bosun-bench-rootfs")
        defer { root.remove() }
        let script = "set -e; mkdir -p \"$1/bin\"; cp /bin/busybox \"$1/bin/\"; tar -C \"$1\" -cf \"$1.tar\" .; podman import \"$1.tar\" \(image) >/dev/null; rm -f \"$1.tar\""
        let result = try await Shell.execute(["sh", "-c", script, "sh", root.path])
        guard result.status == 0 else { throw ValidationError("podman import failed: \(result.stderr)") }
    }
}
