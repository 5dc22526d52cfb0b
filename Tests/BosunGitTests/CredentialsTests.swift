import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunGit

@Suite("Credentials")
struct CredentialsTests {
    static let password = "pa55-w0rd-Zq81"

    /// An origin with one commit served over HTTP with basic auth, and mirrors whose environment
    /// holds the credentials under the given names.
    static func serve(environment: [String: String]) async throws -> (MirrorFixture, HTTPGitServer, String) {
        let fixture = try MirrorFixture(environment: environment)
        let head = try fixture.origin.commit(files: ["app/a.yaml": "a: 1\n"], message: "one")
        let server = try await HTTPGitServer(repositories: ["deploy": fixture.origin.path], username: "bot", password: password)
        return (fixture, server, head)
    }

    @Test("HTTPS credentials reach git through the askpass helper and nowhere else")
    func askpassOverHTTP() async throws {
        let (fixture, server, head) = try await Self.serve(environment: ["DEPLOY_USER": "bot", "DEPLOY_TOKEN": Self.password])
        defer { server.stop(); fixture.remove() }
        let repository = RepositorySpec(
            name: "deploy", url: server.url("deploy"),
            credentials: GitCredentials(usernameEnv: "DEPLOY_USER", passwordEnv: "DEPLOY_TOKEN"))

        #expect(try await fixture.mirrors.resolve(.ref("main"), in: repository).sha == head)
        let next = try fixture.origin.commit(files: ["app/a.yaml": "a: 2\n"], message: "two")
        try fixture.origin.git("push", "--quiet", server.root.appending("deploy.git").path, "main")
        #expect(try await fixture.mirrors.fetch(repository).fetched)
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: repository).sha == next)

        // The server looked at every process's arguments on every request.
        let scans = try server.scans()
        #expect(scans.count >= 4)
        #expect(scans.allSatisfy { $0 == "scan 0" }, "password seen in process arguments: \(scans.filter { $0.hasPrefix("LEAK") })")
        // The helper is private to Bosun's user, and holds no secret itself.
        let helper = fixture.data.appending("git/askpass.sh").path
        let permissions = try FileManager.default.attributesOfItem(atPath: helper)[.posixPermissions] as? Int
        #expect(permissions == 0o700)
        #expect(try !String(contentsOfFile: helper, encoding: .utf8).contains(Self.password))
        #expect(try !Self.anyFile(under: fixture.data.url, contains: Self.password))
    }

    @Test("a wrong password is an authentication error that shows neither password")
    func wrongPassword() async throws {
        let (fixture, server, _) = try await Self.serve(environment: ["DEPLOY_USER": "bot", "DEPLOY_TOKEN": "wrong-secret-value"])
        defer { server.stop(); fixture.remove() }
        let repository = RepositorySpec(
            name: "deploy", url: server.url("deploy"),
            credentials: GitCredentials(usernameEnv: "DEPLOY_USER", passwordEnv: "DEPLOY_TOKEN"))
        let error = await gitError { _ = try await fixture.mirrors.fetch(repository) }
        #expect(error?.code == .authentication)
        #expect(error?.message.contains(server.url("deploy")) == true)
        #expect(error?.message.contains("wrong-secret-value") == false)
        #expect(error?.message.contains(Self.password) == false)
    }

    @Test("credentials written into the URL are used, and stripped from folders, errors and files")
    func credentialsInURL() async throws {
        let (fixture, server, head) = try await Self.serve(environment: [:])
        defer { server.stop(); fixture.remove() }
        let url = "http://bot:\(Self.password)@127.0.0.1:\(server.port)/deploy.git"
        let repository = RepositorySpec(name: "deploy", url: url)
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: repository).sha == head)
        #expect(!fixture.mirrors.mirrorPath(for: repository).path.contains(Self.password))

        let unknown = await gitError { _ = try await fixture.mirrors.resolve(.ref("mian"), in: repository) }
        #expect(unknown?.message.contains(server.url("deploy")) == true)
        #expect(unknown?.message.contains(Self.password) == false)
        #expect(try server.scans().allSatisfy { $0 == "scan 0" })
        #expect(try !Self.anyFile(under: fixture.data.url, contains: Self.password))

        let missingRepo = RepositorySpec(name: "gone", url: "http://bot:\(Self.password)@127.0.0.1:\(server.port)/missing.git")
        let error = await gitError { _ = try await fixture.mirrors.fetch(missingRepo) }
        #expect(error?.message.contains(Self.password) == false)
        #expect(error?.message.contains("127.0.0.1:\(server.port)/missing.git") == true)
    }

    @Test("a credential variable that is not set is named in the error")
    func missingVariable() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let repository = RepositorySpec(
            name: "deploy", url: "https://git.example.invalid/acme/deploy.git",
            credentials: GitCredentials(usernameEnv: "BOSUN_TEST_UNSET_USER", passwordEnv: "BOSUN_TEST_UNSET_TOKEN"))
        let error = await gitError { _ = try await fixture.mirrors.fetch(repository) }
        #expect(error?.code == .authentication)
        #expect(error?.message.contains("BOSUN_TEST_UNSET_USER") == true)
        #expect(error?.message.contains("deploy") == true)
    }

    @Test("an SSH key and known_hosts file reach ssh as options, and the fetch works")
    func sshOptions() async throws {
        // A stand-in `ssh` first on PATH: records its arguments, then runs the remote command here.
        let tools = try TemporaryDirectory(prefix: "bosun-ssh")
        defer { tools.remove() }
        let log = tools.appending("ssh.log").path
        let fakeSSH = try tools.write("bin/ssh", """
            #!/bin/sh
            printf '%s\\n' "$@" >> "\(log)"
            for last; do :; done
            exec sh -c "$last"

            """)
        try await Shell.run(["chmod", "+x", fakeSSH.path])
        let key = try tools.write("id_ed25519", "not a real key\n")
        let knownHosts = try tools.write("known hosts", "git.example.com ssh-ed25519 AAAA\n")
        let path = tools.appending("bin").path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let fixture = try MirrorFixture(environment: ["PATH": path])
        defer { fixture.remove() }
        let head = try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        let repository = RepositorySpec(
            name: "deploy", url: "ssh://git@git.example.com\(fixture.origin.path)",
            credentials: GitCredentials(sshKeyFile: key.path, knownHostsFile: knownHosts.path))

        #expect(try await fixture.mirrors.resolve(.ref("main"), in: repository).sha == head)
        let arguments = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(arguments.contains(key.path))
        #expect(arguments.contains("IdentitiesOnly=yes"))
        #expect(arguments.contains("UserKnownHostsFile=\(knownHosts.path)"))
        #expect(arguments.contains("StrictHostKeyChecking=yes"))
        #expect(arguments.contains("git@git.example.com"))

        let missingKey = RepositorySpec(
            name: "deploy", url: repository.url, credentials: GitCredentials(sshKeyFile: tools.appending("nope").path))
        let error = await gitError { _ = try await GitMirrors(root: fixture.data.appending("other")).fetch(missingKey) }
        #expect(error?.code == .authentication)
        #expect(error?.message.contains(tools.appending("nope").path) == true)
    }

    /// Whether any regular file under `folder` contains `text` (mirrors, helper, scratch files).
    static func anyFile(under folder: URL, contains text: String) throws -> Bool {
        guard let walker = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return false }
        let needle = Data(text.utf8)
        for case let file as URL in walker {
            guard (try? file.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                let data = try? Data(contentsOf: file)
            else { continue }
            if data.range(of: needle) != nil { return true }
        }
        return false
    }
}
