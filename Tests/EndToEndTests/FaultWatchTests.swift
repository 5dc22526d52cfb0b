import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Watches that drop: the simulator closes every watch now and then keeps closing them after
    /// a second. Bosun's live cache lists again and watches again, so drift made by hand while the
    /// watches come and go is still found and healed, through the `bosun` binary.
    @Suite(.serialized) struct FaultWatchTests {
        @Test("watches closed again and again: drift is still found and healed")
        func droppedWatchesStillFindDrift() async throws {
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let files = Dictionary(uniqueKeysWithValues: (1...3).map { ("app/cm-\($0).yaml", Reliability.configMap("cm-\($0)", "git")) })
            let setup = try Reliability.KubeSetup(simulator: simulator, files: files, sync: ", force: true")
            defer { setup.remove() }
            let serve = try await setup.serve()
            defer { serve.stop() }
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())

            try await simulator.faults(#"{"dropWatches": true, "watchLifetimeSeconds": 1}"#)
            for round in 1...3 {
                try await Task.sleep(for: .milliseconds(1500))
                let name = "cm-\(round)"
                try await simulator.patch("/api/v1/namespaces/shop/configmaps/\(name)", #"{"data":{"v":"by hand \#(round)"}}"#)
                try await eventually("drift on \(name) healed while watches drop", seconds: 60) {
                    try await simulator.get("/api/v1/namespaces/shop/configmaps/\(name)")?["data"]?["v"]?.stringValue == "git"
                }
            }
            let events = try await bosun("events", "shop", "--server", serve.url).stdout
            #expect(events.contains("selfHeal") || events.contains("DriftDetected"), "\(events)")
            try await simulator.heal()
        }
    }
}
