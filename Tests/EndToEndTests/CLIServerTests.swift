import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The CLI against a server that is not there, and against a sync that is in the way.
    @Suite(.serialized) struct CLIServerTests {
        @Test func aRefusedConnectionFailsAtOnceWithTheHint() async throws {
            let port = try freePort()
            let result = try await bosun("apps", "--server", "http://127.0.0.1:\(port)")
            #expect(result.status == 1)
            #expect(result.stderr.contains("cannot reach bosun at http://127.0.0.1:\(port)") && result.stderr.contains("start it with `bosun serve`"),
                    "\(result.stderr)")
            #expect(result.stderr.contains("refused"), "\(result.stderr)")
        }

        @Test func anUnansweredConnectionGivesUpAfterTheConnectTimeout() async throws {
            // A listener whose accept queue is full: the kernel drops further connection attempts,
            // as a firewall that drops packets would.
            let listener = try FullListener()
            defer { listener.close() }
            let result = try await bosun("apps", "--server", "http://127.0.0.1:\(listener.port)", "--connect-timeout", "1s")
            #expect(result.status == 1)
            #expect(result.stderr.contains("no answer within --connect-timeout 1s"), "\(result.stderr)")
            let bad = try await bosun("apps", "--server", "http://127.0.0.1:\(listener.port)", "--connect-timeout", "soon")
            #expect(bad.status != 0 && bad.stderr.contains("--connect-timeout soon"), "\(bad.stderr)")
        }

        @Test func terminateStopsARunningSyncAndWaitingCommandsGoOn() async throws {
            let setup = try HostLoopTests.Setup(healthTimeout: "5m", auto: false)
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            #expect(try await bosun("sync", "site", "--server", url).status == 0)
            let good = try setup.repo.head()
            try await setup.waitSynced(url, at: good)
            let idle = try await bosun("terminate", "site", "--server", url)
            #expect(idle.status == 1 && idle.stderr.contains("no sync of site is running"), "\(idle.stderr)")

            // A release whose web server never listens: its sync waits for health for minutes.
            try setup.repo.commit(files: ["app/web.yaml": HostLoopTests.Setup.web(port: setup.port, command: "[sleep, \"600\"]")],
                                  message: "never ready")
            let follower = try backgroundBosun("sync", "site", "--server", url)
            try await eventually("the sync waits for health", seconds: 60) {
                try await setup.status(url)["operation"]?["message"]?.stringValue?.contains("waiting for health") == true
            }
            let syncID = try #require(try await setup.status(url)["operation"]?["syncID"]?.intValue)

            // Another sync is refused, naming the running one and the ways on.
            let refused = try await bosun("sync", "site", "--server", url)
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("sync #\(syncID) of site is running; add --wait to sync once it ends, or stop it with `bosun terminate site`"),
                    "\(refused.stderr)")
            let rollback = try backgroundBosun("rollback", "site", "--to", good, "--wait", "--server", url)
            try await eventually("the rollback waits") {
                rollback.output.get().contains("waiting for sync #\(syncID) of site to end")
            }

            let terminate = try await bosun("terminate", "site", "--server", url)
            #expect(terminate.status == 0, "\(terminate.stderr)")
            #expect(terminate.stdout.contains("sync #\(syncID) Terminated"), "\(terminate.stdout)")
            #expect(try await follower.exitStatus() == 1)
            #expect(follower.output.get().contains("sync #\(syncID) Terminated"), "\(follower.output.get())")
            #expect(try await rollback.exitStatus() == 0, "\(rollback.output.get())")

            let history = try await setup.history(url)
            let terminated = try #require(history.first { $0["id"]?.intValue == syncID })
            #expect(terminated["result"] == "Terminated")
            #expect(terminated["message"]?.stringValue?.contains("terminated by") == true)
            #expect(history[0]["trigger"] == "rollback" && history[0]["result"] == "Succeeded" && history[0]["revision"]?.stringValue == good)
            #expect(!history.contains { $0["trigger"] == "autoRollback" })
            let events = try await bosun("events", "site", "--server", url, "-o", "json").stdout
            #expect(events.contains("SyncTerminated"))
        }
    }
}

/// A TCP listener on loopback that never accepts, with its accept queue filled.
struct FullListener {
    let fd: Int32
    let port: Int
    private let held: [Int32]

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        listen(fd, 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        var clients: [Int32] = []
        for _ in 0..<3 {
            let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            _ = fcntl(client, F_SETFL, fcntl(client, F_GETFL) | O_NONBLOCK)
            _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            clients.append(client)
        }
        held = clients
        Thread.sleep(forTimeInterval: 0.2)
    }

    func close() {
        for client in held { _ = Glibc.close(client) }
        _ = Glibc.close(fd)
    }
}
