import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunHost

@Suite("Bringing processes back after Bosun restarts")
struct RecoveryTests {
    @Test("after a crash, the next Bosun stops the leftovers and starts the processes again")
    func afterCrash() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try await host.target.start()
        try await host.apply(processManifest("web", ["command": shell("sleep 60 & echo $! > child.pid; wait")]))
        #expect(await eventually { (try? String(contentsOfFile: host.path("child.pid"), encoding: .utf8))?.hasSuffix("\n") == true })
        let oldPid = try #require(try await host.pid("web"))
        let oldChild = try #require(Int32(try String(contentsOfFile: host.path("child.pid"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))

        // Bosun "crashes": it stops supervising without stopping anything.
        await host.target.simulateCrash()
        #expect(isRunning(oldPid))

        let second = try host.sibling()
        let recorder = ChangeRecorder(second)
        try await second.start()

        #expect(!isRunning(oldPid))
        #expect(await eventually(seconds: 5) { !isRunning(oldChild) })
        #expect(await eventually { recorder.contains("restarted process web after Bosun restart") })
        let newPid = try #require(try await host.pid("web", on: second))
        #expect(newPid != oldPid)
        #expect(isRunning(newPid))
        await second.shutdown()
        #expect(!isRunning(newPid))
    }

    @Test("after a clean shutdown, the next start brings the processes back")
    func afterShutdown() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try await host.target.start()
        try await host.apply(processManifest("web", ["command": ["sleep", "60"], "env": ["MARK": "kept"]]))
        let oldPid = try #require(try await host.pid("web"))
        await host.target.shutdown()
        #expect(!isRunning(oldPid))

        let second = try host.sibling()
        let recorder = ChangeRecorder(second)
        try await second.start()
        #expect(await eventually { recorder.contains("restarted process web after Bosun restart") })
        let live = try #require(try await host.live(HostTarget.key(kind: "Process", name: "web"), on: second))
        #expect(live["spec", "env"] == [["name": "MARK", "value": "kept"]])
        let newPid = try #require(live["status", "pid"]?.intValue.map { Int32($0) })
        #expect(isRunning(newPid))
        await second.shutdown()
    }

    @Test("a process that ended for good is shown as ended after a restart of Bosun, not run again")
    func finishedStaysFinished() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try await host.target.start()
        try await host.apply(processManifest("once", ["command": shell("echo ran >> runs.txt"), "restartPolicy": "Never"]))
        #expect(await eventually { (try? await host.status("once")?["phase"] == "Exited") == true })
        await host.target.shutdown()

        let second = try host.sibling()
        try await second.start()
        let status = try #require(try await host.status("once", on: second))
        #expect(status["phase"] == "Exited")
        #expect(status["pid"] == nil)
        #expect(try String(contentsOfFile: host.path("runs.txt"), encoding: .utf8) == "ran\n")

        // Applying it again runs it again.
        let prepared = try await second.prepare([processManifest("once", ["command": shell("echo ran >> runs.txt"), "restartPolicy": "Never"])], context: host.context)
        _ = try await second.apply(prepared[0], context: host.context, dryRun: false)
        #expect(await eventually { (try? String(contentsOfFile: host.path("runs.txt"), encoding: .utf8)) == "ran\nran\n" })
        await second.shutdown()
    }

    @Test("a recorded pid that now belongs to another program is left alone")
    func reusedPidNotKilled() async throws {
        let host = try HostFixture()
        defer { host.remove() }
        try await host.apply(processManifest("web", ["command": ["sleep", "60"]]))
        let bosunsPid = try #require(try await host.pid("web"))
        defer { kill(bosunsPid, SIGKILL) }
        await host.target.simulateCrash()
        usleep(30_000)  // start times count in clock ticks: make the stranger's differ

        // A stranger: its own process group, like a leader Bosun would have started, but a
        // different start time from the one recorded.
        let stranger = try startStranger()
        defer {
            kill(stranger, SIGKILL)
            var status: Int32 = 0
            waitpid(stranger, &status, 0)
        }
        try rewriteRecordedPid(in: host, to: stranger)

        let second = try host.sibling()
        try await second.start()
        #expect(isRunning(stranger))
        await second.shutdown()
        #expect(isRunning(stranger))
    }

    /// A `sleep` leading a process group of its own, not started by any host target.
    func startStranger() throws -> Int32 {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
        posix_spawnattr_setpgroup(&attributes, 0)
        let arguments: [UnsafeMutablePointer<CChar>?] = ["sleep", "60"].map { (text: String) in strdup(text) } + [nil]
        defer { for argument in arguments { free(argument) } }
        var pid: pid_t = 0
        let result = posix_spawnp(&pid, "sleep", nil, &attributes, arguments, environ)
        #expect(result == 0)
        #expect(ProcessTable.entry(pid)?.processGroup == pid)
        return pid
    }

    /// Points the recorded pid of `web` at `pid`, keeping the recorded start time (which is not `pid`'s).
    func rewriteRecordedPid(in host: HostFixture, to pid: Int32) throws {
        // One state file per application under the target's folder: find the one that runs web.
        let folder = host.target.stateDirectory + "/local"
        let path = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).map { folder + "/" + $0 }.first {
            (try? JSONDecoder().decode(HostState.self, from: Data(contentsOf: URL(fileURLWithPath: $0))))?.processes.contains { $0.name == "web" } == true
        })
        var state = try JSONDecoder().decode(HostState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        let index = try #require(state.processes.firstIndex { $0.name == "web" })
        #expect(state.processes[index].startTime != ProcessTable.entry(pid)?.startTime)
        state.processes[index].pid = pid
        try JSONEncoder().encode(state).write(to: URL(fileURLWithPath: path))
    }
}
