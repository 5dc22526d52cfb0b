import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunGit

@Suite("Fetching mirrors")
struct FetchTests {
    @Test("concurrent fetches of one remote run one git fetch")
    func concurrentFetchesShareOne() async throws {
        let fixture = try MirrorFixture(environment: allowExtTransport)
        defer { fixture.remove() }
        let head = try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        // A remote that logs each connection and answers slowly, so all requests overlap.
        let log = fixture.data.appending("connections.log").path
        let url = extURL("echo connected >> \(log); sleep 1; exec git-upload-pack \(fixture.origin.path)")
        let repository = RepositorySpec(name: "slow", url: url)

        let outcomes = try await withThrowingTaskGroup(of: FetchOutcome.self) { group in
            for _ in 0..<8 { group.addTask { try await fixture.mirrors.fetch(repository) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 8)
        #expect(outcomes.allSatisfy { $0.fetched })
        let statistics = await fixture.mirrors.statistics
        #expect(statistics.fetches == 1)
        #expect(statistics.gitFetchProcesses == 1)
        #expect(statistics.sharedFetches == 7)
        // One ls-remote and one fetch reached the remote, not eight of each.
        let connections = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(connections.count == 2)
        #expect(try await fixture.mirrors.resolve(.ref(head), in: repository).sha == head)
    }

    @Test("a fetch when nothing moved runs no git fetch; a new commit runs one")
    func fetchOnlyWhenRefsMoved() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        _ = try await fixture.mirrors.fetch(fixture.repository)
        _ = try await fixture.mirrors.fetch(fixture.repository)
        #expect(await fixture.mirrors.statistics.gitFetchProcesses == 1)

        let next = try fixture.origin.commit(files: ["a.yaml": "a: 2\n"], message: "two")
        _ = try await fixture.mirrors.fetch(fixture.repository)
        #expect(await fixture.mirrors.statistics.gitFetchProcesses == 2)
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: fixture.repository).sha == next)
    }

    @Test("a failed fetch keeps the last good mirror and says so")
    func failedFetchKeepsMirror() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let head = try fixture.origin.commit(files: ["app/a.yaml": "a: 1\n"], message: "one")
        #expect(try await fixture.mirrors.fetch(fixture.repository).fetched)

        fixture.origin.remove()
        let outcome = try await fixture.mirrors.fetch(fixture.repository)
        #expect(!outcome.fetched)
        let warning = try #require(outcome.warning)
        #expect(warning.contains(fixture.origin.path))
        #expect(warning.contains("last good mirror"))
        #expect(await fixture.mirrors.statistics.failedFetches == 1)

        let commit = try await fixture.mirrors.resolve(.ref("main"), in: fixture.repository)
        #expect(commit.sha == head)
        let files = try await fixture.mirrors.read(commit: head, paths: ["app/a.yaml"], in: fixture.repository)
        #expect(files["app/a.yaml"] == Data("a: 1\n".utf8))
    }

    @Test("an unreachable remote with no mirror is an error naming it, and leaves nothing behind")
    func unreachableFirstFetch() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let missing = RepositorySpec(name: "gone", url: fixture.data.appending("no-such-repo").path)
        let error = await gitError { _ = try await fixture.mirrors.fetch(missing) }
        #expect(error?.code == .unreachable)
        #expect(error?.message.contains(fixture.data.appending("no-such-repo").path) == true)
        #expect(!FileManager.default.fileExists(atPath: fixture.mirrors.mirrorPath(for: missing).path))
        let incoming = fixture.data.appending("git/.incoming").path
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: incoming)) ?? []).isEmpty)

        let resolveError = await gitError { _ = try await fixture.mirrors.resolve(.ref("main"), in: missing) }
        #expect(resolveError?.code == .unreachable)
    }

    @Test("a git run past its timeout is stopped, with its children, and reported as a timeout")
    func timeout() async throws {
        let fixture = try MirrorFixture(environment: allowExtTransport)
        defer { fixture.remove() }
        let pidFile = fixture.data.appending("remote.pid").path
        let hanging = RepositorySpec(
            name: "hanging", url: extURL("echo $$ > \(pidFile); exec sleep 30"), fetchTimeout: .seconds(3))

        let error = await gitError { _ = try await fixture.mirrors.fetch(hanging) }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("git ls-remote") == true)
        #expect(error?.message.contains("3s") == true)
        let pid = try #require(Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(processIsGone(pid), "the remote's process \(pid) outlived the timeout")
    }

    @Test("a timeout over an existing mirror is a warning, not an error")
    func timeoutKeepsMirror() async throws {
        let fixture = try MirrorFixture(environment: allowExtTransport)
        defer { fixture.remove() }
        let head = try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        let flag = fixture.data.appending("hang").path
        // Answers normally until the flag file exists, then hangs.
        let url = extURL("test -e \(flag) && exec sleep 30; exec git-upload-pack \(fixture.origin.path)")
        let repository = RepositorySpec(name: "flaky", url: url, fetchTimeout: .seconds(1))
        // The first clone gets time to spare on a busy machine; the same URL shares the mirror.
        #expect(try await fixture.mirrors.fetch(RepositorySpec(name: "flaky", url: url, fetchTimeout: .seconds(60))).fetched)

        _ = FileManager.default.createFile(atPath: flag, contents: Data())
        let outcome = try await fixture.mirrors.fetch(repository)
        #expect(!outcome.fetched)
        #expect(outcome.warning?.contains("did not finish within 1s") == true)
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: repository).sha == head)
    }

    @Test("mirror folders are readable, distinct per remote, and never contain credentials")
    func mirrorFolders() throws {
        let mirrors = GitMirrors(root: URL(fileURLWithPath: "/data/git"))
        let withPassword = mirrors.mirrorPath(for: RepositorySpec(name: "a", url: "https://bot:hunter22@git.example.com/acme/deploy.git"))
        let plain = mirrors.mirrorPath(for: RepositorySpec(name: "a", url: "https://git.example.com/acme/deploy.git"))
        let other = mirrors.mirrorPath(for: RepositorySpec(name: "b", url: "https://git.example.com/acme/platform.git"))
        let scp = mirrors.mirrorPath(for: RepositorySpec(name: "c", url: "git@github.com:acme/deploy.git"))

        #expect(!withPassword.path.contains("hunter22"))
        #expect(withPassword == plain)
        #expect(plain != other)
        #expect(plain.deletingLastPathComponent().path == "/data/git")
        #expect(plain.lastPathComponent.hasPrefix("git.example.com-acme-deploy-"))
        #expect(scp.lastPathComponent.hasPrefix("git-github.com-acme-deploy-"))
        #expect(plain.lastPathComponent.hasSuffix(".git"))
    }
}
