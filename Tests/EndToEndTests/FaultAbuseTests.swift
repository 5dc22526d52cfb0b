import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The API and webhook receiver of `bosun serve` under abuse: bodies far over the limit,
    /// hostile (but correctly signed) webhook payloads, slow clients that never finish their
    /// request, and hundreds of idle connections. Each abuse gets a 4xx or a closed connection,
    /// never a 5xx or a hang, memory stays bounded, and the server keeps answering others.
    @Suite(.serialized) struct FaultAbuseTests {
        /// The abuser, in Python (raw sockets are shorter there): prints one JSON object of
        /// outcomes. A status of 0 means the server closed the connection without an answer.
        static let script = #"""
            import hashlib, hmac, json, socket, sys, time, urllib.request

            host, port, secret, pid = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode(), sys.argv[4]
            out = {"health": []}

            def rss_kb():
                for line in open(f"/proc/{pid}/status"):
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
                return -1

            def healthy(label):
                try:
                    with urllib.request.urlopen(f"http://{host}:{port}/api/v1/applications", timeout=20) as r:
                        out["health"].append([label, r.status])
                except Exception as e:
                    out["health"].append([label, str(e)])

            def status_of(sock):
                sock.settimeout(30)
                data = b""
                try:
                    while b"\r\n" not in data:
                        chunk = sock.recv(4096)
                        if not chunk:
                            break
                        data += chunk
                except OSError:
                    pass
                sock.close()
                try:
                    return int(data.split(b" ")[1])
                except (IndexError, ValueError):
                    return 0

            def send(method, path, body, headers, declared=None, chunked=False, patience=30):
                started = time.time()
                try:
                    return send_timed(method, path, body, headers, declared, chunked, patience)
                finally:
                    out.setdefault("seconds", []).append([path, round(time.time() - started, 1)])

            def send_timed(method, path, body, headers, declared, chunked, patience):
                sock = socket.create_connection((host, port), timeout=30)
                head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n"
                for k, v in headers.items():
                    head += f"{k}: {v}\r\n"
                head += "Transfer-Encoding: chunked\r\n" if chunked else f"Content-Length: {declared if declared is not None else len(body)}\r\n"
                # A server that answered early stops reading; stop sending then, and read its answer.
                sock.settimeout(patience)
                try:
                    sock.sendall(head.encode() + b"\r\n")
                    step = 1 << 16
                    for i in range(0, len(body), step):
                        part = body[i:i + step]
                        sock.sendall((b"%x\r\n" % len(part) + part + b"\r\n") if chunked else part)
                    if chunked:
                        sock.sendall(b"0\r\n\r\n")
                except OSError:
                    pass  # the server stopped reading: what it answered is what counts
                return status_of(sock)

            def github(body, delivery):
                signature = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                return {"X-GitHub-Event": "push", "X-GitHub-Delivery": delivery, "X-Hub-Signature-256": signature,
                        "Content-Type": "application/json"}

            out["rssBefore"] = rss_kb()
            big = b"x" * (48 << 20)
            out["webhookDeclared1GB"] = send("POST", "/hooks/github", big[: 1 << 20], github(b"", "a"), declared=1 << 30, patience=3)
            out["webhookChunked48MB"] = send("POST", "/hooks/github", big, github(b"", "b"), chunked=True, patience=3)
            out["apiBody48MB"] = send("POST", "/api/v1/applications/shop/sync", big, {"Content-Type": "application/json"}, patience=3)
            out["apiChunked48MB"] = send("POST", "/api/v1/reload", big, {"Content-Type": "application/json"}, chunked=True, patience=3)
            healthy("after oversized bodies")

            hostile = {
                "deepArrays": b'{"ref": ' + b"[" * 100000 + b"]" * 100000 + b"}",
                "deepObjects": b'{"a":' * 100000 + b"1" + b"}" * 100000,
                "invalidUTF8": b'{"ref": "refs/heads/\xff\xfe\xc0"}',
                "hugeNumber": b'{"ref": 1e999999, "after": 123456789012345678901234567890}',
                "duplicateKeys": b'{"ref": "refs/heads/main", "ref": "refs/heads/evil", "repository": {"clone_url": "x"}}',
                "notJSON": b"\x00\x01\x02 definitely not json",
                "emptyBody": b"",
                "longString": b'{"ref": "' + b"a" * ((1 << 20) - 20) + b'"}',
                "wrongTypes": b'{"ref": {"not": "a string"}, "repository": [1, 2, 3], "commits": "many"}',
                "nulInRef": b'{"ref": "refs/heads/ma\\u0000in", "repository": {"clone_url": "file:///etc"}}',
            }
            out["hostile"] = {name: send("POST", "/hooks/github", body, github(body, name)) for name, body in hostile.items()}
            healthy("after hostile payloads")

            # Slow clients: half a request each, a byte now and then, held open.
            slow = []
            for i in range(64):
                s = socket.create_connection((host, port), timeout=30)
                s.sendall(b"POST /hooks/github HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
                slow.append(s)
            idle = [socket.create_connection((host, port), timeout=30) for _ in range(400)]
            for round in range(3):
                for s in slow:
                    try:
                        s.sendall(b" ")
                    except OSError:
                        pass
                healthy(f"with 64 slow clients and 400 idle connections ({round})")
                time.sleep(0.5)
            for s in slow + idle:
                s.close()
            healthy("after the connections closed")
            out["rssAfter"] = rss_kb()
            print(json.dumps(out), flush=True)
            """#

        @Test("oversized bodies, hostile webhooks, slow clients and many connections: 4xx or closed, never 5xx, and others are served")
        func serverStaysResponsive() async throws {
            let repo = try GitRepository()
            defer { repo.remove() }
            try repo.commit(files: ["app/page.yaml": """
                apiVersion: host.bosun.dev/v1
                kind: File
                metadata: { name: page }
                spec: { path: page.txt, content: "hello" }
                """], message: "one")
            let workspace = try Workspace("bosun-abuse", repo: repo) { repository in
                """
                targets: [{ name: local, type: host }]
                security: { repositorySchemes: [file] }
                repositories: [{ name: site, url: \(repository), webhook: { secretEnv: HOOK_SECRET } }]
                applications:
                  - name: shop
                    source: { repository: site, revision: main, path: app }
                    destination: { target: local }
                    sync: { auto: true, interval: 1m }
                """
            }
            defer { workspace.remove() }
            let secret = "abuse-\(UUID().uuidString)"
            let serve = try await workspace.serve(environment: ["HOOK_SECRET": secret])
            defer { serve.stop() }
            let url = serve.url
            let api = URL(string: url)?.port ?? 0
            try await Reported.waitSynced(url, "shop", at: try repo.head())

            let file = try workspace.dir.write("abuse.py", Self.script)
            let run = try await Shell.execute(["python3", "-u", file.path, "127.0.0.1", String(api), secret, String(serve.process.processIdentifier)])
            #expect(run.status == 0, "\(run.stderr)")
            let out = try JSONParser.parse(run.stdout)

            // Too large: 413, or the connection closed once the limit is passed; never accepted.
            for name in ["webhookDeclared1GB", "webhookChunked48MB"] {
                let status = out[name]?.intValue ?? -1
                #expect(status == 413 || status == 0, "\(name): \(status)")
            }
            for name in ["apiBody48MB", "apiChunked48MB"] {
                let status = out[name]?.intValue ?? -1
                #expect((400..<500).contains(status) || status == 0, "\(name): \(status)")
            }
            // Hostile but authentic payloads: answered, never with a 5xx.
            let hostile = out["hostile"]?.objectValue ?? [:]
            #expect(hostile.count == 10)
            for entry in hostile {
                let code = entry.value.intValue ?? -1
                #expect((200..<500).contains(code), "\(entry.key): \(code)")
            }
            // Every health check in between answered 200.
            let health = out["health"]?.arrayValue ?? []
            #expect(health.count == 6)
            for check in health {
                #expect(check.arrayValue?.last == .int(200), "\(check)")
            }
            // Memory stays bounded: the 48 MB bodies were not held.
            let before = out["rssBefore"]?.intValue ?? 0, after = out["rssAfter"]?.intValue ?? 0
            print("abuse: oversized \(["webhookDeclared1GB", "webhookChunked48MB", "apiBody48MB", "apiChunked48MB"].map { "\($0) \(out[$0]?.intValue ?? -1)" }.joined(separator: ", ")); seconds \(out["seconds"]?.jsonString() ?? "")")
            print("abuse: RSS \(before / 1024) MB before, \(after / 1024) MB after; hostile webhooks: \(hostile.map { "\($0.key) \($0.value.intValue ?? -1)" }.joined(separator: ", "))")
            #expect(after - before < 100 * 1024, "RSS grew from \(before) kB to \(after) kB")
            #expect(serve.process.isRunning)
            // And the application was never touched by any of it.
            try await Reported.waitSynced(url, "shop", at: try repo.head())
            #expect(try await Reported.history(url, "shop").count == 1)
        }
    }
}
