import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Applications declared in Git on the host target, through the `bosun` binary: a monorepo whose
    /// folders become applications, a list of applications read from another repository, outages
    /// and broken files that delete nothing, and deletions only when the set says so.
    @Suite(.serialized) struct AppSetHostTests {
        /// A monorepo (`deploy`) of folders under apps/, each a File, and a second repository
        /// (`platform`) for files of applications.
        struct Setup: OnWorkspace {
            let workspace: Workspace
            let platform: GitRepository
            var deploy: GitRepository { workspace.repo }

            init(folders: [String], set: String = "", include: Bool = false) throws {
                // Folders outside apps/ for the applications defined in the platform repository.
                var files: [String: String] = ["README.md": "monorepo\n", "extra/one/page.yaml": Self.page("one"), "extra/two/page.yaml": Self.page("two")]
                for folder in folders { files["apps/\(folder)/page.yaml"] = Self.page(folder) }
                let platform = try GitRepository()
                self.platform = platform
                try platform.commit(files: ["bosun/web.yaml": Self.included(path: "extra/one", name: "from-git")], message: "applications")
                workspace = try Workspace("bosun-appsets", files: files, message: "apps") { deploy in
                    """
                    targets: [{ name: local, type: host }]
                    security: { repositorySchemes: [file] }
                    repositories:
                      - { name: deploy, url: \(deploy) }
                      - { name: platform, url: \(platform.path) }
                    applicationSets:
                      - name: services
                        generators:
                          - directories: { repository: deploy, revision: main, include: ["apps/*"], exclude: ["apps/legacy-*"] }
                        template:
                          name: "{{path.basename}}"
                          source: { repository: deploy, revision: main, path: "{{path}}" }
                          destination: { target: local }
                          sync: { auto: true, prune: true, selfHeal: true, interval: 2s }
                    \(set)
                    \(include ? "include:\n  - { repository: platform, revision: main, path: \"bosun/*.yaml\" }" : "")
                    """
                }
            }

            /// A File at `<name>/index.html`, distinct per folder.
            static func page(_ name: String, text: String = "hello") -> String {
                """
                apiVersion: host.bosun.dev/v1
                kind: File
                metadata: { name: page }
                spec: { path: \(name)/index.html, content: "\(text) \(name)" }
                """
            }

            /// A file of kind Applications for the platform repository.
            static func included(path: String, name: String) -> String {
                """
                apiVersion: bosun.dev/v1
                kind: Applications
                applications:
                  - name: \(name)
                    source: { repository: deploy, revision: main, path: \(path) }
                    destination: { target: local }
                    sync: { auto: true, prune: true, interval: 2s }
                """
            }

            func apps(_ url: String) async throws -> [JSONValue] { try await Reported.json(["apps"], url).arrayValue ?? [] }
            func appsets(_ url: String) async throws -> [JSONValue] { try await Reported.json(["appsets"], url).arrayValue ?? [] }
            func events(_ url: String) async throws -> [JSONValue] { try await Reported.json(["events", "--limit", "1000"], url).arrayValue ?? [] }

            /// Names of the applications, each Synced and Healthy.
            func synced(_ url: String) async throws -> Set<String> {
                Set(try await apps(url).filter { $0["sync"]?["status"] == "Synced" && $0["health"]?["status"] == "Healthy" }.compactMap { $0["name"]?.stringValue })
            }

            func page(_ name: String) -> String? { try? String(contentsOf: hostRoot.appendingPathComponent("\(name)/index.html"), encoding: .utf8) }

            func remove() {
                workspace.remove()
                platform.remove()
            }
        }

        @Test("folders become applications; a commit that adds, renames and removes folders changes them without a restart")
        func foldersBecomeApplications() async throws {
            let setup = try Setup(folders: ["a", "b", "c", "legacy-old"])
            defer { setup.remove() }
            try setup.deploy.commit(files: [".hidden/x/page.yaml": Setup.page("hidden")], message: "a hidden folder")
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await eventually("a, b and c Synced and Healthy") { try await setup.synced(url) == ["a", "b", "c"] }
            #expect(setup.page("a") == "hello a" && setup.page("legacy-old") == nil)

            // Each application names its set; the set lists its generator's result.
            let apps = try await setup.apps(url)
            #expect(apps.allSatisfy { $0["applicationSet"] == "services" })
            let set = try #require(try await setup.appsets(url).first)
            #expect(set["name"] == "services" && set["maxApplications"] == 1000 && set["condition"] == nil)
            #expect(set["applications"]?.arrayValue?.compactMap(\.stringValue) == ["a", "b", "c"])
            #expect(set["generators"]?.arrayValue?.first?["type"] == "directories" && set["generators"]?.arrayValue?.first?["result"]?["entries"] == 3)
            #expect(set["generators"]?.arrayValue?.first?["result"]?["commit"]?.stringValue == (try setup.deploy.head()))
            let single = try await Reported.status(url, "a")
            #expect(single["applicationSet"] == "services")
            #expect(try await bosun("apps", "--server", url).stdout.contains("SET"))

            // One commit: d added, b renamed to e, c's page changed.
            try setup.deploy.remove("apps/b")
            try setup.deploy.commit(files: ["apps/d/page.yaml": Setup.page("d"), "apps/e/page.yaml": Setup.page("e"), "apps/c/page.yaml": Setup.page("c", text: "bye")],
                                    message: "add d, rename b to e")
            try await eventually("a, c, d and e Synced") { try await setup.synced(url) == ["a", "c", "d", "e"] }
            try await eventually("c's new page") { setup.page("c") == "bye c" }
            #expect(setup.page("d") == "hello d")
            // b left as a removed listed application does: its file kept, an Orphaned event.
            #expect(setup.page("b") == "hello b")
            let events = try await setup.events(url)
            #expect(events.contains { $0["reason"] == "Orphaned" && $0["app"] == "b" })
            #expect(events.contains { $0["reason"] == "ApplicationsChanged" })
            // History and history-backed commands work for a generated application.
            #expect(try await Reported.history(url, "d").first?["result"] == "Succeeded")
        }

        @Test("a Git outage and a broken included file delete nothing: conditions show, and clear on recovery")
        func outagesAndBrokenFilesDeleteNothing() async throws {
            let setup = try Setup(folders: ["a", "b"], include: true)
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            // "from-git" comes from a file in the platform repository and reads the deploy repository.
            try await eventually("a, b and from-git Synced") { try await setup.synced(url) == ["a", "b", "from-git"] }
            #expect(try await setup.apps(url).first { $0["name"] == "from-git" }?["applicationSet"] == nil)
            let includes = try json(try await Shell.execute(["curl", "-s", "\(url)/api/v1/includes"]).stdout)
            #expect(includes.arrayValue?.first?["files"]?.arrayValue?.first?["applications"]?.arrayValue?.first == "from-git")

            // A commit breaks the included file: what it defined keeps running, ConfigInvalid names file, line and commit.
            try setup.platform.commit(files: ["bosun/web.yaml": Setup.included(path: "extra/one", name: "from-git") + "\n    sync: { auto: maybe }\n"], message: "broken")
            let broken = try setup.platform.head()
            try await eventually("ConfigInvalid on the include") {
                let text = try await bosun("appsets", "--server", url).stdout
                return text.contains("ConfigInvalid") && text.contains("platform:bosun/web.yaml:") && text.contains(String(broken.prefix(7)))
            }
            #expect(try await setup.synced(url) == ["a", "b", "from-git"])
            #expect(try await setup.events(url).contains { $0["reason"] == "ConfigInvalid" })

            // The deploy repository disappears: the set keeps its applications and shows GeneratorFailed.
            let moved = setup.deploy.path + "-away"
            try FileManager.default.moveItem(atPath: setup.deploy.path, toPath: moved)
            defer { try? FileManager.default.moveItem(atPath: moved, toPath: setup.deploy.path) }
            try await eventually("GeneratorFailed shows") {
                try await setup.appsets(url).first?["generators"]?.arrayValue?.first?["condition"]?["type"] == "GeneratorFailed"
            }
            #expect(try await setup.appsets(url).first?["applications"]?.arrayValue?.count == 2)
            #expect(Set(try await setup.apps(url).compactMap { $0["name"]?.stringValue }) == ["a", "b", "from-git"])
            #expect(setup.page("a") == "hello a" && setup.page("b") == "hello b")
            #expect(!(try await setup.events(url)).contains { $0["reason"] == "Orphaned" })

            // Recovery: the repository is back and the file fixed; conditions clear, a new folder arrives.
            try FileManager.default.moveItem(atPath: moved, toPath: setup.deploy.path)
            try setup.deploy.commit(files: ["apps/c/page.yaml": Setup.page("c")], message: "c")
            try setup.platform.commit(files: ["bosun/web.yaml": Setup.included(path: "extra/two", name: "from-git")], message: "fixed")
            var seen = ""
            do {
                try await eventually("a, b, c and from-git Synced, no conditions", seconds: 90) {
                    let sets = try await setup.appsets(url)
                    let text = try await bosun("appsets", "--server", url).stdout
                    seen = text + "\n" + (try await bosun("apps", "--server", url).stdout)
                    return try await setup.synced(url) == ["a", "b", "c", "from-git"] && sets.first?["condition"] == nil
                        && sets.first?["generators"]?.arrayValue?.first?["condition"] == nil && !text.contains("ConfigInvalid")
                }
            } catch {
                Issue.record("last seen:\n\(seen)")
                throw error
            }
            #expect(try await Reported.status(url, "from-git")["path"] == "extra/two")
        }

        @Test("deleteApplications: a vanished folder deletes its resources; a listing removing more than maxDeletePercent is refused until --force-delete")
        func deletionsAreDeliberate() async throws {
            let setup = try Setup(folders: ["a", "b", "c", "d"])
            defer { setup.remove() }
            // The same set, deleting its applications' resources.
            try setup.dir.write("bosun.yaml", try String(contentsOfFile: setup.config, encoding: .utf8)
                .replacingOccurrences(of: "    template:", with: "    deleteApplications: true\n    template:"))
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await eventually("a, b, c and d Synced") { try await setup.synced(url) == ["a", "b", "c", "d"] }

            // One of four (25 %): deleted, its file with it.
            try setup.deploy.remove("apps/d")
            try setup.deploy.commit("remove d")
            try await eventually("d and its file gone") { try await setup.synced(url) == ["a", "b", "c"] && setup.page("d") == nil }

            // Two of three (67 %, over the default 50): refused, nothing removed.
            try setup.deploy.remove("apps/b")
            try setup.deploy.remove("apps/c")
            try setup.deploy.commit("remove b and c")
            try await eventually("DeleteRefused") { try await setup.appsets(url).first?["condition"]?["type"] == "DeleteRefused" }
            #expect(try await setup.synced(url) == ["a", "b", "c"])
            #expect(setup.page("b") == "hello b" && setup.page("c") == "hello c")
            let refused = try await bosun("appsets", "sync", "services", "--server", url)
            #expect(refused.status == 1 && refused.stderr.contains("--force-delete"))

            // A person says it is meant.
            let forced = try await bosun("appsets", "sync", "services", "--force-delete", "--server", url)
            #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
            try await eventually("b and c gone with their files") { try await setup.synced(url) == ["a"] && setup.page("b") == nil && setup.page("c") == nil }
            #expect(setup.page("a") == "hello a")
        }

        @Test("a webhook push creates the application of a new folder at once, without waiting for an interval")
        func aWebhookPushListsAgain() async throws {
            let setup = try Setup(folders: ["a"])
            defer { setup.remove() }
            // Hour-long intervals: only the push can bring the new folder within the test.
            let text = try String(contentsOfFile: setup.config, encoding: .utf8)
                .replacingOccurrences(of: "interval: 2s", with: "interval: 1h")
                .replacingOccurrences(of: "  - { name: deploy, url: \(setup.deploy.path) }", with: "  - { name: deploy, url: \(setup.deploy.path), webhook: { secretEnv: DEPLOY_HOOK } }")
            try setup.dir.write("bosun.yaml", text)
            let serve = try await Serve.start(config: setup.config, in: setup.dir.path, environment: ["DEPLOY_HOOK": "s3cret"])
            defer { serve.stop() }
            let url = serve.url
            try await eventually("a Synced") { try await setup.synced(url) == ["a"] }
            try setup.deploy.commit(files: ["apps/b/page.yaml": Setup.page("b")], message: "b")
            let body = #"{"repository": "\#(setup.deploy.path)", "ref": "refs/heads/main"}"#
            let signature = try await Shell.execute(["sh", "-c", "printf '%s' \"$0\" | openssl dgst -sha256 -hmac s3cret | sed 's/.*= //'", body]).stdout
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let push = try await Shell.execute(["curl", "-s", "-X", "POST", "-H", "X-Signature: sha256=\(signature)", "-H", "Content-Type: application/json",
                                          "--data", body, "\(url)/hooks/generic"])
            #expect(push.stdout.contains("push"), "\(push.stdout)")
            try await eventually("b Synced after the push", seconds: 30) { try await setup.synced(url) == ["a", "b"] }
        }

        @Test("bad sets and includes are refused with the set, file or field named; validate --fetch checks listings (exit 1) and sources (exit 2)")
        func badInput() async throws {
            let setup = try Setup(folders: ["a", "b", "c"])
            defer { setup.remove() }
            let base = try String(contentsOfFile: setup.config, encoding: .utf8)
            func validate(_ text: String, fetch: Bool = false) async throws -> Shell.Result {
                let file = try setup.dir.write("check.yaml", text).path
                return try await bosun(["validate", "--config", file] + (fetch ? ["--fetch"] : []))
            }
            #expect(try await validate(base, fetch: true).status == 0)

            let unknownRepo = try await validate(base.replacingOccurrences(of: "directories: { repository: deploy", with: "directories: { repository: deplyo"))
            #expect(unknownRepo.status == 1 && unknownRepo.stdout.contains("applicationSets[0].generators[0].directories.repository") && unknownRepo.stdout.contains("deploy"))
            let unknownParameter = try await validate(base.replacingOccurrences(of: "\"{{path.basename}}\"", with: "\"{{path.basenam}}\""))
            #expect(unknownParameter.status == 1 && unknownParameter.stdout.contains("unknown parameter \"path.basenam\"") && unknownParameter.stdout.contains("path.basename"))
            let leaving = try await validate(base + "\ninclude: [{ repository: platform, path: \"../secrets/*.yaml\" }]\n")
            #expect(leaving.status == 1 && leaving.stdout.contains("include[0].path") && leaving.stdout.contains("leaves the repository"))

            // Too many applications for the limit: a clear error naming the set and the limit.
            let limited = try await validate(base.replacingOccurrences(of: "    template:", with: "    maxApplications: 2\n    template:"), fetch: true)
            #expect(limited.status == 1 && limited.stdout.contains("services") && limited.stdout.contains("maxApplications 2"))

            // A files generator whose file lacks a key the template uses: the key and the file named.
            try setup.deploy.commit(files: ["clusters/east/config.yaml": "cluster: { name: east }\n", "clusters/west/config.yaml": "cluster: { region: west }\n"], message: "clusters")
            let files = base.replacingOccurrences(of: "directories: { repository: deploy, revision: main, include: [\"apps/*\"], exclude: [\"apps/legacy-*\"] }",
                                                  with: "files: { repository: deploy, revision: main, include: [\"clusters/*/config.yaml\"] }")
                .replacingOccurrences(of: "\"{{path.basename}}\"", with: "\"{{cluster.name}}\"")
            let missingKey = try await validate(files, fetch: true)
            #expect(missingKey.status == 1 && missingKey.stdout.contains("cluster.name") && missingKey.stdout.contains("clusters/west/config.yaml"))

            // A YAML bomb in an included file is refused as that file's problem.
            try setup.platform.commit(files: ["bosun/bomb.yaml": Self.bomb], message: "bomb")
            let bombed = try await validate(base + "\ninclude: [{ repository: platform, revision: main, path: \"bosun/*.yaml\" }]\n", fetch: true)
            #expect(bombed.status == 1 && bombed.stdout.contains("platform:bosun/bomb.yaml"))

            // A source that cannot be reached: exit 2.
            let gone = try await validate(base.replacingOccurrences(of: setup.deploy.path, with: setup.deploy.path + "-missing"), fetch: true)
            #expect(gone.status == 2 && gone.stdout.contains("unreachable"))
        }

        /// Nested aliases that would expand to billions of nodes.
        static let bomb = """
            apiVersion: bosun.dev/v1
            kind: Applications
            a: &a ["x","x","x","x","x","x","x","x","x"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            applications: [*g]
            """
    }
}
