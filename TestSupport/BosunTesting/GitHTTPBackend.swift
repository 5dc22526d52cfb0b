/// A Git smart-HTTP server for tests, as a Python script: `http.server` in front of
/// `git http-backend`. Run it as `python3 -u SCRIPT ROOT PORT [REPORT]`; it serves the bare
/// repositories in ROOT (as `/name.git`) on 127.0.0.1:PORT (0 picks one) and prints
/// `PORT <n>` first.
///
/// - With `EXPECTED_USER` and `EXPECTED_PASSWORD` in its environment it asks for HTTP basic
///   auth (the password travels in the environment only, never in an argument).
/// - With REPORT, every request first scans every process's command line for the password and
///   appends `scan N` (and a `LEAK` line per finding), so a test can prove it never showed.
/// - A file `mode` in ROOT picks the behaviour of each request: `ok` (the default), `garbage`
///   (200 with random bytes), `error` (500) or `hang` (never answers).
public enum GitHTTPBackend {
    public static let script = #"""
        import base64, os, signal, subprocess, sys, time
        from http.server import HTTPServer, BaseHTTPRequestHandler
        from socketserver import ThreadingMixIn

        # The test runner's threads block most signals, and a spawned child inherits that mask.
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        root, port = sys.argv[1], int(sys.argv[2])
        report = sys.argv[3] if len(sys.argv) > 3 else None
        user = os.environ.get("EXPECTED_USER")
        password = os.environ.pop("EXPECTED_PASSWORD", None)
        expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode() if password else None

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

        def mode():
            try:
                with open(os.path.join(root, "mode")) as f:
                    return f.read().strip()
            except OSError:
                return "ok"

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                self.serve()

            def do_POST(self):
                self.serve()

            def answer(self, status, content=b"", headers=()):
                self.send_response(status)
                for key, value in headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            def serve(self):
                if report and password:
                    scan()
                behaviour = mode()
                if behaviour == "hang":
                    time.sleep(3600)
                    return
                if behaviour == "error":
                    return self.answer(500)
                if behaviour == "garbage":
                    return self.answer(200, os.urandom(4096), [("Content-Type", "application/x-git-upload-pack-advertisement")])
                if expected and self.headers.get("Authorization", "") != expected:
                    return self.answer(401, headers=[("WWW-Authenticate", 'Basic realm="git"')])
                path, _, query = self.path.partition("?")
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                env = dict(os.environ)
                env.update({
                    "GIT_PROJECT_ROOT": root, "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
                    "QUERY_STRING": query, "REQUEST_METHOD": self.command, "REMOTE_USER": user or "",
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
                self.answer(status, content, headers)

        class Server(ThreadingMixIn, HTTPServer):
            daemon_threads = True
            allow_reuse_address = True

        server = Server(("127.0.0.1", port), Handler)
        print("PORT", server.server_address[1], flush=True)
        \#(TestServerScript.exitsWithItsParent)
        server.serve_forever()
        """#
}
