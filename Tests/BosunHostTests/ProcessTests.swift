import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunHost

@Suite("Host Process resources")
struct ProcessTests {
    @Test("a process runs with its env and working directory, and its output is appended to its log")
    func envWorkingDirAndLog() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try FileManager.default.createDirectory(atPath: host.path("site"), withIntermediateDirectories: true)
        let web = processManifest("web", [
            "command": shell("echo \"$GREETING from $(pwd)\"; echo oops >&2; exec sleep 60"),
            "workingDir": "site",
            "env": [["name": "GREETING", "value": "hi"]],
        ])
        try await host.apply(web)
        let expected = "hi from \(FileManager.default.resolvedPath(host.path("site")))\noops\n"
        #expect(await eventually { host.log("web") == expected })
        let pid = try #require(try await host.pid("web"))
        #expect(isRunning(pid))

        // A new run appends to the same log.
        try await host.apply(processManifest("web", [
            "command": shell("echo second run; exec sleep 60"), "workingDir": "site",
        ]))
        #expect(await eventually { host.log("web") == expected + "second run\n" })
        await host.target.shutdown()
        #expect(!isRunning(pid))
    }

    @Test("Bosun's own secrets are not passed on: only PATH, HOME and the like, plus the spec's env")
    func environmentIsFiltered() async throws {
        let data = try TemporaryDirectory(prefix: "bosun-host")
        defer { data.remove() }
        let target = try HostDeploymentTarget(
            name: "local", dataDirectory: data.url, environment: ["PATH": "/usr/bin:/bin", "GIT_TOKEN": "s3cret", "HOME": "/tmp"])
        let context = AppContext(app: "demo")
        let prepared = try await target.prepare([processManifest("env", ["command": ["sh", "-c", "env; exec sleep 60"]])], context: context)
        _ = try await target.apply(prepared[0], context: context, dryRun: false)
        let log = data.path + "/host/logs/demo/env.log"
        #expect(await eventually { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("HOME=/tmp") })
        let output = try String(contentsOfFile: log, encoding: .utf8)
        #expect(!output.contains("s3cret"))
        #expect(output.contains("PATH=/usr/bin:/bin"))
        await target.shutdown()
    }

    @Test("live shows the spec it runs and a status; the process is ready after 1 s without a probe")
    func liveAndReadyWithoutProbe() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        var manifest = processManifest("sleeper", ["command": ["sleep", "60"]], labels: ["bosun.dev/app": "demo"])
        manifest.setAnnotation("bosun.dev/tracking-id", "demo:host.bosun.dev/Process:/sleeper")
        let applied = try await host.apply(manifest)
        #expect(applied["spec", "command"] == ["sleep", "60"])
        #expect(applied.label("bosun.dev/app") == "demo")
        #expect(applied.annotation("bosun.dev/tracking-id") == "demo:host.bosun.dev/Process:/sleeper")
        #expect(await eventually { (try? await host.status("sleeper")?["phase"] == "Ready") == true })
        let live = try #require(try await host.live(manifest.key))
        #expect(live["status", "restarts"] == 0)
        #expect(live["status", "pid"]?.intValue != nil)
        #expect(try await host.health(manifest).status == .healthy)
        await host.target.shutdown()
    }

    @Test("an httpGet probe keeps the process Progressing until the server answers")
    func httpGetProbe() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let port = try freePort()
        try "hello".write(toFile: host.path("index.html"), atomically: true, encoding: .utf8)
        // The server starts listening only once the file `go` exists, so the first probes fail.
        let web = processManifest("web", [
            "command": shell("while [ ! -f go ]; do sleep 0.05; done; exec \(python) -m http.server \(port) --bind 127.0.0.1"),
            "readinessProbe": ["httpGet": ["port": .int(port), "path": "/index.html"], "periodSeconds": 0.1, "timeoutSeconds": 1],
        ])
        try await host.apply(web)
        #expect(await eventually { (try? await host.health(web).message.contains("connection refused")) == true })
        let waiting = try await host.health(web)
        #expect(waiting.status == .progressing)
        #expect(waiting.message == "waiting for readiness probe: GET http://127.0.0.1:\(port)/index.html → connection refused")

        #expect(FileManager.default.createFile(atPath: host.path("go"), contents: nil))
        #expect(await eventually { (try? await host.health(web).status == .healthy) == true })
        #expect(try await host.status("web")?["phase"] == "Ready")
        await host.target.shutdown()
    }

    @Test("a tcpSocket probe passes once something listens")
    func tcpSocketProbe() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let port = try freePort()
        let server = processManifest("server", [
            "command": shell("while [ ! -f go ]; do sleep 0.05; done; exec \(python) -m http.server \(port) --bind 127.0.0.1"),
            "readinessProbe": ["tcpSocket": ["port": .int(port)], "periodSeconds": 0.1],
        ])
        try await host.apply(server)
        #expect(await eventually { (try? await host.health(server).message.contains("TCP connect 127.0.0.1:\(port) → connection refused")) == true })
        #expect(FileManager.default.createFile(atPath: host.path("go"), contents: nil))
        #expect(await eventually { (try? await host.health(server).status == .healthy) == true })
        await host.target.shutdown()
    }

    @Test("an exec probe passes when its command exits 0, and a ready process that fails it becomes unready")
    func execProbe() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let recorder = ChangeRecorder(host.target)
        let worker = processManifest("worker", [
            "command": ["sleep", "60"],
            "readinessProbe": ["exec": ["command": ["test", "-f", "ready"]], "periodSeconds": 0.1, "timeoutSeconds": 10, "failureThreshold": 2],
        ])
        try await host.apply(worker)
        #expect(await eventually { (try? await host.health(worker).message.contains("exec test -f ready → exit status 1")) == true })
        #expect(try await host.health(worker).status == .progressing)

        #expect(FileManager.default.createFile(atPath: host.path("ready"), contents: nil))
        #expect(await eventually { (try? await host.health(worker).status == .healthy) == true })
        #expect(await eventually { recorder.contains("process worker is ready") })

        try FileManager.default.removeItem(atPath: host.path("ready"))
        #expect(await eventually { (try? await host.status("worker")?["phase"] == "Running") == true })
        #expect(try await host.health(worker).status == .progressing)
        #expect(await eventually { recorder.contains("process worker is no longer ready") })
        await host.target.shutdown()
    }

    @Test("a program that does not exist is reported with what would fix it")
    func missingProgram() async throws {
        var options = HostTargetOptions()
        options.backoffBase = .milliseconds(10)
        options.backoffLimit = .milliseconds(40)
        let host = try HostFixture(options: options)
        defer { host.remove() }
        let ghost = processManifest("ghost", ["command": ["no-such-program-bosun"]])
        try await host.apply(ghost)
        #expect(await eventually { (try? await host.health(ghost).status == .degraded) == true })
        let health = try await host.health(ghost)
        #expect(health.message.contains("\"no-such-program-bosun\" was not found on PATH"))
        await host.target.shutdown()
    }

    @Test("a working directory that does not exist is reported")
    func missingWorkingDir() async throws {
        var options = HostTargetOptions()
        options.backoffBase = .milliseconds(10)
        options.backoffLimit = .milliseconds(40)
        let host = try HostFixture(options: options)
        defer { host.remove() }
        let lost = processManifest("lost", ["command": ["sleep", "60"], "workingDir": "not-there"])
        try await host.apply(lost)
        #expect(await eventually { (try? await host.health(lost).status == .degraded) == true })
        #expect(try await host.health(lost).message.contains("the working directory \(host.path("not-there")) does not exist"))
        await host.target.shutdown()
    }

    @Test("a process Bosun does not supervise is Missing")
    func missing() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let status = await host.target.health(
            of: HostTarget.key(kind: "Process", name: "web"), live: nil, desired: nil, context: host.context)
        #expect(status.status == .missing)
    }
}

extension FileManager {
    /// The path with symlinks resolved (the temporary folder may be behind one).
    func resolvedPath(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }
}
