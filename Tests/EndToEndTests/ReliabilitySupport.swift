import BosunCore
import BosunTesting
import Foundation
import Testing

/// Test support for the fault, bad-input and security tests (RELIABILITY.md): an application
/// on the Kubernetes simulator, small Python servers (a Git host that can fail on demand, a
/// notification sink), and a reader of the store.
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

    /// An application on the simulator, in namespace `shop`: a Git repository and a config in a
    /// temporary folder. Short intervals and retry backoffs keep tests quick.
    struct KubeSetup: OnWorkspace {
        let workspace: Workspace
        let simulator: KubeCluster
        let namespace = "shop"

        init(simulator: KubeCluster, files: [String: String], sync: String = "", target: String = "", extra: String = "",
             repository: String = "") throws {
            self.simulator = simulator
            workspace = try Workspace("bosun-rel", files: files) { path in
                """
                targets: [{ name: k8s, type: kubernetes, kubeconfig: "\(simulator.kubeconfig)"\(target) }]
                security: { repositorySchemes: [file, http] }
                repositories: [{ name: deploy, url: \(path)\(repository) }]
                applications:
                  - name: shop
                    source: { repository: deploy, revision: main, path: app }
                    destination: { target: k8s, namespace: shop }
                    sync: { auto: true, prune: true, selfHeal: true, interval: 2s, createNamespace: true, retry: { limit: 100, backoff: 1s, maxBackoff: 2s }\(sync) }
                \(extra)
                """
            }
        }
    }

    /// Rows of a query on Bosun's SQLite file, each a list of columns (sqlite3's `|` separator).
    static func sqlite(_ database: String, _ query: String) async throws -> [[String]] {
        try await Shell.run(["sqlite3", "-readonly", database, query]).split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// A small Python HTTP server from `script` that prints its port first.
    final class PythonServer: @unchecked Sendable {
        let child: ChildProcess
        let port: Int
        let directory: TemporaryDirectory

        init(script: String, arguments: [String] = [], environment: [String: String] = [:]) async throws {
            directory = try TemporaryDirectory(prefix: "bosun-py")
            let file = try directory.write("server.py", script)
            child = try ChildProcess(["python3", "-u", file.path] + arguments, environment: environment)
            guard let port = Int(try await child.waitFor(#"^PORT (\d+)"#, seconds: 30)) else { throw CancellationError() }
            self.port = port
        }

        func stop() {
            child.stop(signal: SIGKILL)
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
