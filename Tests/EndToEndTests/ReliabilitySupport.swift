import BosunCore
import BosunTesting
import Foundation
import Testing

/// Test support for the fault, bad-input and security tests (RELIABILITY.md): a Kubernetes
/// simulator run as its executable, a `bosun serve` with chosen flags, small Python servers
/// (a Git host that can fail on demand, a notification sink), and readers of the store.
/// Everything lives under `Reliability` so it never collides with other end-to-end helpers.
enum Reliability {
    /// The package's root folder (fixtures of other test targets live under it).
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// The hostile-input corpus shared with `BosunCoreTests`.
    static func corpus(_ folder: String) -> URL {
        packageRoot.appendingPathComponent("Tests/BosunCoreTests/Fixtures/hostile/\(folder)")
    }

    static func executable(_ name: String) -> String { Binaries.directory.appendingPathComponent(name).path }

    /// A child process whose output collects in `output`; killed (SIGKILL) when released.
    final class Child: @unchecked Sendable {
        let process = Process()
        let output = LockedBox("")

        init(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws {
            process.executableURL = URL(fileURLWithPath: arguments[0].hasPrefix("/") ? arguments[0] : "/usr/bin/env")
            process.arguments = arguments[0].hasPrefix("/") ? Array(arguments.dropFirst()) : arguments
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            var env = ProcessInfo.processInfo.environment
            for (key, value) in environment { env[key] = value }
            process.environment = env
            capture(process, into: output)
            try process.run()
        }

        var pid: Int32 { process.processIdentifier }
        var isRunning: Bool { process.isRunning }

        /// Waits until the output matches `pattern` (a regular expression); returns the first capture group.
        func waitFor(_ pattern: String, seconds: Double = 60) async throws -> String {
            let regex = try NSRegularExpression(pattern: pattern)
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                let text = output.get()
                if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                    let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                    return Range(range, in: text).map { String(text[$0]) } ?? ""
                }
                if !process.isRunning {
                    throw Shell.Failure(command: process.arguments ?? [], status: process.terminationStatus, stdout: text, stderr: "exited before printing \(pattern)")
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            throw Shell.Failure(command: process.arguments ?? [], status: -1, stdout: output.get(), stderr: "never printed \(pattern)")
        }

        func stop(_ signal: Int32 = SIGTERM) {
            guard process.isRunning else { return }
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
        }

        deinit { stop(SIGKILL) }
    }

    /// `bosun serve` with the log level asked for.
    final class Serve: @unchecked Sendable {
        let child: Child
        let url: String

        init(config: String, in directory: String, logLevel: String = "info", environment: [String: String] = [:]) async throws {
            child = try Child([Binaries.bosun, "serve", "--config", config, "--log-level", logLevel], in: directory, environment: environment)
            url = try await child.waitFor(#"bosun serving on (\S+)"#)
        }

        var log: String { child.output.get() }

        func stop(_ signal: Int32 = SIGTERM) { child.stop(signal) }
    }

    /// The Kubernetes API simulator, run as its executable.
    final class Simulator: @unchecked Sendable {
        let child: Child
        let url: String

        init(arguments: [String] = []) async throws {
            child = try Child([Reliability.executable("kubernetes-simulator"), "--port", "0", "--controller-delay-ms", "200"] + arguments)
            url = try await child.waitFor(#"listening on (\S+)"#, seconds: 30)
        }

        /// Adds faults (`POST /_simulator/faults`); see `ControlEndpoints` for the body.
        func faults(_ json: String) async throws {
            let result = try await Shell.execute(["curl", "-sf", "-X", "POST", "\(url)/_simulator/faults", "-d", json])
            guard result.status == 0 else { throw Shell.Failure(command: ["faults"], status: result.status, stdout: result.stdout, stderr: result.stderr) }
        }

        /// Back to a healthy server.
        func heal() async throws { _ = try await Shell.execute(["curl", "-sf", "-X", "DELETE", "\(url)/_simulator/faults"]) }

        /// How many requests the faults have failed or delayed so far.
        func injected() async throws -> Int {
            await (try JSONParser.parse(try Shell.run(["curl", "-sf", "\(url)/_simulator/faults"])))["injected"]?.intValue ?? -1
        }

        /// A GET on the API; nil for 404.
        func get(_ path: String) async throws -> JSONValue? {
            let result = try await Shell.execute(["curl", "-s", "-w", "\n%{http_code}", "\(url)\(path)"])
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            guard let code = lines.last, code != "404" else { return nil }
            return try JSONParser.parse(lines.dropLast().joined(separator: "\n"))
        }

        /// Names of the objects of a collection (`/api/v1/namespaces/shop/configmaps`).
        func names(_ collection: String) async throws -> [String] {
            await (try get(collection)?["items"]?.arrayValue ?? []).compactMap { $0["metadata"]?["name"]?.stringValue }.sorted()
        }

        /// A merge patch, as someone editing the cluster by hand would send.
        func patch(_ path: String, _ json: String) async throws {
            try await Shell.run(["curl", "-sf", "-X", "PATCH", "-H", "Content-Type: application/merge-patch+json", "\(url)\(path)", "-d", json])
        }

        func stop() { child.stop() }
    }

    /// A kubeconfig pointing at `server`, without credentials.
    static func kubeconfig(_ server: String) -> String {
        """
        apiVersion: v1
        kind: Config
        clusters: [{ name: sim, cluster: { server: "\(server)" } }]
        contexts: [{ name: sim, context: { cluster: sim, user: sim, namespace: default } }]
        current-context: sim
        users: [{ name: sim, user: {} }]
        """
    }

