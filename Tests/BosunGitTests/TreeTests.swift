import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunGit

@Suite("Reading trees")
struct TreeTests {
    /// A repository with an app folder, an executable, and symlinks that stay inside.
    static func makeFixture() async throws -> (MirrorFixture, String) {
        let fixture = try MirrorFixture()
        let origin = fixture.origin
        try origin.write("apps/guestbook/deployment.yaml", "kind: Deployment\n")
        try origin.write("apps/guestbook/service.yaml", "kind: Service\n")
        try origin.write("apps/guestbook/hooks/run.sh", "#!/bin/sh\necho hi\n")
        try origin.write("base/config.yaml", "shared: true\n")
        try await Shell.run(["chmod", "+x", "apps/guestbook/hooks/run.sh"], in: origin.path)
        try await Shell.run(["ln", "-s", "../../base/config.yaml", "apps/guestbook/shared.yaml"], in: origin.path)
        try await Shell.run(["ln", "-s", "guestbook", "apps/current"], in: origin.path)
        let head = try origin.commit("apps and links")
        return (fixture, head)
    }

    @Test("list returns every file under a path with kind and size; symlinks carry their targets")
    func list() async throws {
        let (fixture, head) = try await Self.makeFixture()
        defer { fixture.remove() }
        let files = try await fixture.mirrors.list(commit: head, path: "apps/guestbook", in: fixture.repository)
        #expect(files.map(\.path) == [
            "apps/guestbook/deployment.yaml", "apps/guestbook/hooks/run.sh", "apps/guestbook/service.yaml",
            "apps/guestbook/shared.yaml",
        ])
        #expect(files[0] == GitFile(path: "apps/guestbook/deployment.yaml", kind: .regular, size: 17))
        #expect(files[1].kind == .executable)
        #expect(files[3].kind == .symlink(target: "../../base/config.yaml"))

        let everything = try await fixture.mirrors.list(commit: head, path: ".", in: fixture.repository)
        #expect(everything.count == 6)
        // A symlinked folder lists the folder it points to.
        let current = try await fixture.mirrors.list(commit: head, path: "apps/current/", in: fixture.repository)
        #expect(current.map(\.path) == files.map(\.path))
        let notThere = await gitError { _ = try await fixture.mirrors.list(commit: head, path: "apps/missing", in: fixture.repository) }
        #expect(notThere?.code == .notFound)
    }

    @Test("read returns several files at once and follows symlinks inside the repository")
    func read() async throws {
        let (fixture, head) = try await Self.makeFixture()
        defer { fixture.remove() }
        let files = try await fixture.mirrors.read(
            commit: head,
            paths: ["apps/guestbook/deployment.yaml", "apps/guestbook/shared.yaml", "apps/current/service.yaml", "./base//config.yaml"],
            in: fixture.repository)
        #expect(files["apps/guestbook/deployment.yaml"] == Data("kind: Deployment\n".utf8))
        #expect(files["apps/guestbook/shared.yaml"] == Data("shared: true\n".utf8))
        #expect(files["apps/current/service.yaml"] == Data("kind: Service\n".utf8))
        #expect(files["./base//config.yaml"] == Data("shared: true\n".utf8))
        #expect(files.count == 4)
    }

    @Test("read refuses missing files, folders and files over the size limit, naming each")
    func readRefusals() async throws {
        let (fixture, head) = try await Self.makeFixture()
        defer { fixture.remove() }
        let missing = await gitError { _ = try await fixture.mirrors.read(commit: head, paths: ["apps/nope.yaml"], in: fixture.repository) }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains("apps/nope.yaml") == true)
        #expect(missing?.message.contains(String(head.prefix(7))) == true)

        let folder = await gitError { _ = try await fixture.mirrors.read(commit: head, paths: ["apps"], in: fixture.repository) }
        #expect(folder?.code == .invalidPath)

        let large = await gitError {
            _ = try await fixture.mirrors.read(commit: head, paths: ["apps/guestbook/service.yaml"], in: fixture.repository, maxSize: 4)
        }
        #expect(large?.message.contains("apps/guestbook/service.yaml") == true)
        #expect(large?.message.contains("14 bytes") == true)
    }

    @Test("paths that leave the repository through .. are refused by read, list, treeID")
    func dotDot() async throws {
        let (fixture, head) = try await Self.makeFixture()
        defer { fixture.remove() }
        for path in ["../outside.yaml", "apps/../../outside.yaml", "..", "/etc/passwd"] {
            let read = await gitError { _ = try await fixture.mirrors.read(commit: head, paths: [path], in: fixture.repository) }
            #expect(read?.code == .invalidPath, "read \(path)")
            #expect(read?.message.contains(path) == true)
            let list = await gitError { _ = try await fixture.mirrors.list(commit: head, path: path, in: fixture.repository) }
            #expect(list?.code == .invalidPath, "list \(path)")
            let tree = await gitError { _ = try await fixture.mirrors.treeID(commit: head, path: path, in: fixture.repository) }
            #expect(tree?.code == .invalidPath, "treeID \(path)")
        }
        // `..` that stays inside is fine.
        let inside = try await fixture.mirrors.read(commit: head, paths: ["apps/../base/config.yaml"], in: fixture.repository)
        #expect(inside.count == 1)
    }

    @Test("symlinks that leave the repository are refused by read, list and export")
    func escapingSymlinks() async throws {
        let (fixture, _) = try await Self.makeFixture()
        defer { fixture.remove() }
        let origin = fixture.origin
        try await Shell.run(["ln", "-s", "../../../etc/passwd", "apps/guestbook/passwd.yaml"], in: origin.path)
        try await Shell.run(["ln", "-s", "/etc", "apps/etc"], in: origin.path)
        let head = try origin.commit("escaping links")

        let relative = await gitError { _ = try await fixture.mirrors.read(commit: head, paths: ["apps/guestbook/passwd.yaml"], in: fixture.repository) }
        #expect(relative?.code == .invalidPath)
        #expect(relative?.message.contains("apps/guestbook/passwd.yaml -> ../../../etc/passwd") == true)

        let absolute = await gitError { _ = try await fixture.mirrors.list(commit: head, path: "apps/etc", in: fixture.repository) }
        #expect(absolute?.code == .invalidPath)
        #expect(absolute?.message.contains("apps/etc -> /etc") == true)

        let out = try TemporaryDirectory(prefix: "bosun-export")
        defer { out.remove() }
        let export = await gitError { try await fixture.mirrors.export(commit: head, to: out.url, in: fixture.repository) }
        #expect(export?.code == .invalidPath)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).isEmpty)
    }

    @Test("export writes the tree with modes and symlinks, and touches no shared checkout")
    func export() async throws {
        let (fixture, head) = try await Self.makeFixture()
        defer { fixture.remove() }
        let out = try TemporaryDirectory(prefix: "bosun-export")
        defer { out.remove() }
        let later = try fixture.origin.commit(files: ["base/config.yaml": "shared: false\n"], message: "later change")

        try await fixture.mirrors.export(commit: head, to: out.url, in: fixture.repository)
        #expect(try String(contentsOf: out.appending("apps/guestbook/deployment.yaml"), encoding: .utf8) == "kind: Deployment\n")
        #expect(try String(contentsOf: out.appending("base/config.yaml"), encoding: .utf8) == "shared: true\n")
        #expect(FileManager.default.isExecutableFile(atPath: out.appending("apps/guestbook/hooks/run.sh").path))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: out.appending("apps/current").path) == "guestbook")
        #expect(try String(contentsOf: out.appending("apps/guestbook/shared.yaml"), encoding: .utf8) == "shared: true\n")
        #expect(!FileManager.default.fileExists(atPath: out.appending(".git").path))

        // Another commit into another folder, while the first stays as exported.
        let second = try TemporaryDirectory(prefix: "bosun-export")
        defer { second.remove() }
        _ = try await fixture.mirrors.fetch(fixture.repository)
        try await fixture.mirrors.export(commit: later, to: second.url, in: fixture.repository)
        #expect(try String(contentsOf: second.appending("base/config.yaml"), encoding: .utf8) == "shared: false\n")
        #expect(try String(contentsOf: out.appending("base/config.yaml"), encoding: .utf8) == "shared: true\n")
    }

    @Test("treeID is stable for an unchanged folder, changes with it, and is nil for a missing path")
    func treeIDs() async throws {
        let (fixture, first) = try await Self.makeFixture()
        defer { fixture.remove() }
        let second = try fixture.origin.commit(files: ["base/config.yaml": "shared: false\n"], message: "change base")
        _ = try await fixture.mirrors.fetch(fixture.repository)
        let mirrors = fixture.mirrors
        let repository = fixture.repository

        let appsBefore = try #require(try await mirrors.treeID(commit: first, path: "apps", in: repository))
        let appsAfter = try await mirrors.treeID(commit: second, path: "apps/", in: repository)
        #expect(appsBefore == appsAfter)
        let baseBefore = try await mirrors.treeID(commit: first, path: "base", in: repository)
        let baseAfter = try await mirrors.treeID(commit: second, path: "base", in: repository)
        #expect(baseBefore != baseAfter)
        #expect(try await mirrors.treeID(commit: first, path: "apps/missing", in: repository) == nil)
        let root = try await mirrors.treeID(commit: first, path: ".", in: repository)
        #expect(root == (try fixture.origin.git("rev-parse", "\(first)^{tree}")))
        #expect(try await mirrors.treeID(commit: first, path: "apps/current", in: repository)
            == (try await mirrors.treeID(commit: first, path: "apps/guestbook", in: repository)))
    }
}
