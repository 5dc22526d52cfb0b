import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The GitOps loop on the host target, through the `bosun` binary: real Git, real files,
    /// real processes, a real `bosun serve`.
    @Suite(.serialized) struct HostLoopTests {
        /// A repository with a page (File) and a web server for it (Process), and a config.
        struct Setup: OnWorkspace {
            let workspace: Workspace
            /// The web server's port.
            let port: Int
            /// An admin API token in the config (none: loopback, everything allowed).
            var token: String? { workspace.token }
            var page: URL { hostRoot.appendingPathComponent("site/index.html") }

            init(autoRollback: Bool = true, healthTimeout: String = "20s", auto: Bool = true, adminToken: String? = nil) throws {
                let tokens = try adminToken.map { token in
                    let hash = try Shell.runBlocking(["sh", "-c", "printf %s \"$0\" | sha256sum | cut -d' ' -f1", token])
                    return ", tokens: [{ name: admin, sha256: \"\(hash.trimmingCharacters(in: .whitespacesAndNewlines))\", role: admin }]"
                } ?? ""
                let port = try freePort()
                self.port = port
                workspace = try Workspace(
                    app: "site", files: ["app/page.yaml": Self.page("version one"), "app/web.yaml": Self.web(port: port)], message: "version one",
                    server: tokens, token: adminToken
                ) { repository in
                    """
                    targets: [{ name: local, type: host }]
                    security: { repositorySchemes: [file] }
                    repositories: [{ name: site, url: \(repository) }]
                    applications:
                      - name: site
                        source: { repository: site, revision: main, path: app }
                        destination: { target: local }
                        sync: { auto: \(auto), prune: true, selfHeal: true, interval: 2s, autoRollback: \(autoRollback), healthTimeout: \(healthTimeout) }
                    """
                }
            }

            static func page(_ text: String) -> String {
                """
                apiVersion: host.bosun.dev/v1
                kind: File
                metadata: { name: index }
                spec:
                  path: site/index.html
                  content: "<h1>\(text)</h1>"
                """
            }

            static func web(port: Int, command: String? = nil) -> String {
                """
                apiVersion: host.bosun.dev/v1
                kind: Process
                metadata:
                  name: web
                  annotations: { bosun.dev/sync-wave: "1" }
                spec:
                  command: \(command ?? "[python3, -m, http.server, \"\(port)\", --bind, 127.0.0.1, --directory, site]")
                  restartOn: [index]
                  readinessProbe:
                    httpGet: { port: \(port), path: / }
                    periodSeconds: 0.5
                  stopTimeoutSeconds: 3
                """
            }
        }

        @Test func aCommitIsAppliedAndDriftIsHealed() async throws {
            let setup = try Setup()
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())
            #expect(try String(contentsOf: setup.page, encoding: .utf8) == "<h1>version one</h1>")
            #expect(await httpGet("http://127.0.0.1:\(setup.port)/index.html") == "<h1>version one</h1>")

            // Status JSON carries the contract fields.
            let status = try await setup.status(url)
            #expect(status["name"] == "site" && status["pinned"] == false)
            #expect(status["lastSync"]?["result"] == "Succeeded" && status["lastSync"]?["trigger"] == "interval")
            #expect(status["resources"]?.arrayValue?.count == 2)
            let apps = try await json(try bosun("apps", "--server", url, "-o", "json").stdout)
            #expect(apps.arrayValue?.first?["target"] == "local" && apps.arrayValue?.first?["health"]?["status"] == "Healthy")

            // A new commit rolls out; the process restarts because its file changed.
            try setup.repo.commit(files: ["app/page.yaml": Setup.page("version two")], message: "version two")
            try await setup.waitSynced(url, at: try setup.repo.head())
            try await eventually("the new page is served") { await httpGet("http://127.0.0.1:\(setup.port)/index.html") == "<h1>version two</h1>" }

            // A file edited on disk is healed.
            try "tampered".write(to: setup.page, atomically: true, encoding: .utf8)
            try await eventually("the page is healed") { (try? String(contentsOf: setup.page, encoding: .utf8)) == "<h1>version two</h1>" }
            // So is a file removed.
            try FileManager.default.removeItem(at: setup.page)
            try await eventually("the page is back") { FileManager.default.fileExists(atPath: setup.page.path) }
            #expect(try await setup.history(url).contains { $0["trigger"] == "selfHeal" })
        }

        @Test func aKilledProcessIsRestarted() async throws {
            let setup = try Setup()
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())
            _ = try await Shell.execute(["pkill", "-KILL", "-f", "http.server \(setup.port)"])
            try await eventually("the web server answers again") { await httpGet("http://127.0.0.1:\(setup.port)/index.html") != nil }
            try await setup.waitSynced(url, at: try setup.repo.head())
            #expect(try await Shell.execute(["pgrep", "-fc", "http.server \(setup.port)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        }

        @Test func anInvalidCommitFailsClearlyAndTheOldStateKeepsRunning() async throws {
            let setup = try Setup()
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            let good = try setup.repo.head()
            try await setup.waitSynced(url, at: good)
            try setup.repo.commit(files: ["app/page.yaml": "apiVersion: host.bosun.dev/v1\nkind: File\nmetadata: {name: index\n"], message: "broken yaml")
            try await eventually("the error shows") { try await setup.status(url)["condition"]?["type"] == "ComparisonError" }
            let status = try await setup.status(url)
            #expect(status["condition"]?["message"]?.stringValue?.contains("app/page.yaml") == true)
            #expect(status["sync"]?["revision"]?.stringValue == good)
            #expect(await httpGet("http://127.0.0.1:\(setup.port)/index.html") == "<h1>version one</h1>")
            let text = try await bosun("status", "site", "--server", url)
            #expect(text.stdout.contains("ComparisonError"))
        }

        @Test func aCommitThatNeverGetsReadyRollsBackByItself() async throws {
            let setup = try Setup(healthTimeout: "6s")
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            let good = try setup.repo.head()
            try await setup.waitSynced(url, at: good)
            // The new process never listens: its readiness probe never passes.
            try setup.repo.commit(files: ["app/web.yaml": Setup.web(port: setup.port, command: "[sleep, \"600\"]"), "app/page.yaml": Setup.page("broken release")],
                                  message: "never ready")
            let bad = try setup.repo.head()
            try await eventually("rolled back", seconds: 90) {
                let history = try await setup.history(url)
                return history.first?["trigger"] == "autoRollback" && history.first?["result"] == "Succeeded"
            }
            let history = try await setup.history(url)
            #expect(history[0]["revision"]?.stringValue == good)
            #expect(history[1]["revision"]?.stringValue == bad && history[1]["result"] == "Failed")
            try await eventually("the old page is served again") { await httpGet("http://127.0.0.1:\(setup.port)/index.html") == "<h1>version one</h1>" }
            let status = try await setup.status(url)
            #expect(status["condition"]?["type"] == "RollbackBlocked")
        }

        @Test func aFileDeletedWhileTheSyncWaitsForHealthIsPutBackAndTheGoodCommitStays() async throws {
            let setup = try Setup(healthTimeout: "60s")
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())
            // The new web server takes a few seconds to listen, so the sync sits in its health wait.
            let slow = "[sh, -c, \"sleep 4; exec python3 -m http.server \(setup.port) --bind 127.0.0.1 --directory site\"]"
            try setup.repo.commit(files: ["app/web.yaml": Setup.web(port: setup.port, command: slow), "app/page.yaml": Setup.page("version two")],
                                  message: "slow to start")
            let next = try setup.repo.head()
            try await eventually("the sync waits for the web server", seconds: 60) {
                let message = try await setup.status(url)["operation"]?["message"]?.stringValue ?? ""
                return message.contains("waiting for health") && message.contains("Process/web")
            }
            // An operator's mistake: the page the sync has just written is deleted.
            try FileManager.default.removeItem(at: setup.page)
            try await setup.waitSynced(url, at: next, seconds: 90)
            #expect(try String(contentsOf: setup.page, encoding: .utf8) == "<h1>version two</h1>")
            let history = try await setup.history(url)
            #expect(history[0]["revision"]?.stringValue == next && history[0]["result"] == "Succeeded")
            #expect(!history.contains { $0["trigger"] == "autoRollback" })
            let events = try await bosun("events", "site", "--server", url, "-o", "json")
            #expect(events.stdout.contains("DriftDuringSync"))
            #expect(!events.stdout.contains("RollingBack"))
        }

        @Test func rollbackRestoresTheEarlierCommitAndPins() async throws {
            let setup = try Setup()
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            let first = try setup.repo.head()
            try await setup.waitSynced(url, at: first)
            try setup.repo.commit(files: ["app/page.yaml": Setup.page("version two")], message: "version two")
            try await setup.waitSynced(url, at: try setup.repo.head())
            let rollback = try await bosun("rollback", "site", "--server", url)
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            #expect(try String(contentsOf: setup.page, encoding: .utf8) == "<h1>version one</h1>")
            var status = try await setup.status(url)
            #expect(status["pinned"] == true && status["sync"]?["revision"]?.stringValue == first)
            #expect(try await setup.history(url).first?["trigger"] == "rollback")
            // Pinned: a newer commit waits...
            try setup.repo.commit(files: ["app/page.yaml": Setup.page("version three")], message: "version three")
            try await Task.sleep(for: .seconds(5))
            #expect(try String(contentsOf: setup.page, encoding: .utf8) == "<h1>version one</h1>")
            // ...until unpinned.
            #expect(try await bosun("unpin", "site", "--server", url).status == 0)
            try await setup.waitSynced(url, at: try setup.repo.head())
            status = try await setup.status(url)
            #expect(status["pinned"] == false)
            #expect(try String(contentsOf: setup.page, encoding: .utf8) == "<h1>version three</h1>")
        }

        @Test func aCrashMidSyncIsRecoveredWithNothingLostOrDuplicated() async throws {
            let setup = try Setup()
            defer { setup.remove() }
            var serve = try await setup.serve()
            var url = serve.url
            try await setup.waitSynced(url, at: try setup.repo.head())
            // A slow rollout: the new process takes a few seconds before it listens.
            let slow = "[sh, -c, \"sleep 4; exec python3 -m http.server \(setup.port) --bind 127.0.0.1 --directory site\"]"
            try setup.repo.commit(files: ["app/web.yaml": Setup.web(port: setup.port, command: slow), "app/page.yaml": Setup.page("after the crash")], message: "slow")
            try await eventually("the sync is running") { try await setup.status(url)["operation"] != nil }
            let cut = try #require(try await setup.status(url)["operation"]?["syncID"]?.intValue)
            serve.stop(signal: SIGKILL)

            serve = try await setup.serve()

            url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head(), seconds: 90)
            let history = try await setup.history(url)
            let interrupted = history.first { $0["id"]?.intValue == cut }
            #expect(interrupted?["result"] == "Interrupted")
            // Either the next sync finished the job, or everything the cut sync applied was already in
            // place and the application simply is synced there: nothing applied twice.
            #expect(history.first?["result"] == "Succeeded" || history.first?["id"]?.intValue == cut)
            #expect(history.filter { $0["result"] == "Running" }.isEmpty)
            #expect(try String(contentsOf: setup.page, encoding: .utf8) == "<h1>after the crash</h1>")
            try await eventually("one web server") {
                try await Shell.execute(["pgrep", "-fc", "http.server \(setup.port)"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
            }
        }

        @Test func stoppingBosunStopsItsProcesses() async throws {
            let setup = try Setup()
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            try await setup.waitSynced(url, at: try setup.repo.head())
            serve.stop(signal: SIGTERM)
            #expect(serve.process.terminationStatus == 0 || serve.process.terminationReason == .exit)
            try await eventually("no web server left") {
                try await Shell.execute(["pgrep", "-f", "http.server \(setup.port)"]).status != 0
            }
        }

        @Test func aRestartBringsProcessesBackAndAConfigEditIsPickedUp() async throws {
            let setup = try Setup()
            defer { setup.remove() }
            var serve = try await setup.serve()
            var url = serve.url
            try await setup.waitSynced(url, at: try setup.repo.head())
            serve.stop(signal: SIGTERM)
            try await eventually("the web server stopped with Bosun") { await httpGet("http://127.0.0.1:\(setup.port)/index.html") == nil }

            serve = try await setup.serve()

            url = serve.url
            defer { serve.stop() }
            try await eventually("the web server is back") { await httpGet("http://127.0.0.1:\(setup.port)/index.html") == "<h1>version one</h1>" }
            try await eventually("the restart is in the events") {
                let events = try await json(try bosun("events", "--server", url, "-o", "json").stdout).arrayValue ?? []
                return events.contains { $0["message"]?.stringValue?.contains("after Bosun restart") == true }
            }

            // A second application added to the file while Bosun runs.
            try setup.repo.commit(files: ["notes/readme.yaml": """
                apiVersion: host.bosun.dev/v1
                kind: File
                metadata: { name: readme }
                spec: { path: notes/readme.txt, content: "hello" }
                """], message: "notes")
            var config = try String(contentsOfFile: setup.config, encoding: .utf8)
            config += """

                  - name: notes
                    source: { repository: site, revision: main, path: notes }
                    destination: { target: local }
                    sync: { auto: true, interval: 2s }

                """
            try config.write(toFile: setup.config, atomically: true, encoding: .utf8)
            try await eventually("notes deployed") {
                (try? String(contentsOf: setup.hostRoot.appendingPathComponent("notes/readme.txt"), encoding: .utf8)) == "hello"
            }
            let apps = try await json(try bosun("apps", "--server", url, "-o", "json").stdout).arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(apps == ["notes", "site"])
        }
    }
}
