import BosunCore
import BosunTesting
import Foundation
import Testing

/// The real Podman for the end-to-end tests: `podman system service` on a socket of the test's
/// own (or one already running, named by `BOSUN_PODMAN_SOCKET`), a test image built
/// offline from Debian's busybox-static, and Debian's `docker-registry` on loopback for pulls.
final class PodmanHost: @unchecked Sendable {
    static let image = "localhost/bosun-test/busybox:2"

    /// Podman on PATH: CI installs it, so there the suite runs.
    static var installed: Bool { (try? Shell.executeBlocking(["sh", "-c", "command -v podman"]))?.status == 0 }
    static let skipReason: Comment = "podman is not installed (CI installs it: apt-get install podman runc catatonit docker-registry busybox-static)"

    let socket: String
    private var service: Process?
    private let dir: TemporaryDirectory

    init() async throws {
        dir = try TemporaryDirectory(prefix: "bosun-podman")
        if let given = ProcessInfo.processInfo.environment["BOSUN_PODMAN_SOCKET"], !given.isEmpty, await Self.answers(given) {
            socket = given
        } else {
            let path = dir.appending("podman.sock").path
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["podman", "system", "service", "--time=0", "unix://\(path)"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            service = process
            socket = path
            let deadline = Date().addingTimeInterval(30)
            while await !Self.answers(path) {
                if Date() > deadline || !process.isRunning { throw Shell.Failure(command: ["podman", "system", "service"], status: -1, stdout: "", stderr: "the service did not answer on \(path)") }
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        try await Self.buildImage()
    }

    static func answers(_ socket: String) async -> Bool {
        (try? await Shell.execute(["curl", "-s", "--max-time", "2", "--unix-socket", socket, "http://d/_ping"]))?.stdout == "OK"
    }

    /// A busybox root filesystem imported as an image, once per machine.
    static func buildImage() async throws {
        if try await Shell.execute(["podman", "image", "exists", image]).status == 0 { return }
        let root = try TemporaryDirectory(prefix: "bosun-rootfs")
        defer { root.remove() }
        let script = """
            set -e
            mkdir -p "$1/bin" "$1/www" "$1/tmp"
            cp /bin/busybox "$1/bin/busybox"
            for t in sh sleep httpd echo cat env; do ln -sf busybox "$1/bin/$t"; done
            echo hello > "$1/www/index.html"
            tar -C "$1" -cf "$1.tar" .
            podman import "$1.tar" \(image) >/dev/null
            rm -f "$1.tar"
            """
        let result = try await Shell.execute(["sh", "-c", script, "sh", root.path])
        guard result.status == 0 else { throw Shell.Failure(command: ["podman", "import"], status: result.status, stdout: result.stdout, stderr: result.stderr) }
    }

    func stop() {
        if let service, service.isRunning {
            service.terminate()
            service.waitUntilExit()
        }
        dir.remove()
    }

    deinit { stop() }

    // MARK: Looking, as an operator would

    /// Runs the podman CLI against the test's service; standard output trimmed.
    @discardableResult
    func podman(_ arguments: String...) async throws -> Shell.Result {
        var result = try await Shell.execute(["podman", "--url", "unix://\(socket)"] + arguments)
        result.stdout = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        return result
    }

    /// Pods with the application's label: name → (id, status).
    func pods(app: String) async throws -> [String: (id: String, status: String)] {
        let out = try await podman("pod", "ps", "--filter", "label=bosun.dev/app=\(app)", "--format", "{{.Name}} {{.Id}} {{.Status}}").stdout
        var result: [String: (String, String)] = [:]
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: " ").map(String.init)
            if parts.count >= 3 { result[parts[0]] = (parts[1], parts[2]) }
        }
        return result
    }

    /// A container's environment variable.
    func env(_ container: String, _ name: String) async throws -> String? {
        let out = try await podman("exec", container, "/bin/busybox", "env").stdout
        return out.split(separator: "\n").first { $0.hasPrefix("\(name)=") }.map { String($0.dropFirst(name.count + 1)) }
    }

    /// Removes what a test left: its pods, volumes and secrets.
    func clean(app: String, secrets: [String] = [], pods extra: [String] = []) {
        let ids = ((try? Shell.executeBlocking(["podman", "--url", "unix://\(socket)", "pod", "ps", "-q", "--filter", "label=bosun.dev/app=\(app)"]).stdout) ?? "").split(separator: "\n").map(String.init)
        for id in ids + extra { _ = try? Shell.executeBlocking(["podman", "--url", "unix://\(socket)", "pod", "rm", "-f", "-t", "0", id]) }
        let volumes = ((try? Shell.executeBlocking(["podman", "--url", "unix://\(socket)", "volume", "ls", "-q", "--filter", "label=bosun.dev/app=\(app)"]).stdout) ?? "").split(separator: "\n").map(String.init)
        for volume in volumes { _ = try? Shell.executeBlocking(["podman", "--url", "unix://\(socket)", "volume", "rm", "-f", volume]) }
        for secret in secrets { _ = try? Shell.executeBlocking(["podman", "--url", "unix://\(socket)", "secret", "rm", secret]) }
    }
}

/// Debian's `docker-registry` on a loopback port, for the pull tests.
final class LocalRegistry: @unchecked Sendable {
    let address: String
    private let process = Process()
    private let dir: TemporaryDirectory

