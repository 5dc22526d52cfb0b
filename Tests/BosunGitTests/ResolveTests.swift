import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunGit

@Suite("Resolving revisions")
struct ResolveTests {
    @Test("a branch resolves to its tip, with author, date and subject")
    func branch() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "first")
        try fixture.origin.write("a.yaml", "a: 2\n")
        let second = try fixture.origin.commit("Bump a to 2", date: "2024-03-01T12:00:00Z")
        try fixture.origin.checkout("release", create: true)
        let release = try fixture.origin.commit(files: ["b.yaml": "b: 1\n"], message: "release only")
        try fixture.origin.checkout("main")

        let main = try await fixture.mirrors.resolve(.ref("main"), in: fixture.repository)
        #expect(main.sha == second)
        #expect(main.author == "Ada Tester <ada@example.com>")
        #expect(main.subject == "Bump a to 2")
        #expect(main.date == ISO8601DateFormatter().date(from: "2024-03-01T12:00:00Z"))
        #expect(try await fixture.mirrors.resolve(.ref("release"), in: fixture.repository).sha == release)
        #expect(try await fixture.mirrors.resolve(.ref("refs/heads/release"), in: fixture.repository).sha == release)
        #expect(try await fixture.mirrors.resolve(.ref("HEAD"), in: fixture.repository).sha == second)
    }

    @Test("lightweight and annotated tags resolve to the commit they mark")
    func tags() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let tagged = try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        try fixture.origin.tag("light")
        try fixture.origin.tag("annotated", message: "an annotated tag")
        try fixture.origin.commit(files: ["a.yaml": "a: 2\n"], message: "two")

        #expect(try await fixture.mirrors.resolve(.ref("light"), in: fixture.repository).sha == tagged)
        #expect(try await fixture.mirrors.resolve(.ref("annotated"), in: fixture.repository).sha == tagged)
        let refs = try await fixture.mirrors.refs(in: fixture.repository)
        #expect(refs.contains(GitRef(name: "annotated", kind: .tag, sha: tagged)))
        #expect(refs.contains(GitRef(name: "main", kind: .branch, sha: try fixture.origin.head())))
    }

    @Test("a semver range picks the highest matching tag; pre-releases only when the range names one")
    func semver() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        var commits: [String: String] = [:]
        for tag in ["v1.0.0", "1.2.0", "v1.4.0", "v2.0.0-rc.1", "not-a-version"] {
            commits[tag] = try fixture.origin.commit(files: ["version": tag], message: "release \(tag)")
            try fixture.origin.tag(tag, message: "release \(tag)")
        }
        let stable = try await fixture.mirrors.resolve(.semver(try SemVerRange(">=1.0 <2")), in: fixture.repository)
        #expect(stable.sha == commits["v1.4.0"])
        let candidate = try await fixture.mirrors.resolve(.semver(try SemVerRange(">=2.0.0-rc.0")), in: fixture.repository)
        #expect(candidate.sha == commits["v2.0.0-rc.1"])
        let noPrefix = try await fixture.mirrors.resolve(.semver(try SemVerRange("~1.2")), in: fixture.repository)
        #expect(noPrefix.sha == commits["1.2.0"])

        let error = await gitError { _ = try await fixture.mirrors.resolve(.semver(try SemVerRange(">=3")), in: fixture.repository) }
        #expect(error?.code == .unknownRevision)
        #expect(error?.message.contains(">=3") == true)
        #expect(error?.message.contains("v2.0.0-rc.1, v1.4.0, 1.2.0, v1.0.0") == true)
        #expect(error?.message.contains("not-a-version") == false)
    }

    @Test("a force-pushed branch resolves to the new commit after a fetch")
    func forcePushedBranch() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "base")
        let old = try fixture.origin.commit(files: ["a.yaml": "a: 2\n"], message: "to be rewritten")
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: fixture.repository).sha == old)

        try fixture.origin.git("reset", "--hard", "-q", "HEAD~1")
        let rewritten = try fixture.origin.commit(files: ["a.yaml": "a: 3\n"], message: "rewritten history")
        // Without a fetch the mirror still answers with what it has.
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: fixture.repository).sha == old)
        let outcome = try await fixture.mirrors.fetch(fixture.repository)
        #expect(outcome.fetched)
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: fixture.repository).sha == rewritten)
    }

    @Test("a tag deleted on the remote disappears from the mirror")
    func deletedTag() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        try fixture.origin.tag("v1.0.0")
        try fixture.origin.tag("v1.1.0", message: "annotated")
        _ = try await fixture.mirrors.resolve(.ref("v1.0.0"), in: fixture.repository)

        try fixture.origin.git("tag", "-d", "v1.0.0")
        _ = try await fixture.mirrors.fetch(fixture.repository)
        let error = await gitError { _ = try await fixture.mirrors.resolve(.ref("v1.0.0"), in: fixture.repository) }
        #expect(error?.code == .unknownRevision)
        #expect(try await fixture.mirrors.refs(in: fixture.repository).map(\.name).sorted() == ["main", "v1.1.0"])
    }

    @Test("full and abbreviated SHAs resolve; a SHA the remote never had does not")
    func shas() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let first = try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        try fixture.origin.commit(files: ["a.yaml": "a: 2\n"], message: "two")

        #expect(try await fixture.mirrors.resolve(.ref(first), in: fixture.repository).subject == "one")
        #expect(try await fixture.mirrors.resolve(.ref(String(first.prefix(10))), in: fixture.repository).sha == first)
        #expect(try await fixture.mirrors.resolve(.ref(first.uppercased()), in: fixture.repository).sha == first)

        let missing = String(repeating: "0", count: 40)
        let error = await gitError { _ = try await fixture.mirrors.resolve(.ref(missing), in: fixture.repository) }
        #expect(error?.code == .unknownRevision)
        #expect(error?.message.contains(missing) == true)
    }

    @Test("an abbreviated SHA that starts two commits is ambiguous and lists both")
    func ambiguousShortSHA() async throws {
        let origin = try GitRepository()
        // Many commits in one fast-import run, until two share their first four hex digits.
        var stream = ""
        for number in 1...1500 {
            let message = "commit \(number)\n"
            stream += "commit refs/heads/main\ncommitter Ada Tester <ada@example.com> 1700000000 +0000\n"
            stream += "data \(message.utf8.count)\n\(message)\n"
        }
        try await Shell.run(["git", "-C", origin.path, "fast-import", "--quiet"], environment: GitRepository.environment, input: stream)
        let shas = try origin.git("rev-list", "main").split(separator: "\n").map(String.init)
        let byPrefix = Dictionary(grouping: shas, by: { String($0.prefix(4)) })
        let shared = try #require(byPrefix.first { $0.value.count >= 2 })

        let fixture = try MirrorFixture(origin: origin)
        defer { fixture.remove() }
        let error = await gitError { _ = try await fixture.mirrors.resolve(.ref(shared.key), in: fixture.repository) }
        #expect(error?.code == .ambiguousRevision)
        for sha in shared.value { #expect(error?.message.contains(sha) == true) }
        // Enough digits pick one of them.
        let longer = String(shared.value[0].prefix(12))
        #expect(try await fixture.mirrors.resolve(.ref(longer), in: fixture.repository).sha == shared.value[0])
    }

    @Test("an unknown ref is an error that names it and suggests the closest refs")
    func unknownRef() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        for branch in ["release-1.0", "feature/login", "develop"] { try fixture.origin.git("branch", branch) }
        try fixture.origin.tag("v1.0.0")

        let typo = await gitError { _ = try await fixture.mirrors.resolve(.ref("mian"), in: fixture.repository) }
        #expect(typo?.code == .unknownRevision)
        #expect(typo?.message.contains("\"mian\"") == true)
        #expect(typo?.message.contains("closest refs: main") == true)
        #expect(typo?.message.contains(fixture.origin.path) == true)

        let release = await gitError { _ = try await fixture.mirrors.resolve(.ref("relase-1.0"), in: fixture.repository) }
        #expect(release?.message.contains("closest refs: release-1.0") == true)
    }

    @Test("file:// and relative local paths work, and share the absolute path's mirror")
    func localURLs() async throws {
        let fixture = try MirrorFixture()
        defer { fixture.remove() }
        let head = try fixture.origin.commit(files: ["a.yaml": "a: 1\n"], message: "one")
        let viaFile = RepositorySpec(name: "deploy", url: fixture.origin.fileURL)
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: viaFile).sha == head)

        let cwd = FileManager.default.currentDirectoryPath
        let relative = String(repeating: "../", count: cwd.split(separator: "/").count) + fixture.origin.path.dropFirst()
        let viaRelative = RepositorySpec(name: "deploy", url: relative)
        #expect(fixture.mirrors.mirrorPath(for: viaRelative) == fixture.mirrors.mirrorPath(for: fixture.repository))
        #expect(try await fixture.mirrors.resolve(.ref("main"), in: viaRelative).sha == head)
    }
}
