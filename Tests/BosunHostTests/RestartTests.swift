import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunHost

@Suite("Host process restarts")
struct RestartTests {
    /// Short backoff, so crash loops form quickly in real time.
    static var quickOptions: HostTargetOptions {
        var options = HostTargetOptions()
        options.backoffBase = .milliseconds(10)
        options.backoffLimit = .milliseconds(80)
        return options
    }

    @Test("a crash loop is Degraded, with the last exit status and the tail of the log")
    func crashLoop() async throws {
        let host = try HostFixture(options: Self.quickOptions)
        defer { host.remove() }
        let recorder = ChangeRecorder(host.target)
        let broken = processManifest("broken", [
            "command": shell("echo starting up; echo 'fatal: cannot open config.yaml' >&2; exit 3"),
        ])
        try await host.apply(broken)
        #expect(await eventually { (try? await host.health(broken).status == .degraded) == true })
        let health = try await host.health(broken)
        #expect(health.message.contains("crash looping"))
        #expect(health.message.contains("exit status 3"))
        #expect(health.message.contains("fatal: cannot open config.yaml"))
        let restarts = try #require(try await host.status("broken")?["restarts"]?.intValue)
        #expect(restarts >= 3)
        #expect(recorder.contains("process broken exited (exit status 3); restarting in"))
        #expect(await eventually { recorder.contains("process broken restarted") })
        await host.target.shutdown()
    }

    @Test("the restart delay starts at 1 s and doubles up to 60 s")
    func backoffDoubles() async throws {
        let clock = ManualClock()
        var options = HostTargetOptions()
        options.clock = clock
        let host = try HostFixture(options: options)
        defer { host.remove() }
        try await host.apply(processManifest("flaky", ["command": ["false"]]))

        var seen: [Double] = []
        for restart in 1...8 {
            // Wait until the process has exited and the supervisor waits out its backoff.
            let waiting = await eventually {
                let status = try? await host.status("flaky")
                return status?["phase"] == "BackOff" && status?["restarts"]?.intValue == restart
            }
            #expect(waiting)
            let delay = try #require(try await host.status("flaky")?["backoffSeconds"]?.doubleValue)
            seen.append(delay)
            clock.advance(by: .milliseconds(Int64(delay * 1000)))
        }
        #expect(seen == [1, 2, 4, 8, 16, 32, 60, 60])
        await host.target.shutdown()
    }

    @Test("restartPolicy Never leaves an exited process Failed and Degraded, with its exit status")
    func neverRestarts() async throws {
        let host = try HostFixture(options: Self.quickOptions)
        defer { host.remove() }
        let once = processManifest("once", ["command": shell("echo done here; exit 4"), "restartPolicy": "Never"])
        try await host.apply(once)
        #expect(await eventually { (try? await host.status("once")?["phase"] == "Failed") == true })
        let health = try await host.health(once)
        #expect(health.status == .degraded)
        #expect(health.message.contains("exit status 4"))
        #expect(health.message.contains("done here"))
        #expect(try await host.status("once")?["restarts"] == 0)
    }

    @Test("restartPolicy OnFailure restarts after a failure but not after success")
    func onFailure() async throws {
        let host = try HostFixture(options: Self.quickOptions)
        defer { host.remove() }
        let succeeds = processManifest("job", ["command": ["true"], "restartPolicy": "OnFailure"])
        try await host.apply(succeeds)
        #expect(await eventually { (try? await host.status("job")?["phase"] == "Exited") == true })
        #expect(try await host.status("job")?["restarts"] == 0)
        #expect(try await host.status("job")?["lastExit"]?["exitCode"] == 0)

        let fails = processManifest("flaky", ["command": ["false"], "restartPolicy": "OnFailure"])
        try await host.apply(fails)
        #expect(await eventually { ((try? await host.status("flaky"))?["restarts"]?.intValue ?? 0) >= 2 })
        await host.target.shutdown()
    }

    @Test("a changed spec restarts the process: a new pid, the old one gone")
    func specChangeRestarts() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let recorder = ChangeRecorder(host.target)
        try await host.apply(processManifest("web", ["command": ["sleep", "60"], "env": ["VERSION": "1"]]))
        let first = try #require(try await host.pid("web"))

        // The same spec again changes nothing.
        try await host.apply(processManifest("web", ["command": ["sleep", "60"], "env": ["VERSION": "1"]]))
        #expect(try await host.pid("web") == first)

        let changed = try await host.apply(processManifest("web", ["command": ["sleep", "60"], "env": ["VERSION": "2"]]))
        let second = try #require(changed["status", "pid"]?.intValue.map { Int32($0) })
        #expect(second != first)
        #expect(!isRunning(first))
        #expect(isRunning(second))
        #expect(await eventually { recorder.contains("restarted process web because its spec changed") })
        await host.target.shutdown()
    }

    @Test("a change of a File in restartOn restarts the process, which then reads the new content")
    func restartOnFile() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let process = processManifest("web", ["command": shell("cat config.txt; exec sleep 60"), "restartOn": ["config"]])
        _ = try await host.prepareAndApply([fileManifest("config", path: "config.txt", content: "color=blue\n"), process])
        #expect(await eventually { host.log("web") == "color=blue\n" })
        let first = try #require(try await host.pid("web"))

        // Applying only the File (the Process did not change in Git) is enough.
        try await host.apply(fileManifest("config", path: "config.txt", content: "color=green\n"))
        #expect(await eventually { host.log("web") == "color=blue\ncolor=green\n" })
        let second = try #require(try await host.pid("web"))
        #expect(second != first)
        #expect(!isRunning(first))

        // Writing the same content again restarts nothing.
        try await host.apply(fileManifest("config", path: "config.txt", content: "color=green\n"))
        #expect(try await host.pid("web") == second)
        await host.target.shutdown()
    }
}
