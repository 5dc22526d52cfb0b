import Foundation

/// A chart repository on loopback HTTP for tests: files under a folder with `ETag` and
/// `Last-Modified` (answering conditional GETs with 304), optional basic auth, and every
/// request logged so tests can count what crossed the wire. With `registry`, it also fronts an
/// OCI registry with the bearer-token flow (a `WWW-Authenticate: Bearer` challenge, a `/token`
/// endpoint that checks basic credentials), since Debian's registry issues no tokens.
public final class ChartRepositoryServer: @unchecked Sendable {
    public let port: Int
    public let root: URL
    let process: Process
    let log: URL

    public var url: String { "http://127.0.0.1:\(port)" }

    public init(root: URL, username: String? = nil, password: String? = nil, registry: String? = nil) throws {
        self.root = root
        log = root.deletingLastPathComponent().appendingPathComponent("server-\(UUID().uuidString.prefix(6)).log")
        let script = root.deletingLastPathComponent().appendingPathComponent("chart-server-\(UUID().uuidString.prefix(6)).py")
        try Data(Self.script.utf8).write(to: script)
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        var arguments = ["python3", script.path, root.path, log.path, username ?? "", password ?? ""]
        if let registry { arguments.append(registry) }
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let line = String(decoding: out.fileHandleForReading.availableLine(), as: UTF8.self)
        guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            kill(process.processIdentifier, SIGKILL)
            throw Shell.Failure(command: arguments, status: 1, stdout: line, stderr: "the chart server did not start")
        }
        self.port = port
    }

    /// Stops the server (and waits for it). SIGKILL: a child of the test runner may inherit
    /// a signal mask that blocks SIGTERM.
    public func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }

    /// Requests so far, as `METHOD PATH STATUS` lines.
    public var requests: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    static let script = #"""
        import base64, hashlib, http.server, os, signal, sys, secrets, threading, time, urllib.request, email.utils

        # Gone with the test that started it, even when that test was killed.
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
        parent = os.getppid()
        def watch_parent():
            while os.getppid() == parent: time.sleep(1)
            os._exit(0)
        threading.Thread(target=watch_parent, daemon=True).start()

        root, log, user, password = sys.argv[1:5]
        registry = sys.argv[5] if len(sys.argv) > 5 else None
        tokens = set()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def log_message(self, *a): pass
            def record(self, status):
                with open(log, "a") as f: f.write("%s %s %d\n" % (self.command, self.path, status))
            def send(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers: self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD": self.wfile.write(body)
                self.record(status)
            def basic_ok(self):
                if not user: return True
                want = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
                return self.headers.get("Authorization") == want
            def do_HEAD(self): self.do_GET()
            def do_GET(self):
                if registry and self.path.startswith("/token"):
                    if not self.basic_ok(): return self.send(401, b"bad credentials")
                    t = secrets.token_hex(16); tokens.add(t)
                    return self.send(200, ('{"token": "%s"}' % t).encode(), [("Content-Type", "application/json")])
                if registry and self.path.startswith("/v2/"):
                    auth = self.headers.get("Authorization", "")
                    if not (auth.startswith("Bearer ") and auth[7:] in tokens):
                        name = self.path[4:].split("/tags/")[0].split("/manifests/")[0].split("/blobs/")[0]
                        challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="test-registry",scope="repository:%s:pull"' % (self.server.server_port, name)
                        return self.send(401, b"", [("WWW-Authenticate", challenge)])
                    req = urllib.request.Request(registry + self.path, headers={"Accept": self.headers.get("Accept", "*/*")})
                    try:
                        with urllib.request.urlopen(req) as r:
                            body = r.read(); hs = [(k, v) for k, v in r.headers.items() if k.lower() in ("content-type", "docker-content-digest")]
                            return self.send(r.status, body, hs)
                    except urllib.error.HTTPError as e:
                        return self.send(e.code, e.read())
                if not self.basic_ok():
                    return self.send(401, b"", [("WWW-Authenticate", 'Basic realm="charts"')])
                path = os.path.join(root, self.path.split("?")[0].lstrip("/"))
                if not os.path.isfile(path): return self.send(404, b"not found")
                with open(path, "rb") as f: body = f.read()
                etag = '"%s"' % hashlib.sha256(body).hexdigest()[:32]
                modified = email.utils.formatdate(int(os.path.getmtime(path)), usegmt=True)
                if self.headers.get("If-None-Match") == etag:
                    return self.send(304, b"", [("ETag", etag)])
                return self.send(200, body, [("ETag", etag), ("Last-Modified", modified), ("Content-Type", "application/octet-stream")])

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        print(server.server_port, flush=True)
        \#(TestServerScript.exitsWithItsParent)
        server.serve_forever()
        """#
}

extension FileHandle {
    /// Bytes up to the first newline (blocking): a child's first line of output.
    func availableLine() -> Data {
        var line = Data()
        while true {
            let byte = readData(ofLength: 1)
            if byte.isEmpty || byte.first == UInt8(ascii: "\n") { return line }
            line.append(byte)
        }
    }
}
