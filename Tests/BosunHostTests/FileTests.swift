import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunHost

@Suite("Host File resources")
struct FileTests {
    @Test("a File is written with its content and mode, and live reports both")
    func writesContentAndMode() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let live = try await host.apply(fileManifest("index", path: "site/index.html", content: "<h1>Hello</h1>\n", mode: "0640"))

        #expect(try String(contentsOfFile: host.path("site/index.html"), encoding: .utf8) == "<h1>Hello</h1>\n")
        let attributes = try FileManager.default.attributesOfItem(atPath: host.path("site/index.html"))
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o640)
        #expect(live["spec", "content"] == "<h1>Hello</h1>\n")
        #expect(live["spec", "mode"] == "0640")
        #expect(live["spec", "path"] == "site/index.html")
        #expect(live["metadata", "name"] == "index")
        // No temporary files are left next to it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: host.path("site")) == ["index.html"])
        #expect(try await host.health(fileManifest("index", path: "site/index.html", content: "<h1>Hello</h1>\n", mode: "0640")).status == .healthy)
    }

    @Test("modes may be written as octal text or as the number YAML makes of 0644; the default is 0644")
    func modeForms() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try await host.apply(fileManifest("a", path: "a", content: "a", mode: .int(0o755)))
        try await host.apply(fileManifest("b", path: "b", content: "b"))
        try await host.apply(fileManifest("c", path: "c", content: "c", mode: "600"))
        func mode(_ path: String) throws -> Int? {
            (try FileManager.default.attributesOfItem(atPath: host.path(path))[.posixPermissions] as? NSNumber)?.intValue
        }
        #expect(try mode("a") == 0o755)
        #expect(try mode("b") == 0o644)
        #expect(try mode("c") == 0o600)
        let prepared = try await host.target.prepare([fileManifest("b", path: "b", content: "b")], context: host.context)
        #expect(prepared[0]["spec", "mode"] == "0644")
    }

    @Test("a rewrite replaces the file atomically: a reader of the old file keeps the old bytes")
    func atomicReplace() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try await host.apply(fileManifest("config", path: "config.txt", content: "version one\n"))
        let oldReader = try #require(FileHandle(forReadingAtPath: host.path("config.txt")))
        defer { try? oldReader.close() }

        try await host.apply(fileManifest("config", path: "config.txt", content: "version two, longer\n"))

        #expect(String(decoding: oldReader.readDataToEndOfFile(), as: UTF8.self) == "version one\n")
        #expect(try String(contentsOfFile: host.path("config.txt"), encoding: .utf8) == "version two, longer\n")
    }

    @Test("paths that leave the root are refused at prepare", arguments: ["../outside.txt", "site/../../outside.txt", "/etc/passwd"])
    func escapesRefused(_ path: String) async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let error = await #expect(throws: TargetError.self) {
            _ = try await host.target.prepare([fileManifest("bad", path: path, content: "x")], context: host.context)
        }
        #expect(error?.code == .invalid)
        #expect(error?.key?.name == "bad")
        #expect(error?.message.contains("spec.path") == true)
        #expect(!FileManager.default.fileExists(atPath: host.data.path + "/outside.txt"))
    }

    @Test("a path through a symlink that points outside the root is refused, at prepare and at apply")
    func symlinkEscapeRefused() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let outside = try TemporaryDirectory(prefix: "bosun-outside")
        defer { outside.remove() }
        try FileManager.default.createSymbolicLink(atPath: host.path("escape"), withDestinationPath: outside.path)

        let error = await #expect(throws: TargetError.self) {
            _ = try await host.target.prepare([fileManifest("bad", path: "escape/passwd", content: "owned")], context: host.context)
        }
        #expect(error?.message.contains("symlink") == true)

        // A link created between prepare and apply is caught too.
        let prepared = try await host.target.prepare([fileManifest("late", path: "later/file", content: "x")], context: host.context)
        try FileManager.default.createSymbolicLink(atPath: host.path("later"), withDestinationPath: outside.path)
        await #expect(throws: TargetError.self) {
            _ = try await host.target.apply(prepared[0], context: host.context, dryRun: false)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside.path).isEmpty)
    }

    @Test("a symlink inside the root that stays inside is fine")
    func innerSymlinkAllowed() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try FileManager.default.createDirectory(atPath: host.path("real"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: host.path("alias"), withDestinationPath: host.path("real"))
        try await host.apply(fileManifest("f", path: "alias/file.txt", content: "through a link"))
        #expect(try String(contentsOfFile: host.path("real/file.txt"), encoding: .utf8) == "through a link")
    }

    @Test("Bosun's own logs and state folders are off limits", arguments: ["logs/demo/web.log", ".state/local.json"])
    func reservedFoldersRefused(_ path: String) async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let error = await #expect(throws: TargetError.self) {
            _ = try await host.target.prepare([fileManifest("sneaky", path: path, content: "{}")], context: host.context)
        }
        #expect(error?.message.contains("Bosun keeps") == true)
    }

    @Test("the root option moves the root; paths stay inside it")
    func customRoot() async throws {
        let custom = try TemporaryDirectory(prefix: "bosun-root")
        defer { custom.remove() }
        let data = try TemporaryDirectory(prefix: "bosun-data")
        defer { data.remove() }
        let spec = TargetSpec(name: "site", type: "host", options: ["root": .string(custom.path + "/www")])
        let target = try HostTarget.make(spec, TargetEnvironment(dataDirectory: data.url))
        let context = AppContext(app: "web")
        let prepared = try await target.prepare([fileManifest("index", path: "index.html", content: "hi")], context: context)
        _ = try await target.apply(prepared[0], context: context, dryRun: false)
        #expect(try String(contentsOfFile: custom.path + "/www/index.html", encoding: .utf8) == "hi")
    }

    @Test("a file edited on disk shows in live and makes it Degraded; chmod too; removal makes it Missing")
    func drift() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let desired = fileManifest("index", path: "index.html", content: "from git\n", mode: "0644")
        try await host.apply(desired)

        try "edited by hand\n".write(toFile: host.path("index.html"), atomically: false, encoding: .utf8)
        let edited = try #require(try await host.live(desired.key))
        #expect(edited["spec", "content"] == "edited by hand\n")
        let contentHealth = try await host.health(desired)
        #expect(contentHealth.status == .degraded)
        #expect(contentHealth.message.contains("differs from Git"))

        try await host.apply(desired)
        #expect(try await host.health(desired).status == .healthy)
        chmod(host.path("index.html"), 0o600)
        let modeHealth = try await host.health(desired)
        #expect(modeHealth.status == .degraded)
        #expect(modeHealth.message.contains("0600") && modeHealth.message.contains("0644"))

        try FileManager.default.removeItem(atPath: host.path("index.html"))
        #expect(try await host.live(desired.key) == nil)
        #expect(try await host.health(desired).status == .missing)
    }

    @Test("bytes that are no longer UTF-8 appear as contentBase64, so the diff shows a change")
    func binaryDrift() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let desired = fileManifest("data", path: "data.txt", content: "text")
        try await host.apply(desired)
        try Data([0xff, 0xfe, 0x00, 0x41]).write(to: URL(fileURLWithPath: host.path("data.txt")))
        let live = try #require(try await host.live(desired.key))
        #expect(live["spec", "content"] == nil)
        #expect(live["spec", "contentBase64"] == .string(Data([0xff, 0xfe, 0x00, 0x41]).base64EncodedString()))
        #expect(try await host.health(desired).status == .degraded)
    }

    @Test("contentBase64 writes exact bytes")
    func base64Content() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let bytes = Data([0, 1, 2, 0xff])
        let manifest = fileManifest("blob", path: "blob.bin", extra: ["contentBase64": .string(bytes.base64EncodedString())])
        let live = try await host.apply(manifest)
        #expect(try Data(contentsOf: URL(fileURLWithPath: host.path("blob.bin"))) == bytes)
        #expect(live["spec", "contentBase64"] == .string(bytes.base64EncodedString()))
        #expect(try await host.health(manifest).status == .healthy)
    }

    @Test("changes() reports a file edited or removed on disk")
    func driftIsReported() async throws {
        var options = HostTargetOptions()
        options.filePollInterval = .milliseconds(50)
        let host = try HostFixture(options: options)
        defer { host.remove() }
        let recorder = ChangeRecorder(host.target)
        try await host.target.start()
        try await host.apply(fileManifest("index", path: "index.html", content: "from git"))

        try "edited".write(toFile: host.path("index.html"), atomically: false, encoding: .utf8)
        #expect(await eventually { recorder.contains("index.html (File/index) was changed on disk") })
        try FileManager.default.removeItem(atPath: host.path("index.html"))
        #expect(await eventually { recorder.contains("index.html (File/index) was removed on disk") })
        await host.target.shutdown()
    }

    @Test("a File edited or removed on disk is reported from inotify, long before the next poll")
    func driftIsReportedFromInotify() async throws {
        var options = HostTargetOptions()
        options.filePollInterval = .seconds(3600)
        let host = try HostFixture(options: options)
        defer { host.remove() }
        let recorder = ChangeRecorder(host.target)
        try await host.target.start()
        // Written after the watch began, one in a folder of its own: each folder is watched as a File lands in it.
        try await host.apply(fileManifest("index", path: "index.html", content: "from git"))
        try await host.apply(fileManifest("conf", path: "etc/app/app.conf", content: "a=1"))

        try "edited".write(toFile: host.path("etc/app/app.conf"), atomically: true, encoding: .utf8)
        #expect(await eventually { recorder.contains("etc/app/app.conf (File/conf) was changed on disk") })
        try FileManager.default.removeItem(atPath: host.path("index.html"))
        #expect(await eventually { recorder.contains("index.html (File/index) was removed on disk") })
        await host.target.shutdown()
    }

    @Test("live lists every File held for the application, and delete removes the file")
    func liveAndDelete() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let a = fileManifest("a", path: "a.txt", content: "a")
        try await host.apply(a)
        try await host.apply(fileManifest("b", path: "b.txt", content: "b"))
        let all = try await host.target.live(keys: [], context: host.context)
        #expect(Set(all.keys.map(\.name)) == ["a", "b"])
        let other = try await host.target.live(keys: [], context: AppContext(app: "other"))
        #expect(other.isEmpty)

        try await host.target.delete(a.key, context: host.context)
        #expect(!FileManager.default.fileExists(atPath: host.path("a.txt")))
        #expect(try await host.live(a.key) == nil)
        // Deleting again is not an error.
        try await host.target.delete(a.key, context: host.context)
    }

    @Test("labels and annotations Bosun applied come back in live; the namespace is dropped")
    func metadataKept() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        var manifest = fileManifest("index", path: "index.html", content: "x")
        manifest.setLabel("bosun.dev/app", "demo")
        manifest.setAnnotation("bosun.dev/tracking-id", "demo:host.bosun.dev/File:/index")
        manifest.setNamespace("ignored")
        let prepared = try await host.target.prepare([manifest], context: host.context)
        #expect(prepared[0].namespace == "")
        _ = try await host.target.apply(prepared[0], context: host.context, dryRun: false)
        let live = try #require(try await host.live(prepared[0].key))
        #expect(live.label("bosun.dev/app") == "demo")
        #expect(live.annotation("bosun.dev/tracking-id") == "demo:host.bosun.dev/File:/index")
    }

    @Test("dry run changes nothing and answers what would be there")
    func dryRun() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let prepared = try await host.target.prepare([fileManifest("index", path: "index.html", content: "x")], context: host.context)
        let answer = try await host.target.apply(prepared[0], context: host.context, dryRun: true)
        #expect(answer["spec", "content"] == "x")
        #expect(!FileManager.default.fileExists(atPath: host.path("index.html")))
        #expect(try await host.live(prepared[0].key) == nil)
    }

    @Test("a path another application manages is a conflict")
    func pathConflict() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try await host.apply(fileManifest("index", path: "index.html", content: "mine"))
        let other = AppContext(app: "other")
        let prepared = try await host.target.prepare([fileManifest("page", path: "index.html", content: "theirs")], context: other)
        let error = await #expect(throws: TargetError.self) {
            _ = try await host.target.apply(prepared[0], context: other, dryRun: false)
        }
        #expect(error?.code == .conflict)
        #expect(error?.message.contains("application demo") == true)
        #expect(try String(contentsOfFile: host.path("index.html"), encoding: .utf8) == "mine")
    }
}
