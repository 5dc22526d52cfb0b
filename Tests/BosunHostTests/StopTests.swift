import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunHost

@Suite("Stopping host processes")
struct StopTests {
    @Test("the stop signal is the one the spec names")
    func stopSignalHonoured() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let web = processManifest("web", [
            "command": shell("trap 'echo got SIGUSR1; exit 0' USR1; echo up; while true; do sleep 0.05; done"),
            "stopSignal": "SIGUSR1",
        ])
        try await host.apply(web)
        #expect(await eventually { host.log("web").contains("up") })
        let pid = try #require(try await host.pid("web"))
        try await host.target.delete(web.key, context: host.context)
        #expect(host.log("web").contains("got SIGUSR1"))
        #expect(!isRunning(pid))
        #expect(try await host.live(web.key) == nil)
    }

    @Test("a process that ignores the stop signal is killed after stopTimeoutSeconds")
    func killAfterTimeout() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let stubborn = processManifest("stubborn", [
            "command": shell("trap '' TERM; echo ignoring TERM; while true; do sleep 0.05; done"),
            "stopTimeoutSeconds": 0.3,
        ])
        try await host.apply(stubborn)
        #expect(await eventually { host.log("stubborn").contains("ignoring TERM") })
        let pid = try #require(try await host.pid("stubborn"))
        try await host.target.delete(stubborn.key, context: host.context)
        #expect(!isRunning(pid))
    }

    @Test("stopping reaches the whole process group: a child of the child dies too")
    func groupKilled() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let parent = processManifest("parent", ["command": shell("sleep 60 & echo $! > child.pid; wait")])
        try await host.apply(parent)
        #expect(await eventually { (try? String(contentsOfFile: host.path("child.pid"), encoding: .utf8))?.hasSuffix("\n") == true })
        let child = try #require(Int32(try String(contentsOfFile: host.path("child.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(isRunning(child))
        try await host.target.delete(parent.key, context: host.context)
        #expect(await eventually(seconds: 5) { !isRunning(child) })
    }

    @Test("what a crashed process leaves in its group is stopped before it starts again")
    func leftoversOfACrashStopped() async throws {
        var options = HostTargetOptions()
        options.backoffBase = .milliseconds(10)
        let host = try HostFixture(options: options)
        defer { host.remove() }
        let leaky = processManifest("leaky", ["command": shell("sleep 60 & echo $! >> children.pid; sleep 0.2; exit 1")])
        try await host.apply(leaky)
        #expect(await eventually {
            ((try? String(contentsOfFile: host.path("children.pid"), encoding: .utf8)) ?? "").split(separator: "\n").count >= 2
        })
        let children = try String(contentsOfFile: host.path("children.pid"), encoding: .utf8).split(separator: "\n").compactMap { Int32($0) }
        #expect(await eventually(seconds: 5) { !isRunning(children[0]) })
        await host.target.shutdown()
    }

    @Test("shutdown stops every process, children included, and nothing is left running")
    func shutdownLeavesNothing() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        let recorder = ChangeRecorder(host.target)
        try await host.target.start()
        _ = try await host.prepareAndApply([
            processManifest("a", ["command": ["sleep", "60"]]),
            processManifest("b", ["command": shell("sleep 60 & echo $! > b-child.pid; wait")]),
            processManifest("c", ["command": shell("trap '' TERM; while true; do sleep 0.05; done"), "stopTimeoutSeconds": 0.3]),
        ])
        #expect(await eventually { FileManager.default.fileExists(atPath: host.path("b-child.pid")) })
        var pids: [Int32] = []
        for name in ["a", "b", "c"] { pids.append(try #require(try await host.pid(name))) }
        #expect(await eventually { (try? String(contentsOfFile: host.path("b-child.pid"), encoding: .utf8))?.hasSuffix("\n") == true })
        let child = try #require(Int32(try String(contentsOfFile: host.path("b-child.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        pids.append(child)

        await host.target.shutdown()
        for pid in pids { #expect(!isRunning(pid), "pid \(pid) still runs after shutdown") }
        _ = recorder
        let error = await #expect(throws: TargetError.self) {
            _ = try await host.target.apply(processManifest("d", ["command": ["sleep", "1"]]), context: host.context, dryRun: false)
        }
        #expect(error?.code == .transient)
    }
}
