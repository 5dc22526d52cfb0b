import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// A flaky Kubernetes API during a sync, through the `bosun` binary against the simulator's
    /// fault injection: 500s, 429s with Retry-After, and requests that hang past the timeout.
    /// Bosun retries with backoff, never prunes after a partial failure, records the sync as
    /// Failed with the cause, and converges once the API heals.
    @Suite(.serialized) struct FaultTargetAPITests {
        /// cm-a in wave 0, cm-b in wave 1 (so its failure comes mid-sync), cm-c to be pruned later.
        static func files(_ version: String, withC: Bool = true) -> [String: String] {
            var files = ["app/cm-a.yaml": Reliability.configMap("cm-a", version), "app/cm-b.yaml": Reliability.configMap("cm-b", version, wave: 1)]
            if withC { files["app/cm-c.yaml"] = Reliability.configMap("cm-c", version) }
            return files
        }

        static let configMaps = "/api/v1/namespaces/shop/configmaps"

        func value(_ simulator: KubeCluster, _ name: String) async throws -> String? {
            try await simulator.get("\(Self.configMaps)/\(name)")?["data"]?["v"]?.stringValue
        }

        @Test("500s mid-sync: the sync fails with the cause, retries with backoff, prunes nothing, and converges once healed")
        func serverErrorsMidSync() async throws {
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(simulator: simulator, files: Self.files("1"))
            defer { setup.remove() }
            let serve = try await setup.serve()
            defer { serve.stop() }
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())

            // Every write of cm-b fails from now on; the next commit changes a and b and drops c.
            try await simulator.faults(#"{"errors":[{"status":500,"pathPrefix":"/api/v1/namespaces/shop/configmaps/cm-b","method":"PATCH"}]}"#)
            try setup.repo.remove("app/cm-c.yaml")
            let head = try setup.repo.commit(files: Self.files("2", withC: false), message: "second")
            try await eventually("two failed syncs of the new commit") {
                try await Reported.history(serve.url, "shop").filter { $0["revision"]?.stringValue == head && $0["result"] == "Failed" }.count >= 2
            }
            // The first attempt (history is newest first); later ones find cm-a already in place.
            let failed = try #require(try await Reported.history(serve.url, "shop").last { $0["result"] == "Failed" })
            let message = failed["message"]?.stringValue ?? ""
            #expect(message.contains("cm-b") && message.contains("500") && message.contains("gave up after 4 attempts"), "\(message)")
            let status = try await Reported.status(serve.url, "shop")
            #expect(status["condition"]?["type"] == "SyncError")
            #expect(status["sync"]?["status"] == "OutOfSync")

            // Wave 0 was applied, wave 1 failed, and nothing was pruned.
            let detail = try await Reported.sync(serve.url, "shop", id: try #require(failed["id"]?.intValue))
            let results = (detail["resources"]?.arrayValue ?? []).map { "\($0["key"]?.stringValue ?? "") \($0["result"]?.stringValue ?? "")" }
            #expect(results.contains("/ConfigMap/shop/cm-a Succeeded") && results.contains("/ConfigMap/shop/cm-b Failed"), "\(results)")
            #expect(!results.contains { $0.contains("Pruned") }, "\(results)")
            #expect(try await value(simulator, "cm-a") == "2")
            #expect(try await value(simulator, "cm-b") == "1")
            #expect(try await simulator.names(Self.configMaps).contains("cm-c"))
            #expect(try await simulator.injectedFaults() >= 8)

            // The API heals: the same commit goes through, prune included.
            try await simulator.heal()
            try await Reported.waitSynced(serve.url, "shop", at: head)
            #expect(try await value(simulator, "cm-b") == "2")
            #expect(try await !simulator.names(Self.configMaps).contains("cm-c"))
            let history = try await Reported.history(serve.url, "shop")
            #expect(history.first?["result"] == "Succeeded" && history.first?["revision"]?.stringValue == head)
            #expect(try await Reported.status(serve.url, "shop")["condition"] == nil)
            #expect(!history.contains { $0["result"] == "Running" })
        }

        @Test("429 with Retry-After and requests past the timeout: brief ones are waited out, lasting ones fail the sync until healed")
        func throttlingAndTimeouts() async throws {
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(simulator: simulator, files: Self.files("1"), target: ", requestTimeout: 1s")
            defer { setup.remove() }
            let serve = try await setup.serve()
            defer { serve.stop() }
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())

            // Two throttled writes and one that hangs past the timeout: retried within the sync, which succeeds.
            try await simulator.faults(#"{"errors":[{"status":429,"count":2,"retryAfterSeconds":1,"method":"PATCH"},{"status":null,"delayMs":2500,"count":1,"method":"PATCH"}]}"#)
            let second = try setup.repo.commit(files: Self.files("2"), message: "second")
            try await Reported.waitSynced(serve.url, "shop", at: second)
            #expect(try await simulator.injectedFaults() == 3)
            #expect(await !(try Reported.history(serve.url, "shop")).contains { $0["result"] == "Failed" })
            #expect(try await value(simulator, "cm-b") == "2")

            // Throttled for good: the sync fails naming the 429.
            try await simulator.faults(#"{"errors":[{"status":429,"retryAfterSeconds":1,"pathPrefix":"/api/v1/namespaces/shop/configmaps/cm-b","method":"PATCH"}]}"#)
            let third = try setup.repo.commit(files: Self.files("3"), message: "third")
            try await eventually("a failed sync naming the throttling") {
                try await Reported.history(serve.url, "shop").contains { $0["revision"]?.stringValue == third && $0["result"] == "Failed" && ($0["message"]?.stringValue ?? "").contains("429") }
            }
            try await simulator.heal()
            try await Reported.waitSynced(serve.url, "shop", at: third)

            // Hanging for good: the sync fails saying the server did not answer in time.
            try await simulator.faults(#"{"errors":[{"status":null,"delayMs":3000,"pathPrefix":"/api/v1/namespaces/shop/configmaps/cm-b","method":"PATCH"}]}"#)
            try setup.repo.remove("app/cm-c.yaml")
            let fourth = try setup.repo.commit(files: Self.files("4", withC: false), message: "fourth")
            try await eventually("a failed sync naming the timeout") {
                try await Reported.history(serve.url, "shop").contains {
                    $0["revision"]?.stringValue == fourth && $0["result"] == "Failed" && ($0["message"]?.stringValue ?? "").contains("did not answer")
                }
            }
            #expect(try await value(simulator, "cm-a") == "4")
            #expect(try await simulator.names(Self.configMaps).contains("cm-c"), "pruned after a failed sync")
            try await simulator.heal()
            try await Reported.waitSynced(serve.url, "shop", at: fourth)
            #expect(try await value(simulator, "cm-b") == "4")
            #expect(try await !simulator.names(Self.configMaps).contains("cm-c"))
        }
    }
}
