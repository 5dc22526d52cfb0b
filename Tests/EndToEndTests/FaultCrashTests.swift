import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// `bosun serve` killed with SIGKILL at random points of a sync, twenty times in a row, against
    /// the Kubernetes simulator (every request delayed, so a kill lands inside a sync and often
    /// between an apply and its record). After each restart the store is intact and the cut sync
    /// is `Interrupted`; at the end the inventory matches what exists, no resource a cut sync
    /// applied is applied again for the same commit, and the application converges.
    @Suite(.serialized) struct FaultCrashTests {
        static let names = (1...8).map { "cm-\($0)" }

        /// Eight ConfigMaps in two waves holding `version`, and one extra that comes and goes.
        static func files(_ version: Int) -> [String: String] {
            var files: [String: String] = [:]
            for (index, name) in names.enumerated() {
                files["app/\(name).yaml"] = Reliability.configMap(name, String(version), wave: index % 2)
            }
            files["app/extra-\(version % 2).yaml"] = Reliability.configMap("extra-\(version % 2)", String(version))
            return files
        }

        /// (result, revision) of a sync, from the store.
        static func sync(_ id: Int, in database: String) async throws -> (result: String, revision: String, message: String)? {
            guard let row = try await Reliability.sqlite(database, "SELECT result, revision, message FROM syncs WHERE id = \(id)").first, row.count >= 3 else { return nil }
            return (row[0], row[1], row[2...].joined(separator: "|"))
        }

        /// The id of the first sync started after `after` in the output of a `bosun serve`.
        static func syncStart(_ serve: Serve, after: Int) async throws -> Int {
            let regex = try NSRegularExpression(pattern: #"SyncStarted: sync (\d+) of"#)
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let text = serve.log
                for match in regex.matches(in: text, range: NSRange(text.startIndex..., in: text)) {
                    if let range = Range(match.range(at: 1), in: text), let id = Int(text[range]), id > after { return id }
                }
                try await Task.sleep(for: .milliseconds(10))
            }
            throw Shell.Failure(command: ["bosun", "serve"], status: -1, stdout: serve.log, stderr: "no sync started after \(after)")
        }

        @Test("twenty SIGKILLs mid-sync: store intact, cut syncs Interrupted, inventory true, nothing applied twice, converged")
        func killedTwentyTimes() async throws {
            let simulator = try await KubeCluster(controllerDelayMs: 200, arguments: ["--latency-ms", "120"])
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(simulator: simulator, files: Self.files(0), sync: ", maxPrunePercent: 100, force: true")
            defer { setup.remove() }
            var serve = try await setup.serve()
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head(), seconds: 120)

            var version = 0
            var cut: [Int] = []
            var lastSync = 1
            // Syncs that started while the test was still editing the cluster: the next sync may
            // rightly repair an object again that the test edited after the cut sync had applied it.
            var driftSyncs: Set<Int> = []
            var previousWasCut = true
            var random = SystemRandomNumberGenerator()
            for round in 1...20 {
                if round % 2 == 1 {
                    // A new commit: every ConfigMap changes, one extra is created and one pruned.
                    try setup.repo.remove("app/extra-\(version % 2).yaml")
                    version += 1
                    try setup.repo.commit(files: Self.files(version), message: "version \(version)")
                }
                let drifted = round % 2 == 0 && !previousWasCut
                if drifted {
                    // The last sync finished before the kill: drift, so there is a sync to cut.
                    for name in Self.names { try await simulator.patch("/api/v1/namespaces/shop/configmaps/\(name)", #"{"data":{"v":"drifted"}}"#) }
                }
                // Otherwise the restart resumes the commit the cut sync was applying.
                let id = try await Self.syncStart(serve, after: lastSync)
                if drifted { driftSyncs.insert(id) }
                try await Task.sleep(for: .milliseconds(Int.random(in: 0..<300, using: &random)))
                serve.stop(signal: SIGKILL)

                serve = try await setup.serve()
                // The store opens, is intact, and the sync that was cut is recorded as such.
                #expect(try await Reliability.sqlite(setup.database, "PRAGMA integrity_check").first == ["ok"], "round \(round)")
                let recorded = try #require(try await Self.sync(id, in: setup.database), "round \(round): sync \(id) is not in the store")
                #expect(["Interrupted", "Succeeded"].contains(recorded.result), "round \(round): sync \(id) is \(recorded.result): \(recorded.message)")
                previousWasCut = recorded.result == "Interrupted"
                if previousWasCut { cut.append(id) }
                lastSync = id
            }
            defer { serve.stop() }
            let head = try setup.repo.head()
            try await Reported.waitSynced(serve.url, "shop", at: head, seconds: 120)
            #expect(cut.count >= 8, "only \(cut.count) of 20 kills landed inside a sync")

            // Nothing Running, every cut sync Interrupted with its reason.
            let results = try await Reliability.sqlite(setup.database, "SELECT id, result, message FROM syncs ORDER BY id")
            #expect(!results.contains { $0[1] == "Running" })
            for id in cut {
                #expect(results.contains { $0[0] == String(id) && $0[1] == "Interrupted" && $0[2].contains("cut off") })
            }

            // The inventory is what exists, body for body.
            let live = try await simulator.get("/api/v1/namespaces/shop/configmaps?labelSelector=bosun.dev/app%3Dshop")?["items"]?.arrayValue ?? []
            var liveValues: [String: String] = [:]
            for item in live { liveValues["/ConfigMap/shop/\(item["metadata"]?["name"]?.stringValue ?? "")"] = item["data"]?["v"]?.stringValue }
            var inventory: [String: String] = [:]
            for row in try await Reliability.sqlite(setup.database, "SELECT key, body FROM inventory WHERE app = 'shop'") where row.count == 2 {
                inventory[row[0]] = try JSONParser.parse(row[1])["data"]?["v"]?.stringValue
            }
            #expect(inventory == liveValues)
            let expected = Set(Self.names + ["extra-\(version % 2)"]).map { "/ConfigMap/shop/\($0)" }
            #expect(Set(liveValues.keys) == Set(expected))
            #expect(liveValues.values.allSatisfy { $0 == String(version) }, "\(liveValues)")

            // What a cut sync applied is not applied again by the next sync of the same commit.
            var resumed = 0
            for id in cut {
                guard let revision = try await Self.sync(id, in: setup.database)?.revision,
                    let nextText = try await Reliability.sqlite(setup.database, "SELECT id FROM syncs WHERE app = 'shop' AND id > \(id) AND revision = '\(revision)' ORDER BY id LIMIT 1").first?.first,
                    let next = Int(nextText), !driftSyncs.contains(id)
                else { continue }
                resumed += 1
                let applied = await Set(try Reliability.sqlite(setup.database, "SELECT key FROM sync_resources WHERE sync_id = \(id) AND result IN ('Succeeded', 'Pruned')").map { $0[0] })
                let again = await Set(try Reliability.sqlite(setup.database, "SELECT key FROM sync_resources WHERE sync_id = \(next) AND result IN ('Succeeded', 'Pruned')").map { $0[0] })
                #expect(applied.intersection(again).isEmpty, "sync \(next) applied again what cut sync \(id) had applied: \(applied.intersection(again))")
            }
            #expect(resumed >= 2, "only \(resumed) cut syncs were resumed at the same commit")
            print("crash test: \(cut.count) of 20 kills cut a sync; \(resumed) cut syncs resumed at the same commit")
        }
    }
}