    /// A ConfigMap manifest.
    static func configMap(_ name: String, _ value: String, wave: Int? = nil) -> String {
        let annotations = wave.map { "\n  annotations: { bosun.dev/sync-wave: \"\($0)\" }" } ?? ""
        return """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: \(name)\(annotations)
            data: { v: "\(value)" }
            """
    }

    /// An application on the simulator: a Git repository, a kubeconfig and a config, in a
    /// temporary folder. Short intervals and retry backoffs keep tests quick.
    struct KubeSetup {
        let repo: GitRepository
        let dir: TemporaryDirectory
        let simulator: Simulator
        let config: String
        let namespace = "shop"

        init(simulator: Simulator, files: [String: String], sync: String = "", target: String = "", extra: String = "",
             repository: String = "") throws {
            self.simulator = simulator
            repo = try GitRepository()
            dir = try TemporaryDirectory(prefix: "bosun-rel")
            try repo.commit(files: files, message: "first")
            try dir.write("kubeconfig", Reliability.kubeconfig(simulator.url))
            let api = try freePort()
            config = dir.appending("bosun.yaml").path
            try dir.write("bosun.yaml", """
                apiVersion: bosun.dev/v1
                kind: Config
                dataDir: .bosun
                server: { listen: "127.0.0.1:\(api)" }
                targets: [{ name: k8s, type: kubernetes, kubeconfig: ./kubeconfig\(target) }]
                security: { repositorySchemes: [file, http] }
                repositories: [{ name: deploy, url: \(repo.path)\(repository) }]
                applications:
                  - name: shop
                    source: { repository: deploy, revision: main, path: app }
                    destination: { target: k8s, namespace: shop }
                    sync: { auto: true, prune: true, selfHeal: true, interval: 2s, createNamespace: true, retry: { limit: 100, backoff: 1s, maxBackoff: 2s }\(sync) }
                \(extra)
                """)
        }

        var database: String { dir.appending(".bosun/bosun.sqlite").path }

        func serve(logLevel: String = "info", environment: [String: String] = [:]) async throws -> Serve {
            try await Serve(config: config, in: dir.path, logLevel: logLevel, environment: environment)
        }

        func remove() {
            repo.remove()
            dir.remove()
        }
    }

    // MARK: Reading Bosun

    static func status(_ url: String, _ app: String = "shop") async throws -> JSONValue {
        let result = try await bosun("status", app, "--server", url, "-o", "json")
        guard result.status == 0 else { throw Shell.Failure(command: ["status"], status: result.status, stdout: result.stdout, stderr: result.stderr) }
        return try json(result.stdout)
    }

    static func history(_ url: String, _ app: String = "shop") async throws -> [JSONValue] {
        try await json(try bosun("history", app, "--server", url, "-o", "json").stdout).arrayValue ?? []
    }

    static func sync(_ url: String, _ id: Int, _ app: String = "shop") async throws -> JSONValue {
        try await json(try bosun("history", app, "--server", url, "--id", String(id), "-o", "json").stdout)
    }

    /// Waits until the application is Synced and Healthy at `sha`.
    static func waitSynced(_ url: String, at sha: String, app: String = "shop", seconds: Double = 90) async throws {
        try await eventually("\(app) Synced and Healthy at \(sha.prefix(7))", seconds: seconds) {
            let s = try await status(url, app)
            return s["sync"]?["status"] == "Synced" && s["sync"]?["revision"]?.stringValue == sha && s["health"]?["status"] == "Healthy"
                && s["operation"] == nil
        }
    }

    /// Rows of a query on Bosun's SQLite file, each a list of columns (sqlite3's `|` separator).
    static func sqlite(_ database: String, _ query: String) async throws -> [[String]] {
        try await Shell.run(["sqlite3", "-readonly", database, query]).split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// A small Python HTTP server from `script` that prints its port first.
    final class PythonServer: @unchecked Sendable {
        let child: Child
        let port: Int
        let directory: TemporaryDirectory

        init(script: String, arguments: [String] = [], environment: [String: String] = [:]) async throws {
            directory = try TemporaryDirectory(prefix: "bosun-py")
            let file = try directory.write("server.py", script)
            child = try Child(["python3", "-u", file.path] + arguments, environment: environment)
            guard let port = Int(try await child.waitFor(#"^PORT (\d+)"#, seconds: 30)) else { throw CancellationError() }
            self.port = port
        }

        func stop() {
            child.stop(SIGKILL)
            directory.remove()
        }
    }

    /// A notification receiver: answers every POST with 200 and keeps each body, one per line.
    final class NotificationSink: @unchecked Sendable {
        let server: PythonServer

        static let script = #"""
            import json, signal, sys
            from http.server import HTTPServer, BaseHTTPRequestHandler

            signal.pthread_sigmask(signal.SIG_SETMASK, [])

            class Handler(BaseHTTPRequestHandler):
                def log_message(self, *args):
                    pass

                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0"))).decode("utf-8", "replace")
                    print("BODY", json.dumps(body), flush=True)
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()

            server = HTTPServer(("127.0.0.1", 0), Handler)
            print("PORT", server.server_address[1], flush=True)
            \#(TestServerScript.exitsWithItsParent)
            server.serve_forever()
            """#

        init() async throws { server = try await PythonServer(script: Self.script) }

        var url: String { "http://127.0.0.1:\(server.port)/notify" }

        /// Every body received so far, as sent.
        var bodies: [String] {
            server.child.output.get().split(separator: "\n").compactMap { line in
                guard line.hasPrefix("BODY ") else { return nil }
                return try? JSONParser.parse(String(line.dropFirst(5))).stringValue
            }
        }

        func stop() { server.stop() }
    }
}
