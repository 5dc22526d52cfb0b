import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Guards against a bad commit or a bad config doing damage, through the `bosun` binary:
    /// prune safety (with its notification), the host root that symlinks cannot leave, and the
    /// repository schemes `bosun validate` allows.
    @Suite(.serialized) struct SecurityGuardTests {
        static func configMaps(_ names: [String]) -> [String: String] {
            Dictionary(uniqueKeysWithValues: names.map { ("app/\($0).yaml", Reliability.configMap($0, "v")) })
        }

        @Test("a commit that would prune most of an application, or all of it, is refused and notified until forced")
        func pruneSafety() async throws {
            let sink = try await Reliability.NotificationSink()
            defer { sink.stop() }
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(
                simulator: simulator, files: Self.configMaps(["a", "b", "c", "d"]),
                extra: "notifications: [{ name: sink, url: \"\(sink.url)\", events: [pruneRefused] }]")
            defer { setup.remove() }
            let serve = try await setup.serve()
            defer { serve.stop() }
            let collection = "/api/v1/namespaces/shop/configmaps"
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())
            #expect(try await simulator.names(collection).filter { $0.count == 1 } == ["a", "b", "c", "d"])

            // One of four (25 %) is under the default maxPrunePercent (50): pruned.
            try setup.repo.remove("app/d.yaml")
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.commit("drop d"))
            #expect(try await simulator.names(collection).filter { $0.count == 1 } == ["a", "b", "c"])

            // Two of three (66 %): refused, nothing deleted, the application and a notification say why.
            try setup.repo.remove("app/b.yaml")
            try setup.repo.remove("app/c.yaml")
            let mass = try setup.repo.commit("drop b and c")
            try await eventually("PruneRefused for \(mass.prefix(7))", seconds: 60) {
                let status = try await Reported.status(serve.url, "shop")
                return status["condition"]?["type"] == "PruneRefused" && status["condition"]?["revision"]?.stringValue == mass
            }
            let message = try await Reported.status(serve.url, "shop")["condition"]?["message"]?.stringValue ?? ""
            #expect(message.contains("refused to prune 2 resources of 3") && message.contains("--force-prune"), "\(message)")
            try await eventually("a pruneRefused notification", seconds: 30) { !sink.bodies.isEmpty }
            let notification = try JSONParser.parse(sink.bodies[0])
            #expect(notification["event"] == "pruneRefused" && notification["application"] == "shop", "\(sink.bodies[0])")
            #expect(notification["message"]?.stringValue?.contains("refused to prune 2 resources of 3") == true, "\(sink.bodies[0])")
            #expect(notification["revision"]?.stringValue == mass)
            #expect(try await simulator.names(collection).filter { $0.count == 1 } == ["a", "b", "c"])
            let refused = try await Reported.history(serve.url, "shop").first { $0["revision"]?.stringValue == mass }
            #expect(refused?["result"] == "Failed")

            // An empty render is never read as "delete everything".
            try setup.repo.remove("app/a.yaml")
            try setup.repo.write("app/README.md", "nothing to deploy\n")
            let empty = try setup.repo.commit("empty")
            try await eventually("the empty render is refused", seconds: 60) {
                let condition = try await Reported.status(serve.url, "shop")["condition"]
                let message = condition?["message"]?.stringValue ?? ""
                // The refusal names what the render skipped, so the cause is plain.
                return condition?["revision"]?.stringValue == empty && message.contains("is empty (skipped 1 file")
                    && message.contains("README.md") && message.contains("refusing")
            }
            #expect(try await simulator.names(collection).filter { $0.count == 1 } == ["a", "b", "c"])

            // A person who means it forces the prune.
            let forced = try await bosun("sync", "shop", "--force-prune", "--server", serve.url)
            #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
            try await eventually("everything pruned after --force-prune", seconds: 60) {
                try await simulator.names(collection).filter { $0.count == 1 }.isEmpty
            }
            let last = try await Reported.history(serve.url, "shop").first
            #expect(last?["revision"]?.stringValue == empty)
            #expect(last?["trigger"]?.stringValue == "manual")
        }

        @Test("a File whose path leaves the host root through a symlink is refused, and nothing is written outside")
        func hostRootHoldsThroughSymlinks() async throws {
            let outside = try TemporaryDirectory(prefix: "bosun-outside")
            defer { outside.remove() }
            let workspace = try Workspace("bosun-root", files: ["app/inside.yaml": Self.file("inside", path: "site/ok.txt")], message: "inside") { repository in
                """
                targets: [{ name: local, type: host }]
                security: { repositorySchemes: [file] }
                repositories: [{ name: site, url: \(repository) }]
                applications:
                  - name: shop
                    source: { repository: site, revision: main, path: app }
                    destination: { target: local }
                    sync: { auto: true, prune: true, selfHeal: true, interval: 1s }
                """
            }
            defer { workspace.remove() }
            let repo = workspace.repo
            let root = workspace.hostRoot
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: root.appendingPathComponent("escape").path, withDestinationPath: outside.path)
            let serve = try await workspace.serve()
            defer { serve.stop() }
            let url = serve.url
            try await Reported.waitSynced(url, "shop", at: try repo.head())
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("site/ok.txt").path))

            let escaping = try repo.commit(files: ["app/escape.yaml": Self.file("escape", path: "escape/owned.txt")], message: "escape")
            var said = ""
            try await eventually("the escaping File is refused", seconds: 60) {
                let status = try await Reported.status(url, "shop")
                said = (status["condition"]?["message"]?.stringValue ?? "") + (status["lastSync"]?["message"]?.stringValue ?? "")
                return status["sync"]?["revision"]?.stringValue != escaping && said.contains("through a symlink")
            }
            #expect(said.contains("escape/owned.txt"), "\(said)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
            #expect(FileManager.default.fileExists(atPath: root.appendingPathComponent("site/ok.txt").path), "what runs keeps running")
        }

        static func file(_ name: String, path: String) -> String {
            """
            apiVersion: host.bosun.dev/v1
            kind: File
            metadata: { name: \(name) }
            spec: { path: \(path), content: "\(name)" }
            """
        }

        @Test("bosun validate allows only the repository schemes the config names (https and ssh by default)")
        func repositorySchemesAreLimited() async throws {
            let dir = try TemporaryDirectory(prefix: "bosun-schemes")
            defer { dir.remove() }
            func validate(_ url: String, security: String = "") async throws -> Shell.Result {
                try dir.write("bosun.yaml", """
                    apiVersion: bosun.dev/v1
                    kind: Config
                    targets: [{ name: local, type: host }]
                    \(security)
                    repositories: [{ name: deploy, url: "\(url)" }]
                    applications:
                      - { name: a, source: { repository: deploy }, destination: { target: local } }
                    """)
                return try await bosun("validate", "--config", dir.appending("bosun.yaml").path)
            }
            for allowed in ["https://git.example.com/acme/deploy.git", "ssh://git@git.example.com/acme/deploy.git", "git@git.example.com:acme/deploy.git"] {
                let result = try await validate(allowed)
                #expect(result.status == 0, "\(allowed): \(result.stdout)\(result.stderr)")
            }
            let local = try await validate("/srv/deploy")
            #expect(local.status == 1)
            #expect(local.stdout.contains("repositories[0].url") && local.stdout.contains("off by default")
                    && local.stdout.contains("repositorySchemes: [https, oci, ssh, file]"), "\(local.stdout)")
            let plain = try await validate("http://git.example.com/acme/deploy.git")
            #expect(plain.status == 1)
            #expect(plain.stdout.contains("uses http, which is off by default"), "\(plain.stdout)")
            let unknown = try await validate("ftp://git.example.com/deploy.git")
            #expect(unknown.status == 1)
            #expect(unknown.stdout.contains("has a scheme Bosun does not fetch"), "\(unknown.stdout)")
            // Allowed when the config says so, and only then.
            #expect(try await validate("http://git.example.com/acme/deploy.git", security: "security: { repositorySchemes: [http] }").status == 0)
            #expect(try await validate("https://git.example.com/acme/deploy.git", security: "security: { repositorySchemes: [http] }").status == 1)
        }
    }
}
