import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Commit and tag signature verification through the `bosun` binary, with real SSH and GPG
    /// keys made in the test: a repository with `verify` deploys only what a listed key signed;
    /// an unsigned commit, a commit signed by an unlisted key and an unsigned tag are never
    /// deployed, and the application says why (`VerificationFailed`).
    @Suite(.serialized) struct SecurityVerifyTests {
        /// Keys made for one test: a trusted SSH key, an untrusted one, and a trusted GPG key.
        struct Keys {
            let dir: TemporaryDirectory
            let gnupgHome: String
            let gpgFingerprint: String

            var trustedSSH: String { dir.appending("trusted").path }
            var untrustedSSH: String { dir.appending("untrusted").path }
            var allowedSigners: String { dir.appending("allowed_signers").path }
            var gpgPublicKey: String { dir.appending("deployer.asc").path }

            init() async throws {
                dir = try TemporaryDirectory(prefix: "bosun-keys")
                for name in ["trusted", "untrusted"] {
                    try await Shell.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", dir.appending(name).path])
                }
                let publicKey = try String(contentsOfFile: dir.appending("trusted.pub").path, encoding: .utf8)
                try dir.write("allowed_signers", "deployer@example.com \(publicKey.trimmingCharacters(in: .whitespacesAndNewlines))\n")

                // A short home path: gpg-agent's socket path must fit in a sockaddr_un.
                gnupgHome = dir.appending("g").path
                try FileManager.default.createDirectory(atPath: gnupgHome, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let env = ["GNUPGHOME": gnupgHome]
                try await Shell.run(["gpg", "--batch", "--pinentry-mode", "loopback", "--passphrase", "", "--quick-gen-key",
                               "Deployer <deployer@example.com>", "ed25519", "sign", "never"], environment: env)
                let listing = try await Shell.run(["gpg", "--batch", "--with-colons", "--list-secret-keys"], environment: env)
                let fpr = listing.split(separator: "\n").first { $0.hasPrefix("fpr:") }?.split(separator: ":", omittingEmptySubsequences: false)
                gpgFingerprint = fpr.flatMap { $0.count > 9 ? String($0[9]) : nil } ?? ""
                try await dir.write("deployer.asc", try Shell.run(["gpg", "--batch", "--armor", "--export", gpgFingerprint], environment: env))
            }

            /// Git options and environment that sign with the SSH key at `key`.
            func sshSigning(_ key: String) -> [String] { ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key)"] }
            var gpgSigning: [String] { ["-c", "gpg.format=openpgp", "-c", "user.signingkey=\(gpgFingerprint)"] }

            /// For `defer`: a short command, run blocking.
            func remove() {
                _ = try? Shell.executeBlocking(["gpgconf", "--kill", "gpg-agent"], environment: ["GNUPGHOME": gnupgHome])
                dir.remove()
            }
        }

        static func file(_ name: String, _ content: String) -> String {
            """
            apiVersion: host.bosun.dev/v1
            kind: File
            metadata: { name: \(name) }
            spec: { path: \(name).txt, content: "\(content)" }
            """
        }

        /// Commits `files` signed as `signing` says (nil: unsigned); returns the SHA.
        static func commit(_ repo: GitRepository, _ files: [String: String], _ message: String, signing: [String]?, keys: Keys) throws -> String {
            for (path, content) in files { try repo.write(path, content) }
            try repo.git("add", "-A")
            try repo.git(signing.map { $0 + ["commit", "-q", "-S", "-m", message] } ?? ["commit", "-q", "-m", message],
                         environment: ["GNUPGHOME": keys.gnupgHome])
            return try repo.head()
        }

        struct Setup: OnWorkspace {
            let workspace: Workspace

            init(repo: GitRepository, keys: Keys) throws {
                workspace = try Workspace("bosun-verify", repo: repo) { repository in
                    """
                    targets: [{ name: local, type: host }]
                    security: { repositorySchemes: [file] }
                    repositories:
                      - name: signed
                        url: \(repository)
                        verify: { mode: commit, gpgKeys: [keys/deployer.asc], sshAllowedSigners: keys/allowed_signers }
                      - name: tagged
                        url: \(repository)
                        verify: { mode: tag, gpgKeys: [keys/deployer.asc] }
                    applications:
                      - name: shop
                        source: { repository: signed, revision: main, path: app }
                        destination: { target: local }
                        sync: { auto: true, prune: true, selfHeal: true, interval: 1s }
                      - name: release
                        source: { repository: tagged, revision: { semver: ">=1.0.0" }, path: release }
                        destination: { target: local }
                        sync: { auto: true, prune: true, selfHeal: true, interval: 1s }
                    """
                }
                // The trusted keys next to the config, named relative to it.
                try FileManager.default.createDirectory(at: dir.appending("keys"), withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: keys.allowedSigners, toPath: dir.appending("keys/allowed_signers").path)
                try FileManager.default.copyItem(atPath: keys.gpgPublicKey, toPath: dir.appending("keys/deployer.asc").path)
            }

            func content(_ name: String) -> String? { try? String(contentsOf: hostRoot.appendingPathComponent("\(name).txt"), encoding: .utf8) }
        }

        /// Waits until `app` reports `VerificationFailed` for `sha`, and returns the message.
        static func waitRefused(_ url: String, _ app: String, mentioning text: String) async throws -> String {
            var message = ""
            try await eventually("\(app) reports VerificationFailed (\(text))", seconds: 60) {
                let condition = try await Reported.status(url, app)["condition"]
                message = condition?["message"]?.stringValue ?? ""
                return condition?["type"] == "VerificationFailed" && message.contains(text)
            }
            return message
        }

        @Test("only commits and tags signed by a listed SSH or GPG key are deployed; the rest are refused and say why")
        func onlyTrustedSignaturesDeploy() async throws {
            let keys = try await Keys()
            defer { keys.remove() }
            #expect(!keys.gpgFingerprint.isEmpty)
            let repo = try GitRepository()
            defer { repo.remove() }
            let first = try Self.commit(repo, ["app/page.yaml": Self.file("page", "one"), "release/notes.yaml": Self.file("notes", "1.0")],
                                        "one", signing: keys.sshSigning(keys.trustedSSH), keys: keys)
            try repo.git(keys.gpgSigning + ["tag", "-s", "v1.0.0", "-m", "release 1.0.0"], environment: ["GNUPGHOME": keys.gnupgHome])
            let setup = try Setup(repo: repo, keys: keys)
            defer { setup.remove() }
            // Run from another folder: the key files are found relative to the config file.
            let serve = try await Serve.start(config: setup.config, in: keys.dir.path)
            defer { serve.stop() }
            let url = serve.url

            // Signed by the trusted SSH key, and a GPG-signed tag: both deploy.
            try await Reported.waitSynced(url, "shop", at: first, seconds: 60)
            try await Reported.waitSynced(url, "release", at: first, seconds: 60)
            #expect(setup.content("page") == "one")
            #expect(setup.content("notes") == "1.0")

            // Unsigned: refused, what runs keeps running.
            let unsigned = try Self.commit(repo, ["app/page.yaml": Self.file("page", "unsigned")], "unsigned", signing: nil, keys: keys)
            let why = try await Self.waitRefused(url, "shop", mentioning: String(unsigned.prefix(7)))
            #expect(why.contains("not signed by a trusted key"), "\(why)")
            // A person asking for the sync is refused too.
            let manual = try await bosun("sync", "shop", "--server", url)
            #expect(manual.status != 0)
            #expect((manual.stdout + manual.stderr).contains("not signed by a trusted key"), "\(manual.stdout)\(manual.stderr)")

            // Signed, but by a key that is not listed: refused, says the key is not trusted.
            let untrusted = try Self.commit(repo, ["app/page.yaml": Self.file("page", "untrusted")], "untrusted",
                                            signing: keys.sshSigning(keys.untrustedSSH), keys: keys)
            let whyUntrusted = try await Self.waitRefused(url, "shop", mentioning: String(untrusted.prefix(7)))
            #expect(whyUntrusted.contains("not trusted"), "\(whyUntrusted)")

            // An unsigned tag higher in the range: the release stays at the signed one.
            try repo.tag("v1.1.0", message: "unsigned release")
            let whyTag = try await Self.waitRefused(url, "release", mentioning: "v1.1.0")
            #expect(whyTag.contains("tag v1.1.0"), "\(whyTag)")

            // Nothing unverified ever reached the target or the history.
            #expect(setup.content("page") == "one")
            #expect(setup.content("notes") == "1.0")
            let deployed = await Set(try Reported.history(url, "shop").compactMap { $0["revision"]?.stringValue })
            #expect(deployed == [first])
            let events = try await bosun("events", "shop", "--server", url)
            #expect(events.stdout.contains("VerificationFailed"), "\(events.stdout)")

            // Signed with the trusted GPG key: deploys, and the condition clears.
            let gpgSigned = try Self.commit(repo, ["app/page.yaml": Self.file("page", "gpg")], "gpg", signing: keys.gpgSigning, keys: keys)
            try await Reported.waitSynced(url, "shop", at: gpgSigned, seconds: 60)
            #expect(setup.content("page") == "gpg")
            #expect(try await Reported.status(url, "shop")["condition"]?["type"] != "VerificationFailed")
        }
    }
}
