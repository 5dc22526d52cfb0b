import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Secrets never leak: an application with Secrets is synced, changed in Git, drifted by hand
    /// and healed on the Kubernetes simulator; then every log line (debug level), API response,
    /// dashboard page, CLI output, event, notification, diff and history row is searched for the
    /// secret values, plain and base64-encoded. Some of the values arrive SOPS-encrypted (a Secret
    /// and a ConfigMap, decrypted by Bosun): those must not be found anywhere under the data
    /// directory either (store with its inventory, render cache, mirrors).
    @Suite(.serialized) struct SecurityLeakTests {
        /// Values unique to one run, so a hit can only come from this test's Secrets.
        struct Values {
            let run = UUID().uuidString.prefix(8).lowercased()
            var password: String { "hunter2-\(run)-pw" }
            var newPassword: String { "correct-horse-\(run)-pw" }
            var token: String { "tok-\(run)-aaaa" }
            var newToken: String { "tok-\(run)-bbbb" }
            var drifted: String { "drift-\(run)-cccc" }
            var sopsPassword: String { "sops-\(run)-pw-one" }
            var newSopsPassword: String { "sops-\(run)-pw-two" }
            var sopsURL: String { "postgres://app:sops-\(run)-cm-one@db" }
            var newSopsURL: String { "postgres://app:sops-\(run)-cm-two@db" }
            var sops: [String] { [sopsPassword, newSopsPassword, sopsURL, newSopsURL] }
            var all: [String] { [password, newPassword, token, newToken, drifted] + sops }

            /// What must never appear: each value, and its base64 form as it sits in `data`.
            var forbidden: [String] { all + all.map { Data($0.utf8).base64EncodedString() } }
        }

        /// A Secret and a ConfigMap encrypted with SOPS to `recipient` (made with `bosun secret encrypt`).
        static func encrypted(password: String, url: String, recipient: String, in dir: TemporaryDirectory) async throws -> [String: String] {
            [
                "app/sops-db.yaml": try await Sops.encrypt(Sops.secret("sops-db", ["password": password]), name: "sops-db.yaml", to: [recipient], in: dir),
                "app/sops-settings.yaml": try await Sops.encrypt(Sops.configMap("sops-settings", ["url": url]), name: "sops-settings.yaml", to: [recipient], in: dir),
            ]
        }

        static func secrets(password: String, token: String) -> [String: String] {
            [
                "app/db.yaml": """
                    apiVersion: v1
                    kind: Secret
                    metadata: { name: db }
                    type: Opaque
                    stringData: { password: "\(password)", user: app }
                    """,
                "app/api.yaml": """
                    apiVersion: v1
                    kind: Secret
                    metadata: { name: api }
                    type: Opaque
                    data: { token: \(Data(token.utf8).base64EncodedString()) }
                    """,
                "app/settings.yaml": Reliability.configMap("settings", "visible"),
            ]
        }

        @Test("secret values never appear in logs, API responses, pages, CLI output, events, notifications, diffs or history")
        func secretsNeverLeak() async throws {
            let values = Values()
            let sink = try await Reliability.NotificationSink()
            defer { sink.stop() }
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let keys = try TemporaryDirectory(prefix: "bosun-leak-keys")
            defer { keys.remove() }
            let recipient = try await Sops.keygen(keys.appending("leak.agekey").path)
            let setup = try Reliability.KubeSetup(
                simulator: simulator,
                files: Self.secrets(password: values.password, token: values.token)
                    .merging(try await Self.encrypted(password: values.sopsPassword, url: values.sopsURL, recipient: recipient, in: keys)) { a, _ in a },
                sync: ", force: true",
                extra: "notifications: [{ name: sink, url: \"\(sink.url)\" }]\ndecryptionKeys: [{ name: leak, ageKeyFiles: [\"\(keys.appending("leak.agekey").path)\"] }]",
                repository: ", decryption: { provider: sops, keys: [leak] }")
            defer { setup.remove() }
            let serve = try await setup.serve(logLevel: "debug")
            defer { serve.stop() }
            let first = try setup.repo.head()
            try await Reported.waitSynced(serve.url, "shop", at: first)

            // A commit that changes both Secrets, so diffs and history hold Secret changes.
            for (path, content) in Self.secrets(password: values.newPassword, token: values.newToken) { try setup.repo.write(path, content) }
            for (path, content) in try await Self.encrypted(password: values.newSopsPassword, url: values.newSopsURL, recipient: recipient, in: keys) {
                try setup.repo.write(path, content)
            }
            let second = try setup.repo.commit("rotate")
            try await Reported.waitSynced(serve.url, "shop", at: second)
            #expect(try await simulator.get("/api/v1/namespaces/shop/secrets/api")?["data"]?["token"]?.stringValue
                    == Data(values.newToken.utf8).base64EncodedString(), "the rotated Secret was not applied")
            #expect(try await simulator.get("/api/v1/namespaces/shop/configmaps/sops-settings")?["data"]?["url"]?.stringValue == values.newSopsURL,
                    "the rotated SOPS ConfigMap was not applied")

            // Drift by hand, healed by Bosun: the drift diff, event and notification hold a Secret too.
            let driftedData = Data(values.drifted.utf8).base64EncodedString()
            try await simulator.patch("/api/v1/namespaces/shop/secrets/api", #"{"data":{"token":"\#(driftedData)"}}"#)
            try await eventually("the drifted Secret is healed", seconds: 60) {
                try await simulator.get("/api/v1/namespaces/shop/secrets/api")?["data"]?["token"]?.stringValue == Data(values.newToken.utf8).base64EncodedString()
            }
            try await Reported.waitSynced(serve.url, "shop", at: second)
            try await eventually("notifications arrived", seconds: 30) { sink.bodies.count >= 3 }

            // Everything a person or a program can read from Bosun.
            var outputs: [(String, String)] = []
            let api = "\(serve.url)/api/v1"
            var paths = ["/applications", "/applications/shop", "/applications/shop/resources", "/applications/shop/diff",
                         "/applications/shop/history", "/events?limit=1000", "/metrics"].map { $0.hasPrefix("/metrics") ? serve.url + $0 : api + $0 }
            let ids = try await Reported.history(serve.url, "shop").compactMap { $0["id"]?.intValue }
            #expect(ids.count >= 3, "expected the first sync, the rotation and the heal in the history")
            for id in ids { paths += ["\(api)/applications/shop/history/\(id)", "\(serve.url)/apps/shop/syncs/\(id)"] }
            paths += ["\(serve.url)/", "\(serve.url)/apps/shop"]
            for url in paths {
                let result = try await Shell.execute(["curl", "-s", "-w", "\n%{http_code}", url])
                #expect(result.stdout.hasSuffix("200"), "\(url) answered \(result.stdout.suffix(3))")
                outputs.append((url, result.stdout))
            }
            var commands: [[String]] = [
                ["status", "shop"], ["status", "shop", "-o", "json"], ["diff", "shop"], ["history", "shop"], ["events", "shop"],
                ["sync", "shop", "--dry-run"], ["apps"], ["diff", "--repo", setup.repo.path, "--from", first, "--to", second, "--path", "app"],
            ]
            for id in ids { commands += [["history", "shop", "--id", String(id)], ["history", "shop", "--id", String(id), "-o", "json"]] }
            for command in commands {
                let result = try await bosun(command + (command.contains("--repo") ? [] : ["--server", serve.url]))
                outputs.append(("bosun \(command.joined(separator: " "))", result.stdout + result.stderr))
            }
            // The diffs do show the Secrets changing (masked), so the search below has something to look at.
            let rotation = outputs.first { $0.0.hasSuffix("history/\(ids.max() ?? 0)") || $0.0 == "bosun diff --repo \(setup.repo.path) --from \(first) --to \(second) --path app" }
            #expect(rotation?.1.contains("Secret") == true, "\(rotation?.1 ?? "no diff output")")
            outputs.append(("bosun serve log", serve.log))
            for (index, body) in sink.bodies.enumerated() { outputs.append(("notification \(index)", body)) }
            // History, events and audit rows in the store. The inventory keeps last-applied bodies for
            // the three-way diff (as `kubectl apply` keeps them on the object), so it is left out.
            let tables = try await Reliability.sqlite(setup.database, "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'inventory'").map { $0[0] }
            #expect(tables.contains("syncs") && tables.contains("events"))
            for table in tables {
                outputs.append(("store table \(table)", try await Shell.run(["sqlite3", "-readonly", setup.database, "SELECT * FROM \"\(table)\""])))
            }

            // SOPS values are never written in clear: not in the inventory, the render cache, the Git
            // mirrors or any other file under the data directory.
            for (path, text) in Sops.filesText(setup.dir.appending(".bosun").path) {
                for value in values.sops + values.sops.map({ Data($0.utf8).base64EncodedString() }) {
                    let leaked = text.contains(value)
                    #expect(!leaked, "\(path) under the data directory holds a SOPS value (\(value.prefix(12))…)")
                }
            }
            for (source, text) in outputs {
                for value in values.forbidden {
                    #expect(!text.contains(value), "\(source) shows a secret value (\(value.prefix(12))…)")
                }
            }
            // The search is real: the simulator holds the values Bosun was told to keep secret.
            #expect(try await simulator.get("/api/v1/namespaces/shop/secrets/db")?["data"]?["password"]?.stringValue
                    == Data(values.newPassword.utf8).base64EncodedString())
            #expect(try await simulator.get("/api/v1/namespaces/shop/secrets/sops-db")?["data"]?["password"]?.stringValue
                    == Data(values.newSopsPassword.utf8).base64EncodedString())
            print("secret leak scan: \(outputs.count) outputs, \(outputs.reduce(0) { $0 + $1.1.utf8.count }) bytes, \(values.forbidden.count) values")
        }
    }
}
