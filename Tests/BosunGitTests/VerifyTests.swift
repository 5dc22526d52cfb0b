import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunGit

@Suite("Signature verification")
struct VerifyTests {
    /// An SSH signing key made with ssh-keygen, and an allowed-signers line for it.
    struct SSHKey {
        let privateKey: String
        let publicKey: String
        let allowedSigner: String

        init(in folder: TemporaryDirectory, name: String) async throws {
            privateKey = folder.appending(name).path
            try await Shell.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", privateKey])
            publicKey = privateKey + ".pub"
            let key = try String(contentsOfFile: publicKey, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            allowedSigner = "ada@example.com namespaces=\"git\" \(key)"
        }

        var signingOptions: [String] { ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(publicKey)"] }
    }

    static func sshFixture(mode: VerifySpec.Mode) async throws -> (MirrorFixture, TemporaryDirectory, SSHKey, SSHKey, RepositorySpec) {
        let keys = try TemporaryDirectory(prefix: "bosun-keys")
        let trusted = try await SSHKey(in: keys, name: "trusted")
        let stranger = try await SSHKey(in: keys, name: "stranger")
        let signers = try keys.write("allowed_signers", trusted.allowedSigner + "\n")
        let fixture = try MirrorFixture()
        let repository = RepositorySpec(
            name: "deploy", url: fixture.origin.path, verify: VerifySpec(mode: mode, sshAllowedSigners: signers.path))
        return (fixture, keys, trusted, stranger, repository)
    }

    @Test("commits signed by a trusted SSH key pass; unsigned or strangers' commits are refused")
    func sshCommits() async throws {
        let (fixture, keys, trusted, stranger, repository) = try await Self.sshFixture(mode: .commit)
        defer { fixture.remove(); keys.remove() }
        let origin = fixture.origin
        try origin.write("a.yaml", "a: 1\n")
        try origin.git("add", "-A")
        try origin.git(trusted.signingOptions + ["commit", "-q", "-S", "-m", "signed"])
        let signed = try origin.head()
        try await fixture.mirrors.verify(.ref("main"), commit: signed, in: repository)

        let unsigned = try origin.commit(files: ["a.yaml": "a: 2\n"], message: "unsigned")
        _ = try await fixture.mirrors.fetch(repository)
        let error = await gitError { try await fixture.mirrors.verify(.ref("main"), commit: unsigned, in: repository) }
        #expect(error?.code == .verification)
        #expect(error?.message.contains("commit \(unsigned.prefix(7))") == true)

        try origin.write("a.yaml", "a: 3\n")
        try origin.git("add", "-A")
        try origin.git(stranger.signingOptions + ["commit", "-q", "-S", "-m", "signed by someone else"])
        let foreign = try origin.head()
        _ = try await fixture.mirrors.fetch(repository)
        let strangerError = await gitError { try await fixture.mirrors.verify(.ref("main"), commit: foreign, in: repository) }
        #expect(strangerError?.code == .verification)
        #expect(strangerError?.message.contains("not trusted") == true)
    }

    @Test("tag mode checks the tag a ref or semver range chose, and refuses a branch")
    func sshTags() async throws {
        let (fixture, keys, trusted, _, repository) = try await Self.sshFixture(mode: .tag)
        defer { fixture.remove(); keys.remove() }
        let origin = fixture.origin
        let released = try origin.commit(files: ["a.yaml": "a: 1\n"], message: "release")
        try origin.git(trusted.signingOptions + ["tag", "-s", "v1.0.0", "-m", "signed release"])

        try await fixture.mirrors.verify(.ref("v1.0.0"), commit: released, in: repository)
        try await fixture.mirrors.verify(.semver(try SemVerRange(">=1")), commit: released, in: repository)
        let branch = await gitError { try await fixture.mirrors.verify(.ref("main"), commit: released, in: repository) }
        #expect(branch?.code == .verification)
        #expect(branch?.message.contains("not a tag") == true)

        let next = try origin.commit(files: ["a.yaml": "a: 2\n"], message: "next")
        try origin.tag("v1.1.0", message: "unsigned release")
        _ = try await fixture.mirrors.fetch(repository)
        let resolved = try await fixture.mirrors.resolve(.semver(try SemVerRange(">=1")), in: repository)
        #expect(resolved.sha == next)
        let unsigned = await gitError { try await fixture.mirrors.verify(.semver(try SemVerRange(">=1")), commit: next, in: repository) }
        #expect(unsigned?.code == .verification)
        #expect(unsigned?.message.contains("tag v1.1.0") == true)
    }

    @Test("commits signed by an armored GPG key listed in gpgKeys pass; others are refused")
    func gpgCommits() async throws {
        let gnupg = try TemporaryDirectory(prefix: "bosun-gnupg")
        defer {
            _ = try? Shell.executeBlocking(["gpgconf", "--homedir", gnupg.path, "--kill", "all"])
            gnupg.remove()
        }
        let home = ["GNUPGHOME": gnupg.path]
        try await Shell.run(["chmod", "700", gnupg.path])
        try await Shell.run(["gpg", "--batch", "--quiet", "--passphrase", "", "--quick-gen-key", "Ada Tester <ada@example.com>", "ed25519", "sign", "never"], environment: home)
        let armored = try await Shell.run(["gpg", "--batch", "--armor", "--export", "ada@example.com"], environment: home)
        let keyFile = try gnupg.write("ada.asc", armored)

        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let origin = fixture.origin
        try origin.write("a.yaml", "a: 1\n")
        try origin.git("add", "-A")
        try origin.git(["-c", "gpg.program=gpg", "-c", "user.signingkey=ada@example.com", "commit", "-q", "-S", "-m", "gpg signed"], environment: home)
        let signed = try origin.head()
        let unsigned = try origin.commit(files: ["a.yaml": "a: 2\n"], message: "unsigned")

        let repository = RepositorySpec(name: "deploy", url: origin.path, verify: VerifySpec(mode: .commit, gpgKeys: [keyFile.path]))
        try await fixture.mirrors.verify(.ref(signed), commit: signed, in: repository)
        let error = await gitError { try await fixture.mirrors.verify(.ref("main"), commit: unsigned, in: repository) }
        #expect(error?.code == .verification)

        // Trusting only an SSH signer: the GPG signature no longer counts.
        let keys = try TemporaryDirectory(prefix: "bosun-keys")
        defer { keys.remove() }
        let other = try await SSHKey(in: keys, name: "other")
        let signers = try keys.write("allowed_signers", other.allowedSigner + "\n")
        let sshOnly = RepositorySpec(name: "deploy", url: origin.path, verify: VerifySpec(mode: .commit, sshAllowedSigners: signers.path))
        let untrusted = await gitError { try await fixture.mirrors.verify(.ref(signed), commit: signed, in: sshOnly) }
        #expect(untrusted?.code == .verification)
    }

    @Test("a repository without verify is not checked")
    func noVerification() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let head = try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "unsigned")
        try await fixture.mirrors.verify(.ref("main"), commit: head, in: fixture.repository)
    }
}
