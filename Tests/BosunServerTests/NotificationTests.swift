import BosunCore
import BosunServer
import BosunTesting
import Foundation
import Hummingbird
import Testing

/// Notifications posted over real HTTP to a receiver on loopback, as a chat webhook gets them.
@Suite struct NotificationTests {
    /// A webhook endpoint that records what it is sent and fails the first `failures` posts.
    final class Receiver: Sendable {
        let received = LockedBox<[(path: String, body: JSONValue)]>([])
        let attempts = LockedBox(0)
        let failures: Int

        init(failures: Int = 0) { self.failures = failures }

        func bodies(_ path: String) -> [JSONValue] { received.get().filter { $0.path == path }.map(\.body) }

        func run<T: Sendable>(_ body: @Sendable (_ base: String) async throws -> T) async throws -> T {
            let router = Router()
            router.post("/hooks/:name") { request, context in
                let data = try await request.body.collect(upTo: 1 << 20)
                let attempt = self.attempts.update { n -> Int in
                    n += 1
                    return n
                }
                if attempt <= self.failures { return Response(status: .internalServerError) }
                let value = try JSONParser.parse(String(buffer: data))
                let path = "/hooks/\(try context.parameters.require("name"))"
                self.received.update { $0.append((path, value)) }
                return Response(status: .ok)
            }
            return try await LiveServer.run({ onRunning in
                Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                            onServerRunning: { await onRunning($0.localAddress?.port ?? 0) })
            }) { port in try await body("http://127.0.0.1:\(port)") }
        }
    }

    static var fastRetries: NotificationOptions {
        var options = NotificationOptions()
        options.backoff = .milliseconds(50)
        options.maxBackoff = .milliseconds(200)
        return options
    }

    @Test func syncOutcomesReachJSONAndSlackDestinationsWithRetries() async throws {
        let receiver = Receiver(failures: 2)
        try await receiver.run { base in
            let h = try await ServerHarness(
                apps: [("shop", "repo", "main"), ("quiet", "repo", "main")],
                notifications: [
                    NotificationSpec(name: "ops", urlEnv: "OPS_HOOK_URL", format: .json, events: [.syncSucceeded, .syncFailed], applications: ["shop"]),
                    NotificationSpec(name: "chat", url: base + "/hooks/chat", format: .slack, events: [.syncFailed]),
                ],
                environment: ["OPS_HOOK_URL": base + "/hooks/ops"])
            defer { Task { await h.cleanup() } }
            let notifier = Notifier(engine: h.engine, environment: ["OPS_HOOK_URL": base + "/hooks/ops"], options: Self.fastRetries)
            let running = Task { try await notifier.run() }
            defer { running.cancel() }
            try await Task.sleep(for: .milliseconds(100))  // subscribed before the first sync
            try await h.engine.start()
            try await h.waitForSyncs(1, app: "shop")

            // Two failed posts, then the third try lands.
            try await eventually("the success notification") { !receiver.bodies("/hooks/ops").isEmpty }
            let success = try #require(receiver.bodies("/hooks/ops").first)
            #expect(success["event"]?.stringValue == "syncSucceeded")
            #expect(success["application"]?.stringValue == "shop")
            #expect(success["revision"]?.stringValue == (try h.repo().head()))
            #expect(success["subject"]?.stringValue == "first")
            #expect(receiver.attempts.get() >= 3)

            // A failure goes to both; "quiet" is not among ops' applications.
            let key = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "shop")
            await h.target.setFailure(key, TargetError(.invalid, "admission webhook denied the request"))
            try h.repo().commit(files: ["shop/cm.yaml": ServerHarness.configMap("shop", data: "v2")], message: "break it")
            try await h.engine.refresh("shop")
            try await eventually("the failure, twice") {
                receiver.bodies("/hooks/chat").count == 1 && receiver.bodies("/hooks/ops").count == 2
            }
            let slack = try #require(receiver.bodies("/hooks/chat").first)
            #expect(slack["text"]?.stringValue?.contains("*shop: sync failed*") == true)
            #expect(slack["text"]?.stringValue?.contains("admission webhook denied") == true)
            #expect(slack["attachments"]?.arrayValue?.first?["color"]?.stringValue == "#e01e5a")
            #expect(receiver.bodies("/hooks/ops").last?["event"]?.stringValue == "syncFailed")
            #expect(receiver.bodies("/hooks/ops").allSatisfy { $0["application"]?.stringValue == "shop" })
        }
    }

    @Test func driftRollbacksAndDegradedHealthAreNotifiedToo() async throws {
        let receiver = Receiver()
        try await receiver.run { base in
            let h = try await ServerHarness(
                apps: [("drifty", "repo", "main")],
                notifications: [NotificationSpec(name: "all", url: base + "/hooks/all", events: [.driftDetected, .rolledBack, .healthDegraded])])
            defer { Task { await h.cleanup() } }
            let notifier = Notifier(engine: h.engine, environment: [:], options: Self.fastRetries)
            let running = Task { try await notifier.run() }
            defer { running.cancel() }
            try await Task.sleep(for: .milliseconds(100))
            try await h.engine.start()
            try await h.waitForSyncs(1, app: "drifty")
            try h.repo().commit(files: ["drifty/cm.yaml": ServerHarness.configMap("drifty", data: "v2")], message: "second")
            try await h.engine.refresh("drifty")
            try await h.waitForSyncs(2, app: "drifty")
            // Drift is reported against a synced application: wait for the look after the sync.
            try await eventually("drifty synced") { try await h.engine.status("drifty").sync.status == .synced }

            let key = ResourceKey(group: "", kind: "ConfigMap", namespace: "demo", name: "drifty")
            await h.target.edit(key) { $0.body["data"] = ["k": "by hand"] }
            try await eventually("drift") { receiver.bodies("/hooks/all").contains { $0["event"]?.stringValue == "driftDetected" } }

            _ = try await h.engine.rollback("drifty", to: nil)
            try await eventually("rolled back") { receiver.bodies("/hooks/all").contains { $0["event"]?.stringValue == "rolledBack" } }
            try await eventually("healthy after the rollback") { try await h.engine.status("drifty").health.status == .healthy }

            await h.target.setHealth(key, .degraded("CrashLoopBackOff"))
            await h.target.edit(key) { $0.body["data"] = ["k": "again"] }
            try await eventually("degraded") { receiver.bodies("/hooks/all").contains { $0["event"]?.stringValue == "healthDegraded" } }
            // Only what was asked for: no plain successes.
            #expect(!receiver.bodies("/hooks/all").contains { $0["event"]?.stringValue == "syncSucceeded" })
        }
    }
}
