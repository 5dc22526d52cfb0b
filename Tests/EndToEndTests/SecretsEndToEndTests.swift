import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// SOPS secrets through the `bosun` binary: the `bosun secret` tools, `bosun validate`, an
    /// encrypted Secret and ConfigMap synced to the Kubernetes simulator (kubectl sees the
    /// plaintext, Bosun's disk and answers never do), a tampered file refused with nothing applied,
    /// a rotated key, and an encrypted host File.
    @Suite(.serialized) struct SecretsEndToEndTests {
        /// Values unique to one run, so a hit can only come from this test.
        let run = UUID().uuidString.prefix(8).lowercased()

        /// Environment without any age key from the caller (and no ~/.config/sops/age/keys.txt).
        static func noKeys(_ home: String) -> [String: String] { ["SOPS_AGE_KEY": "", "SOPS_AGE_KEY_FILE": "", "HOME": home, "XDG_CONFIG_HOME": ""] }

        @Test("bosun secret: keygen, encrypt and decrypt with each key source; 1 without the key or when tampered, 2 for unreadable input")
        func cli() async throws {
            let dir = try TemporaryDirectory(prefix: "bosun-secret-cli")
            defer { dir.remove() }
            let env = Self.noKeys(dir.path)
            let keyFile = dir.appending("key.txt").path
            let recipient = try await Sops.keygen(keyFile)
            #expect(recipient.hasPrefix("age1"))
            #expect((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int) == 0o600)
            #expect(try await bosun("secret", "keygen", "-o", keyFile).status == 2, "an existing key file is never overwritten")
            let printed = try await bosun("secret", "keygen")
            #expect(printed.stdout.contains("AGE-SECRET-KEY-1") && printed.stdout.contains("# public key: age1") && printed.stderr.hasPrefix("Public key: age1"))
            _ = try await Sops.keygen(dir.appending("other.txt").path)

            let password = "pw-\(run)-secret"
            let plain = try dir.write("app.env", "DB_USER=app\nDB_PASSWORD=\(password)\n").path
            let encrypted = try await bosun("secret", "encrypt", plain, "--age", recipient, environment: env)
            #expect(encrypted.status == 0, "\(encrypted.stderr)")
            #expect(encrypted.stdout.contains("sops_mac=ENC[") && !encrypted.stdout.contains(password))
            let file = try dir.write("app.enc.env", encrypted.stdout).path

            for (label, extra) in [("--age-key-file", [String: String]()), ("SOPS_AGE_KEY_FILE", ["SOPS_AGE_KEY_FILE": keyFile]),
                                   ("SOPS_AGE_KEY", ["SOPS_AGE_KEY": try String(contentsOfFile: keyFile, encoding: .utf8)])] {
                let arguments = ["secret", "decrypt", file] + (label == "--age-key-file" ? ["--age-key-file", keyFile] : [])
                let result = try await bosun(arguments, environment: env.merging(extra) { _, new in new })
                #expect(result.status == 0 && result.stdout == "DB_USER=app\nDB_PASSWORD=\(password)\n", "\(label): \(result.stderr)")
            }

            // Exit 1: no key, another key, a changed file. The error names the file, never a value.
            // One base64 character of the value changed: still well-formed, no longer authentic.
            var tamperedText = try String(contentsOfFile: file, encoding: .utf8)
            if let range = tamperedText.range(of: "DB_USER=ENC[AES256_GCM,data:") {
                let first = tamperedText[range.upperBound]
                tamperedText.replaceSubrange(range.upperBound...range.upperBound, with: first == "A" ? "B" : "A")
            }
            let tampered = try dir.write("tampered.enc.env", tamperedText).path
            for (arguments, why) in [(["secret", "decrypt", file], "no key"), (["secret", "decrypt", file, "--age-key-file", dir.appending("other.txt").path], "another key"),
                                     (["secret", "decrypt", tampered, "--age-key-file", keyFile], "tampered")] {
                let result = try await bosun(arguments, environment: env)
                #expect(result.status == 1, "\(why): exit \(result.status), \(result.stderr)")
                #expect(result.stderr.contains(arguments[2]) && !result.stderr.contains(password) && result.stdout.isEmpty, "\(why): \(result.stderr)")
            }
            // Exit 2: no such file, a file that is not SOPS, a bad recipient.
            #expect(try await bosun("secret", "decrypt", dir.appending("missing.yaml").path, "--age-key-file", keyFile).status == 2)
            #expect(try await bosun("secret", "decrypt", plain, "--age-key-file", keyFile).status == 2)
            #expect(try await bosun("secret", "encrypt", plain, "--age", "age1notarecipient").status == 2)
            // A 100 MB file (sparse: no disk spent) is refused before it is read, naming the file.
            let huge = dir.appending("huge.enc.yaml").path
            #expect(FileManager.default.createFile(atPath: huge, contents: nil))
            let handle = try #require(FileHandle(forWritingAtPath: huge))
            try handle.truncate(atOffset: 100 << 20)
            try handle.close()
            for command in [["decrypt", huge, "--age-key-file", keyFile], ["encrypt", huge, "--age", recipient]] {
                let result = try await bosun(["secret"] + command)
                #expect(result.status == 2 && result.stderr.contains(huge) && result.stderr.contains("limit") && result.stdout.isEmpty,
                        "\(command[0]) of a 100 MB file: exit \(result.status), \(result.stderr)")
            }

            // -i replaces the file, keeping its mode; without --age it encrypts to the keys held.
            let yaml = try dir.write("secret.yaml", Sops.secret("db", ["password": password])).path
            chmod(yaml, 0o640)
            let inPlace = try await bosun("secret", "encrypt", yaml, "--encrypted-regex", "^(data|stringData)$", "-i", environment: env.merging(["SOPS_AGE_KEY_FILE": keyFile]) { _, new in new })
            #expect(inPlace.status == 0, "\(inPlace.stderr)")
            let replaced = try String(contentsOfFile: yaml, encoding: .utf8)
            #expect(replaced.contains("name: db") && replaced.contains("recipient: \(recipient)") && !replaced.contains(password))
            #expect((try FileManager.default.attributesOfItem(atPath: yaml)[.posixPermissions] as? Int) == 0o640)
            #expect(try await bosun("secret", "decrypt", yaml, "--age-key-file", keyFile).stdout.contains("password: \(password)"))
        }

        @Test("bosun validate reports an application whose files are encrypted to no key it holds")
        func validate() async throws {
            let dir = try TemporaryDirectory(prefix: "bosun-secret-validate")
            defer { dir.remove() }
            let repo = try GitRepository()
            defer { repo.remove() }
            try FileManager.default.createDirectory(atPath: dir.appending("keys").path, withIntermediateDirectories: true)
            let recipient = try await Sops.keygen(dir.appending("keys/right.agekey").path)
            _ = try await Sops.keygen(dir.appending("keys/wrong.agekey").path)
            try repo.commit(files: ["app/db.yaml": try await Sops.encrypt(Sops.secret("db", ["password": "pw-\(run)"]), name: "db.yaml", to: [recipient], in: dir)],
                            message: "encrypted")
            func config(_ key: String) throws -> String {
                try dir.write("bosun.yaml", """
                    apiVersion: bosun.dev/v1
                    kind: Config
                    dataDir: .bosun
                    targets: [{ name: local, type: host }]
                    security: { repositorySchemes: [file] }
                    decryptionKeys: [{ name: prod, ageKeyFiles: [keys/\(key).agekey] }]
                    repositories: [{ name: deploy, url: \(repo.path) }]
                    applications:
                      - name: web
                        source: { repository: deploy, revision: main, path: app }
                        destination: { target: local }
                        decryption: { provider: sops, keys: [prod] }
                    """).path
            }
            let wrong = try await bosun("validate", "--config", try config("wrong"))
            #expect(wrong.status == 1)
            #expect(wrong.stdout.contains("application web: app/db.yaml:1 (Secret/db)") && wrong.stdout.contains("no key held opens the data key"), "\(wrong.stdout)")
            #expect(wrong.stdout.contains(recipient), "names the recipient the file is encrypted to")
            #expect(!wrong.stdout.contains("pw-\(run)"))
            let right = try await bosun("validate", "--config", try config("right"))
            #expect(right.status == 0, "\(right.stdout)\(right.stderr)")
            let missing = try await bosun("validate", "--config", try config("missing"))
            #expect(missing.status == 1 && missing.stdout.contains("decryptionKeys[0] (prod)") && missing.stdout.contains("missing.agekey"), "\(missing.stdout)")
            // An undeclared key name is a config problem at its line.
            let text = try String(contentsOfFile: try config("right"), encoding: .utf8).replacingOccurrences(of: "keys: [prod]", with: "keys: [prd]")
            let undeclared = try await bosun("validate", "--config", try dir.write("bosun.yaml", text).path)
            #expect(undeclared.status == 1 && undeclared.stdout.contains("bosun.yaml:12:") && undeclared.stdout.contains("did you mean \"prod\"?"), "\(undeclared.stdout)")

            // An application declared in Git names a key by name; --fetch reads it and opens its
            // files with that key (here the wrong one), as the server would.
            try repo.commit(files: ["bosun/apps.yaml": """
                apiVersion: bosun.dev/v1
                kind: Applications
                applications:
                  - name: api
                    source: { repository: deploy, revision: main, path: app }
                    destination: { target: local }
                    decryption: { provider: sops, keys: [other] }
                """], message: "an application in Git")
            let included = try dir.write("bosun.yaml", try String(contentsOfFile: try config("right"), encoding: .utf8)
                .replacingOccurrences(of: "decryptionKeys: [{ name: prod, ageKeyFiles: [keys/right.agekey] }]",
                                      with: "decryptionKeys: [{ name: prod, ageKeyFiles: [keys/right.agekey] }, { name: other, ageKeyFiles: [keys/wrong.agekey] }]")
                + "\ninclude: [{ repository: deploy, revision: main, path: \"bosun/*.yaml\" }]\n").path
            let offline = try await bosun("validate", "--config", included)
            #expect(offline.status == 0, "without --fetch the included files are not read: \(offline.stdout)\(offline.stderr)")
            let fetched = try await bosun("validate", "--config", included, "--fetch")
            #expect(fetched.status == 1 && fetched.stdout.contains("application api: app/db.yaml:1 (Secret/db)")
                    && fetched.stdout.contains("no key held opens the data key") && !fetched.stdout.contains("application web:"),
                    "\(fetched.stdout)\(fetched.stderr)")
            #expect(!fetched.stdout.contains("pw-\(run)"))
            // Nothing of validate's lands in the data directory a server would use.
            #expect(!FileManager.default.fileExists(atPath: dir.appending(".bosun").path))
        }

        @Test("an encrypted Secret and ConfigMap reach the cluster decrypted; a tampered file is refused with nothing applied; a rotated key is picked up")
        func kubernetes() async throws {
            let keys = try TemporaryDirectory(prefix: "bosun-secret-keys")
            defer { keys.remove() }
            let keyFile = keys.appending("prod.agekey").path
            let first = try await Sops.keygen(keyFile)
            let password = "pw-\(run)-one"
            let url = "postgres://app:cm-\(run)@db/shop"
            let files = [
                "app/db.yaml": try await Sops.encrypt(Sops.secret("db", ["password": password]), name: "db.yaml", to: [first], in: keys),
                "app/settings.yaml": try await Sops.encrypt(Sops.configMap("settings", ["url": url]), name: "settings.yaml", to: [first], in: keys),
                "app/plain.yaml": Reliability.configMap("plain", "v1"),
            ]
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(
                simulator: simulator, files: files, extra: "decryptionKeys: [{ name: prod, ageKeyFiles: [\"\(keyFile)\"] }]",
                repository: ", decryption: { provider: sops, keys: [prod] }")
            defer { setup.remove() }
            let serve = try await setup.serve(logLevel: "debug")
            defer { serve.stop() }
            let kubectl = { (arguments: [String]) async throws -> String in try await simulator.kubectl(["-n", "shop"] + arguments) }
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())

            // The cluster holds the plaintext, as it must.
            let data = try await kubectl(["get", "secret", "db", "-o", "jsonpath={.data.password}"])
            #expect(String(decoding: Data(base64Encoded: data) ?? Data(), as: UTF8.self) == password)
            #expect(try await kubectl(["get", "configmap", "settings", "-o", "jsonpath={.data.url}"]) == url)
            #expect(try await kubectl(["get", "secret", "db", "-o", "json"]).contains("\"sops\"") == false)

            // Bosun's disk never does: the render cache keeps the encrypted form, the inventory hashes.
            for (path, text) in Sops.filesText(setup.dir.appending(".bosun/cache").path) {
                let leaked = text.contains(password) || text.contains(url)
                #expect(!leaked, "render cache \(path) holds plaintext")
            }
            let inventory = try await Shell.run(["sqlite3", "-readonly", setup.database, "SELECT body FROM inventory"])
            #expect(!inventory.contains(password) && !inventory.contains(url) && !inventory.contains(Data(password.utf8).base64EncodedString()))
            #expect(inventory.contains("bosun-sealed:"))

            // Tampered: a value swapped in from the other file (encrypted with another data key), in
            // the same commit as a plain change. The commit is refused; nothing of it is applied.
            let db = files["app/db.yaml"] ?? ""
            let foreign = (files["app/settings.yaml"] ?? "").split(separator: "\n").first { $0.contains("url: ENC[") }?.replacingOccurrences(of: "url:", with: "password:") ?? ""
            let original = db.split(separator: "\n").first { $0.contains("password: ENC[") } ?? ""
            try setup.repo.write("app/db.yaml", db.replacingOccurrences(of: String(original), with: foreign))
            try setup.repo.write("app/plain.yaml", Reliability.configMap("plain", "v2"))
            let tampered = try setup.repo.commit("tampered")
            try await eventually("the tampered commit is refused, naming the file", seconds: 60) {
                let condition = try await Reported.status(serve.url, "shop")["condition"]
                return condition?["type"] == "ComparisonError" && condition?["message"]?.stringValue?.contains("app/db.yaml") == true
                    && condition?["message"]?.stringValue?.contains(tampered.prefix(7)) == true
            }
            let message = try await Reported.status(serve.url, "shop")["condition"]?["message"]?.stringValue ?? ""
            #expect(message.contains("does not authenticate") || message.contains("MAC"), "\(message)")
            try await Task.sleep(for: .seconds(3))
            #expect(try await kubectl(["get", "configmap", "plain", "-o", "jsonpath={.data.v}"]) == "v1", "nothing of the tampered commit is applied")

            // Rotated: the file re-encrypted to a new key only; Bosun holds the old one, so the commit
            // waits (naming the recipient) until the new key is added to the key file.
            let newKeyFile = keys.appending("next.agekey").path
            let second = try await Sops.keygen(newKeyFile)
            let rotated = "pw-\(run)-two"
            try setup.repo.write("app/db.yaml", try await Sops.encrypt(Sops.secret("db", ["password": rotated]), name: "db.yaml", to: [second], in: keys))
            try setup.repo.write("app/plain.yaml", Reliability.configMap("plain", "v3"))
            let rotation = try setup.repo.commit("rotate the key")
            try await eventually("the commit encrypted to the new key waits for it", seconds: 60) {
                let condition = try await Reported.status(serve.url, "shop")["condition"]
                return condition?["message"]?.stringValue?.contains(rotation.prefix(7)) == true
                    && condition?["message"]?.stringValue?.contains("no key held opens the data key") == true
                    && condition?["message"]?.stringValue?.contains(second) == true
            }
            #expect(try await kubectl(["get", "configmap", "plain", "-o", "jsonpath={.data.v}"]) == "v1")
            let both = try String(contentsOfFile: keyFile, encoding: .utf8) + (try String(contentsOfFile: newKeyFile, encoding: .utf8))
            try both.write(toFile: keyFile, atomically: true, encoding: .utf8)
            try await Reported.waitSynced(serve.url, "shop", at: rotation)
            let rotatedData = try await kubectl(["get", "secret", "db", "-o", "jsonpath={.data.password}"])
            #expect(String(decoding: Data(base64Encoded: rotatedData) ?? Data(), as: UTF8.self) == rotated)
            #expect(try await kubectl(["get", "configmap", "plain", "-o", "jsonpath={.data.v}"]) == "v3")

            // The diffs of these syncs show the Secret and the ConfigMap changing, masked.
            var histories: [JSONValue] = []
            for id in try await Reported.history(serve.url, "shop").compactMap({ $0["id"]?.intValue }) { histories.append(try await Reported.sync(serve.url, "shop", id: id)) }
            let texts = histories.map { $0.jsonString() }.joined()
            #expect(texts.contains("++++++++"), "masked values show in the history")
            for value in [password, rotated, url, Data(password.utf8).base64EncodedString(), Data(rotated.utf8).base64EncodedString()] {
                #expect(!texts.contains(value) && !serve.log.contains(value), "a decrypted value shows in history or logs")
            }
        }

        @Test("files a kustomization's secretGenerator reads are decrypted before kustomize runs; the plaintext render stays off disk")
        func kustomizeGenerator() async throws {
            let keys = try TemporaryDirectory(prefix: "bosun-secret-keys")
            defer { keys.remove() }
            let keyFile = keys.appending("gen.agekey").path
            let recipient = try await Sops.keygen(keyFile)
            let token = "gen-\(run)-token"
            let apiKey = "gen-\(run)-apikey"
            let binary = try keys.write("plain/token.txt", token).path
            let encryptedToken = try await bosun("secret", "encrypt", binary, "--age", recipient).stdout
            let files = [
                "app/kustomization.yaml": "resources: [settings.yaml]\nsecretGenerator:\n  - name: creds\n    files: [token=token.enc]\n    envs: [api.env]\ngeneratorOptions: { disableNameSuffixHash: true }\n",
                "app/settings.yaml": Reliability.configMap("settings", "v1"),
                "app/token.enc": encryptedToken,
                "app/api.env": try await Sops.encrypt("API_KEY=\(apiKey)\n", name: "api.env", to: [recipient], in: keys, encryptedRegex: nil),
            ]
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(
                simulator: simulator, files: files, extra: "decryptionKeys: [{ name: gen, ageKeyFiles: [\"\(keyFile)\"] }]",
                repository: ", decryption: { provider: sops, keys: [gen] }")
            defer { setup.remove() }
            let serve = try await setup.serve()
            defer { serve.stop() }
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())
            let data = try await simulator.get("/api/v1/namespaces/shop/secrets/creds")?["data"]
            #expect(data?["token"]?.stringValue == Data(token.utf8).base64EncodedString())
            #expect(data?["API_KEY"]?.stringValue == Data(apiKey.utf8).base64EncodedString())
            // Nothing under the data directory holds the plaintext: not the render cache, not the
            // private copy kustomize read (removed), not the store.
            for (path, text) in Sops.filesText(setup.dir.appending(".bosun").path) {
                for value in [token, apiKey, Data(token.utf8).base64EncodedString(), Data(apiKey.utf8).base64EncodedString()] {
                    let leaked = text.contains(value)
                    #expect(!leaked, "\(path) holds a decrypted generator value")
                }
            }
            #expect(!serve.log.contains(token) && !serve.log.contains(apiKey))
        }

        @Test("a host File whose content is a SOPS file is written in clear with its mode; its diff is masked")
        func hostFile() async throws {
            let keys = try TemporaryDirectory(prefix: "bosun-secret-keys")
            defer { keys.remove() }
            let keyFile = keys.appending("host.agekey").path
            let recipient = try await Sops.keygen(keyFile)
            let first = "API_TOKEN=tok-\(run)-one\n"
            func file(_ content: String) async throws -> String {
                let encrypted = try await Sops.encrypt(content, name: "app.env", to: [recipient], in: keys, encryptedRegex: nil)
                let indented = encrypted.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n")
                return "apiVersion: host.bosun.dev/v1\nkind: File\nmetadata: { name: env }\nspec:\n  path: app/.env\n  mode: \"0600\"\n  content: |\n\(indented)\n"
            }
            let workspace = try Workspace("bosun-secret-host", app: "site", files: ["app/env.yaml": try await file(first)]) { repository in
                """
                targets: [{ name: local, type: host }]
                security: { repositorySchemes: [file] }
                decryptionKeys: [{ name: host, ageKeysEnv: HOST_AGE_KEYS }]
                repositories: [{ name: site, url: \(repository) }]
                applications:
                  - name: site
                    source: { repository: site, revision: main, path: app }
                    destination: { target: local }
                    decryption: { provider: sops, keys: [host] }
                    sync: { auto: true, prune: true, selfHeal: true, interval: 2s }
                """
            }
            defer { workspace.remove() }
            let repo = workspace.repo
            let serve = try await workspace.serve(environment: ["HOST_AGE_KEYS": try String(contentsOfFile: keyFile, encoding: .utf8)])
            let url = serve.url
            defer { serve.stop() }
            let onDisk = workspace.hostRoot.appendingPathComponent("app/.env").path
            try await Reported.waitSynced(url, "site", at: try repo.head())
            #expect(try String(contentsOfFile: onDisk, encoding: .utf8) == first)
            #expect((try FileManager.default.attributesOfItem(atPath: onDisk)[.posixPermissions] as? Int) == 0o600)

            let second = "API_TOKEN=tok-\(run)-two\n"
            try repo.write("app/env.yaml", try await file(second))
            let next = try repo.commit("rotate the token")
            try await Reported.waitSynced(url, "site", at: next)
            #expect(try String(contentsOfFile: onDisk, encoding: .utf8) == second)
            let history = try await Reported.history(url, "site")
            let detail = try await Reported.sync(url, "site", id: history.compactMap { $0["id"]?.intValue }.max() ?? 0).jsonString()
            #expect(detail.contains("File") && detail.contains("++++++++"), "the history diff shows the File changing, masked: \(detail.prefix(400))")
            // A hand edit of the file is drift, healed back to the decrypted content.
            try "API_TOKEN=edited\n".write(toFile: onDisk, atomically: true, encoding: .utf8)
            try await eventually("the edited file is healed") { (try? String(contentsOfFile: onDisk, encoding: .utf8)) == second }
            for value in ["tok-\(run)-one", "tok-\(run)-two"] {
                #expect(!detail.contains(value))
                #expect(!serve.output.get().contains(value))
                #expect(!(try await Shell.run(["sqlite3", "-readonly", workspace.database, "SELECT body FROM inventory"])).contains(value))
                #expect(try await bosun("diff", "site", "--server", url).stdout.contains(value) == false)
            }
        }
    }
}
