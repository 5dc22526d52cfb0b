import BosunCore
import Foundation

/// Signature checks: a repository with `verify` deploys only commits (or tags) signed by a key it
/// trusts: SSH keys listed in an allowed-signers file, or armored GPG public keys.
extension GitMirrors {
    /// Checks what `repository.verify` asks for; does nothing when it asks for nothing.
    ///
    /// - `.commit`: the commit `revision` resolved to carries a good signature by a trusted key.
    /// - `.tag`: `revision` names a tag (or is a semver range, whose chosen tag is checked) and the
    ///   tag object carries a good signature by a trusted key.
    public func verify(_ revision: RevisionSpec, commit: String, in repository: RepositorySpec) async throws {
        guard let spec = repository.verify else { return }
        let mirror = try await ensureMirror(repository)
        let source = describe(repository)
        let options = try await verificationOptions(spec, repository: repository)
        let arguments: [String]
        let subject: String
        switch spec.mode {
        case .commit:
            guard commit.isFullObjectID else {
                throw GitError(.verification, "\(commit.debugDescription) is not a full commit SHA of \(source); resolve the revision first")
            }
            arguments = ["verify-commit", "--raw", commit]
            subject = "commit \(commit.prefix(7)) of \(source)"
        case .tag:
            let tag = try await tagName(for: revision, commit: commit, mirror: mirror, repository: repository)
            arguments = ["verify-tag", "--raw", "refs/tags/\(tag)"]
            subject = "tag \(tag) of \(source)"
        }
        let output = try await git(options.config + arguments, in: mirror, extraEnvironment: options.environment)
        guard output.succeeded else {
            let reason = Self.signatureProblem(output.stderr)
            throw GitError(.verification, "\(subject) is not signed by a trusted key: \(reason). Sign it with a key listed in verify (\(options.trusted)), or remove verify from the repository")
        }
    }

    /// The tag a revision names, for tag verification.
    func tagName(for revision: RevisionSpec, commit: String, mirror: URL, repository: RepositorySpec) async throws -> String {
        let table = try await refTable(mirror)
        switch revision {
        case .ref(let written):
            let name = written.hasPrefix("refs/tags/") ? String(written.dropFirst(10)) : written
            guard let tag = table.tags[name], tag.commit == commit else {
                throw GitError(.verification, "verify mode is tag, but revision \(written.debugDescription) of \(describe(repository)) is not a tag; deploy a signed tag or a semver range")
            }
            return name
        case .semver(let range):
            let chosen = try bestTag(in: range, table: table, repository: repository)
            // The highest matching tag is the one resolve picked; find its name.
            let names = table.tags.filter { $0.value.commit == chosen }.keys.filter { SemVer($0).map(range.matches) == true }
            guard let name = names.sorted(by: { (SemVer($1) ?? SemVer(major: 0, minor: 0, patch: 0)) < (SemVer($0) ?? SemVer(major: 0, minor: 0, patch: 0)) }).first else {
                throw GitError(.verification, "no tag of \(describe(repository)) matching \(range.text) points at commit \(commit.prefix(7))")
            }
            return name
        }
    }

    struct VerificationOptions: Sendable {
        var config: [String]
        var environment: [String: String]
        /// What is trusted, for messages: file names, never key material.
        var trusted: String
    }

    /// `-c` options and environment that make git trust exactly the configured keys.
    func verificationOptions(_ spec: VerifySpec, repository: RepositorySpec) async throws -> VerificationOptions {
        var config: [String] = []
        var environment: [String: String] = [:]
        var trusted: [String] = []
        let manager = FileManager.default
        if let signers = spec.sshAllowedSigners {
            let path = Self.absolute(signers)
            guard manager.isReadableFile(atPath: path) else {
                throw GitError(.verification, "allowed signers file \(path) (verify.sshAllowedSigners of repository \"\(repository.name)\") does not exist or cannot be read")
            }
            config += ["-c", "gpg.ssh.allowedSignersFile=\(path)"]
            trusted.append("sshAllowedSigners \(path)")
        }
        // An empty keyring when no GPG keys are given, so the user's own keyring is never consulted.
        let keyFiles = spec.gpgKeys.map(Self.absolute)
        for file in keyFiles where !manager.isReadableFile(atPath: file) {
            throw GitError(.verification, "GPG key file \(file) (verify.gpgKeys of repository \"\(repository.name)\") does not exist or cannot be read")
        }
        environment["GNUPGHOME"] = try await keyring(for: keyFiles).path
        if !keyFiles.isEmpty { trusted.append("gpgKeys \(keyFiles.joined(separator: ", "))") }
        config += ["-c", "gpg.program=gpg", "-c", "gpg.ssh.program=ssh-keygen", "-c", "gpg.minTrustLevel=undefined"]
        return VerificationOptions(config: config, environment: environment, trusted: trusted.joined(separator: "; "))
    }

    /// A private GPG home holding exactly `keyFiles`, made once per set of files and contents.
    func keyring(for keyFiles: [String]) async throws -> URL {
        var fingerprint = ""
        for file in keyFiles.sorted() {
            let data = (try? Data(contentsOf: URL(fileURLWithPath: file))) ?? Data()
            fingerprint += file + ":" + RemoteURL.shortHash(String(decoding: data, as: UTF8.self)) + ";"
        }
        let home = root.appendingPathComponent(".gnupg-\(RemoteURL.shortHash(fingerprint))", isDirectory: true)
        let ready = home.appendingPathComponent("bosun-imported")
        if FileManager.default.fileExists(atPath: ready.path) { return home }
        do {
            try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw GitError(.verification, "cannot create the keyring folder \(home.path): \(error.localizedDescription)")
        }
        if !keyFiles.isEmpty {
            let output = try await GitProcess.run(GitInvocation(
                arguments: ["--homedir", home.path, "--batch", "--quiet", "--import"] + keyFiles,
                environment: localAccess.environment, timeout: timeout, summary: "gpg --import"), executable: "gpg")
            guard output.succeeded else {
                throw GitError(.verification, "cannot import the GPG keys \(keyFiles.joined(separator: ", ")): \(output.reason)")
            }
        }
        _ = FileManager.default.createFile(atPath: ready.path, contents: Data())
        return home
    }

    static func absolute(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(expanded).standardizedFileURL.path
    }

    /// The reason in git's or gpg's words, without the raw signature dump.
    static func signatureProblem(_ stderr: String) -> String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
        if lines.isEmpty { return "no signature" }
        if lines.contains(where: { $0.contains("No principal matched") || $0.contains("NO_PUBKEY") || $0.contains("No public key") }) {
            return "signed by a key that is not trusted"
        }
        if lines.contains(where: { $0.contains("BADSIG") || $0.contains("Signature verification failed") || $0.contains("BAD signature") }) {
            return "the signature does not match the content"
        }
        if lines.contains(where: { $0.contains("gpg.ssh.allowedSignersFile needs to be configured") }) {
            return "signed with an SSH key, but no sshAllowedSigners file is configured"
        }
        let meaningful = lines.filter { !$0.hasPrefix("[GNUPG:]") && !$0.isEmpty }
        return meaningful.isEmpty ? "no valid signature" : meaningful.prefix(2).joined(separator: "; ")
    }
}
