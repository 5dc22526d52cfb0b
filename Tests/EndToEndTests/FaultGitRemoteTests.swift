import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// A Git host that fails: unreachable, answering garbage, hanging past the fetch timeout. What
    /// runs keeps running, the application shows `SourceUnavailable` with the last good commit, and
    /// it recovers by itself once the host is back — through the `bosun` binary and the host target.
    @Suite(.serialized) struct FaultGitRemoteTests {
        /// The Git host: a bare repository behind the script, and the work repository that pushes to it.
        final class GitHost: @unchecked Sendable {
            let work: GitRepository
            let root: TemporaryDirectory
            let port: Int
            private var server: Reliability.PythonServer?

            init() async throws {
                work = try GitRepository()
                root = try TemporaryDirectory(prefix: "bosun-githost")
                port = try freePort()
                try root.write("mode", "ok")
                try work.commit(files: ["app/page.yaml": FaultGitRemoteTests.page("one")], message: "one")
                try await Shell.run(["git", "clone", "-q", "--bare", work.path, root.appending("site.git").path], environment: GitRepository.environment)
                try await start()
            }

            var url: String { "http://127.0.0.1:\(port)/site.git" }

            func start() async throws {
                server = try await Reliability.PythonServer(script: GitHTTPBackend.script, arguments: [root.path, String(port)])
            }

            /// Unreachable: nothing listens on the port any more.
            func stop() {
                server?.stop()
                server = nil
            }

            func mode(_ mode: String) throws { try root.write("mode", mode) }

            /// Commits in the work repository and pushes to the host (whatever its mode: the push is local).
            @discardableResult
            func commit(_ text: String) throws -> String {
                let sha = try work.commit(files: ["app/page.yaml": FaultGitRemoteTests.page(text)], message: text)
                try work.git("push", "-q", root.appending("site.git").path, "main")
                return sha
            }

            func remove() {
                stop()
                work.remove()
                root.remove()
            }
        }

        static func page(_ text: String) -> String {
            """
            apiVersion: host.bosun.dev/v1
            kind: File
            metadata: { name: page }
            spec: { path: site/index.html, content: "\(text)" }
            """
        }

        struct Setup: OnWorkspace {
            let workspace: Workspace
            var page: URL { hostRoot.appendingPathComponent("site/index.html") }

            init(url: String) throws {
                workspace = try Workspace("bosun-gitfault", app: "site") { _ in
                    """
                    targets: [{ name: local, type: host }]
                    security: { repositorySchemes: [http] }
                    repositories: [{ name: site, url: "\(url)", fetchTimeout: 3s }]
                    applications:
                      - name: site
                        source: { repository: site, revision: main, path: app }
                        destination: { target: local }
                        sync: { auto: true, prune: true, selfHeal: true, interval: 1s }
                    """
                }
            }

            func content() -> String? { try? String(contentsOf: page, encoding: .utf8) }
        }

        /// Waits until the condition is SourceUnavailable, naming the last good commit, with `words` in its message.
        func waitUnavailable(_ url: String, lastGood: String, _ words: [String]) async throws {
            let seen = LockedBox("")
            do {
                try await eventually("SourceUnavailable at \(lastGood.prefix(7)) saying \(words)") {
                    let condition = try await Reported.status(url, "site")["condition"]
                    seen.set(condition?.jsonString() ?? "none")
                    let message = condition?["message"]?.stringValue?.lowercased() ?? ""
                    return condition?["type"] == "SourceUnavailable" && condition?["revision"]?.stringValue == lastGood
                        && words.contains { message.contains($0) }
                }
            } catch {
                Issue.record("the last condition seen: \(seen.get())")
                throw error
            }
        }

        /// The reasons of the application's events, oldest first.
        func eventReasons(_ url: String) async throws -> [String] {
            let text = try await Shell.run(["curl", "-sf", "\(url)/api/v1/events?app=site&limit=1000"])
            return (try json(text).arrayValue ?? []).compactMap { $0["reason"]?.stringValue }.reversed()
        }

        @Test("garbage, a hang, then no host at all: the last good commit keeps running and Bosun recovers by itself")
        func remoteFailuresKeepWhatRuns() async throws {
            let host = try await GitHost()
            defer { host.remove() }
            let setup = try Setup(url: host.url)
            defer { setup.remove() }
            var serve = try await setup.serve()
            let good = try host.work.head()
            try await Reported.waitSynced(serve.url, "site", at: good)
            #expect(setup.content() == "one")

            // Garbage: a new commit exists but cannot be fetched.
            try host.mode("garbage")
            try host.commit("two")
            try await waitUnavailable(serve.url, lastGood: good, ["protocol", "not valid", "invalid", "bad"])
            var status = try await Reported.status(serve.url, "site")
            #expect(status["sync"]?["revision"]?.stringValue == good && status["health"]?["status"] == "Healthy")
            #expect(setup.content() == "one")

            // A server error, then a hang past fetchTimeout.
            try host.mode("error")
            try await waitUnavailable(serve.url, lastGood: good, ["500", "returned error"])
            try host.mode("hang")
            try await waitUnavailable(serve.url, lastGood: good, ["timed out", "did not finish", "within", "timeout"])
            #expect(setup.content() == "one")
            // The condition holds while the host is broken: it does not flap on every look.
            try await Task.sleep(for: .seconds(3))
            #expect(try await Reported.status(serve.url, "site")["condition"]?["type"] == "SourceUnavailable")
            let reasons = try await eventReasons(serve.url)
            #expect(!reasons.contains("SourceUnavailableResolved"), "\(reasons)")
            // The outage is one condition: its message follows the failure (garbage, 500, hang)
            // without a new event each time; flapping on every look would be dozens.
            #expect(reasons.filter { $0 == "SourceUnavailable" }.count <= 2, "\(reasons)")

            // No host at all, and Bosun restarted meanwhile: it starts from its mirror.
            host.stop()
            serve.stop()
            serve = try await setup.serve()
            defer { serve.stop() }
            try await waitUnavailable(serve.url, lastGood: good, ["cannot reach", "connection refused", "failed to connect", "couldn't connect"])
            status = try await Reported.status(serve.url, "site")
            #expect(status["sync"]?["revision"]?.stringValue == good)
            #expect(setup.content() == "one")

            // The host is back: the new commit rolls out and the condition clears, with nobody asking.
            try host.mode("ok")
            try await host.start()
            let head = try host.work.head()
            try await Reported.waitSynced(serve.url, "site", at: head)
            try await eventually("the condition clears") { try await Reported.status(serve.url, "site")["condition"] == nil }
            #expect(setup.content() == "two")
        }

        @Test("a host that is down when Bosun first starts: the application waits, then syncs when it appears")
        func remoteDownFromTheStart() async throws {
            let host = try await GitHost()
            defer { host.remove() }
            host.stop()
            let setup = try Setup(url: host.url)
            defer { setup.remove() }
            let serve = try await setup.serve()
            defer { serve.stop() }
            try await eventually("SourceUnavailable without a last good commit") {
                let condition = try await Reported.status(serve.url, "site")["condition"]
                return condition?["type"] == "SourceUnavailable" && (condition?["message"]?.stringValue ?? "").contains("cannot reach")
            }
            #expect(setup.content() == nil)
            #expect(await httpGet("\(serve.url)/healthz") == "ok\n")
            try await host.start()
            try await Reported.waitSynced(serve.url, "site", at: try host.work.head())
            #expect(setup.content() == "one")
        }
    }
}
