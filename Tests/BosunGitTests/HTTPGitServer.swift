import BosunTesting
import Foundation

/// A Git smart-HTTP server on loopback for tests: Python's http.server in front of
/// `git http-backend`, with HTTP basic auth. On every request it scans every process's command
/// line for the password and records what it found, so a test can prove the password never
/// appeared in any `ps`-visible argument while git was talking to it.
final class HTTPGitServer: @unchecked Sendable {
    let root: TemporaryDirectory
    let port: Int
    let report: String
    private let process: Process

    /// Serves `repositories` (name → path of a repository to serve as `name.git`).
    init(repositories: [String: String], username: String, password: String) async throws {
        root = try TemporaryDirectory(prefix: "bosun-http")
        for (name, path) in repositories {
            try await Shell.run(["git", "clone", "--quiet", "--bare", path, root.appending("\(name).git").path], environment: GitRepository.environment)
        }
        let script = try root.write("server.py", Self.script)
        report = root.appending("scan.log").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The password travels in the environment only, never in an argument.
        process.arguments = ["python3", script.path, root.path, report]
        var environment = ProcessInfo.processInfo.environment
        environment["EXPECTED_USER"] = username
        environment["EXPECTED_PASSWORD"] = password
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line += byte
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            process.terminate()
            throw StartFailure()
        }
        self.port = port
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String { "the test HTTP server (python3 http.server) did not print its port" }
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name).git" }

    /// Lines the server wrote: one "scan N" per request (N processes showed the password).
    func scans() throws -> [String] {
        try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func stop() {
        // SIGKILL: a child of the test runner may start with SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        root.remove()
    }

    static let script = #"""
        import base64, os, signal, subprocess, sys
        from http.server import HTTPServer, BaseHTTPRequestHandler
        from socketserver import ThreadingMixIn

        # The test runner's threads block most signals, and a spawned child inherits that mask.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        root, report = sys.argv[1], sys.argv[2]
        user = os.environ["EXPECTED_USER"]
        password = os.environ.pop("EXPECTED_PASSWORD")
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

        def scan():
            leaks = []
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        command = f.read()
                except OSError:
                    continue
                if password.encode() in command:
                    leaks.append(command.replace(b"\0", b" ").decode(errors="replace"))
            with open(report, "a") as f:
                f.write(f"scan {len(leaks)}\n")
                for leak in leaks:
                    f.write(f"LEAK {leak}\n")

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.serve()

            def do_POST(self):
                self.serve()

            def serve(self):
                scan()
                if self.headers.get("Authorization", "") != expected:
                    self.send_response(401)
                    self.send_header("WWW-Authenticate", 'Basic realm="git"')
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = dict(os.environ)
                env.update({
                    "GIT_PROJECT_ROOT": root, "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
                    "QUERY_STRING": query, "REQUEST_METHOD": self.command, "REMOTE_USER": user,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
                    "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""),
                    "HTTP_CONTENT_ENCODING": self.headers.get("Content-Encoding", ""),
                })
                out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
                separator = b"\r\n\r\n" if b"\r\n\r\n" in out else b"\n\n"
                head, _, content = out.partition(separator)
                status, headers = 200, []
                for line in head.decode().splitlines():
                    key, _, value = line.partition(":")
                    if key.lower() == "status":
                        status = int(value.strip().split()[0])
                    elif key:
                        headers.append((key, value.strip()))
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

        class Server(ThreadingMixIn, HTTPServer):
            daemon_threads = True

        server = Server(("127.0.0.1", 0), Handler)
        print(server.server_address[1], flush=True)
        server.serve_forever()
        """#
}