    init() async throws {
        dir = try TemporaryDirectory(prefix: "bosun-registry")
        let port = try freePort()
        address = "127.0.0.1:\(port)"
        _ = try dir.write("config.yml", """
            version: 0.1
            log: { level: error }
            storage: { filesystem: { rootdirectory: \(dir.appending("data").path) } }
            http: { addr: "\(address)" }
            """)
        process.executableURL = URL(fileURLWithPath: "/usr/bin/docker-registry")
        process.arguments = ["serve", dir.appending("config.yml").path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(20)
        while await httpGet("http://\(address)/v2/") == nil {
            if Date() > deadline { throw Shell.Failure(command: ["docker-registry"], status: -1, stdout: "", stderr: "did not answer on \(address)") }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Pushes a local image under `name:tag`; returns the reference.
    func push(_ image: String, as name: String) async throws -> String {
        let reference = "\(address)/\(name)"
        let result = try await Shell.execute(["podman", "push", "--tls-verify=false", image, reference])
        guard result.status == 0 else { throw Shell.Failure(command: ["podman", "push"], status: result.status, stdout: result.stdout, stderr: result.stderr) }
        return reference
    }

    func stop() {
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        dir.remove()
    }

    deinit { stop() }
}

/// A Git repository of Kubernetes YAML, a config pointing Bosun at the Podman socket, and a `bosun serve`.
struct PodmanSetup: OnWorkspace {
    let workspace: Workspace

    init(socket: String, app: String, files: [String: String], interval: String = "1s", autoRollback: Bool = false,
         targetExtra: String = "", healthTimeout: String = "30s") throws {
        workspace = try Workspace("bosun-e2e-podman", app: app, files: files, message: "\(app) one") { repository in
            """
            targets: [{ name: box, type: podman, socket: "unix://\(socket)"\(targetExtra) }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repository) }]
            applications:
              - name: \(app)
                source: { repository: deploy, revision: main, path: apps }
                destination: { target: box }
                sync: { auto: true, prune: true, selfHeal: true, interval: \(interval), autoRollback: \(autoRollback), healthTimeout: \(healthTimeout) }
            """
        }
    }

    // MARK: Manifests

    /// A pod serving HTTP on loopback (host network) that stops at once on SIGTERM.
    static func pod(_ name: String, env: [String: String] = [:], image: String = PodmanHost.image, command: String? = nil,
                    extra: String = "", containerExtra: String = "") -> String {
        let envLines = env.sorted { $0.key < $1.key }.map { "        - { name: \($0.key), value: \"\($0.value)\" }" }.joined(separator: "\n")
        let script = command ?? "trap 'exit 0' TERM; while true; do /bin/busybox sleep 1; done"
        return """
            apiVersion: v1
            kind: Pod
            metadata:
              name: \(name)
            spec:
              hostNetwork: true
              restartPolicy: Always
              terminationGracePeriodSeconds: 2
            \(extra)
              containers:
                - name: main
                  image: \(image)
                  command: ["/bin/busybox", "sh", "-c", "\(script)"]
            \(containerExtra)
                  env:
            \(envLines.isEmpty ? "        - { name: UNUSED, value: \"1\" }" : envLines)
            """
    }

    static func deployment(_ name: String, replicas: Int, configMap: String? = nil) -> String {
        let env = configMap.map {
            "          env:\n            - name: GREETING\n              valueFrom: { configMapKeyRef: { name: \($0), key: greeting } }"
        } ?? ""
        return """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: \(name)
            spec:
              replicas: \(replicas)
              selector: { matchLabels: { app: \(name) } }
              template:
                metadata:
                  labels: { app: \(name) }
                spec:
                  hostNetwork: true
                  terminationGracePeriodSeconds: 2
                  containers:
                    - name: main
                      image: \(PodmanHost.image)
                      command: ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do /bin/busybox sleep 1; done"]
            \(env)
            """
    }

    static func configMap(_ name: String, greeting: String) -> String {
        """
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: \(name)
        data:
          greeting: "\(greeting)"
        """
    }
}
