import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The store's disk fills up, or another process locks the database, while `bosun serve`
    /// runs: the application shows a `StoreError` that says what is wrong, nothing is applied
    /// without being recorded, the SQLite file stays intact, and Bosun carries on by itself once
    /// space returns or the lock is released.
    @Suite(.serialized) struct FaultStoreTests {
        /// Whether this machine lets the test mount a small tmpfs (root in a sandbox that allows
        /// mounts). Without it the disk-full case is skipped; RELIABILITY.md says so.
        static let canMount: Bool = {
            guard getuid() == 0, let dir = try? TemporaryDirectory(prefix: "bosun-mountcheck") else { return false }
            defer { dir.remove() }
            guard (try? Shell.executeBlocking(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir.path]))?.status == 0 else { return false }
            _ = try? Shell.executeBlocking(["umount", dir.path])
            return true
        }()

        static func configMaps(_ version: Int) -> [String: String] {
            Dictionary(uniqueKeysWithValues: (1...4).map { ("app/cm-\($0).yaml", Reliability.configMap("cm-\($0)", "v\(version)")) })
        }

        /// Values of the application's ConfigMaps on the simulator.
        static func liveValues(_ simulator: KubeCluster) async throws -> Set<String> {
            var values: Set<String> = []
            for n in 1...4 { values.insert(try await simulator.get("/api/v1/namespaces/shop/configmaps/cm-\(n)")?["data"]?["v"]?.stringValue ?? "missing") }
            return values
        }

        /// Waits until the application shows a StoreError whose message contains `text`.
        static func waitStoreError(_ url: String, _ text: String) async throws -> String {
            var message = ""
            try await eventually("StoreError (\(text))", seconds: 90) {
                let condition = try await Reported.status(url, "shop")["condition"]
                message = condition?["message"]?.stringValue ?? ""
                return condition?["type"] == "StoreError" && message.contains(text)
            }
            return message
        }

        static func integrity(_ database: String) async throws -> [[String]] {
            try await Reliability.sqlite(database, "PRAGMA integrity_check")
        }

        @Test("a full disk under the store: a clear error, nothing applied unrecorded, no corruption, recovery when space returns",
              .enabled(if: canMount, "needs root and mount (tmpfs)"))
        func diskFull() async throws {
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(simulator: simulator, files: Self.configMaps(1))
            defer { setup.remove() }
            // The data directory on a 16 MB tmpfs; Git mirrors stay on the ordinary disk (a symlink),
            // so the fault hits the store alone.
            let data = setup.dir.appending(".bosun")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            try await Shell.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", data.path])
            defer { _ = try? Shell.executeBlocking(["umount", "-l", data.path]) }
            try FileManager.default.createDirectory(at: setup.dir.appending("git"), withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: data.appendingPathComponent("git").path, withDestinationPath: setup.dir.appending("git").path)

            let serve = try await setup.serve()
            defer { serve.stop() }
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())
            let syncsBefore = try await Reliability.sqlite(setup.database, "SELECT count(*) FROM syncs").first?.first

            // Fill the disk to the last byte, then push a commit.
            let filler = data.appendingPathComponent("filler").path
            _ = try await Shell.execute(["dd", "if=/dev/zero", "of=\(filler)", "bs=64k"])
            let second = try setup.repo.commit(files: Self.configMaps(2), message: "version two")
            let message = try await Self.waitStoreError(serve.url, "disk is full")
            #expect(message.contains("free space"), "\(message)")

            // Nothing was applied that the store could not record, and the file is intact.
            try await Task.sleep(for: .seconds(3))
            #expect(try await Self.liveValues(simulator) == ["v1"])
            #expect(try await Self.integrity(setup.database) == [["ok"]])
            #expect(try await Reliability.sqlite(setup.database, "SELECT count(*) FROM syncs").first?.first == syncsBefore)
            #expect(serve.child.isRunning, "bosun serve exited on a full disk")

            // Space returns: Bosun carries on where it stopped.
            try FileManager.default.removeItem(atPath: filler)
            try await Reported.waitSynced(serve.url, "shop", at: second, seconds: 90)
            #expect(try await Self.liveValues(simulator) == ["v2"])
            #expect(try await Reported.status(serve.url, "shop")["condition"]?["type"] != "StoreError")
            serve.stop()
            #expect(try await Self.integrity(setup.database) == [["ok"]])
            #expect(await !(try Reliability.sqlite(setup.database, "SELECT result FROM syncs").contains(["Running"])))
        }

        @Test("a database locked by another process: a clear error, nothing applied unrecorded, recovery when the lock goes")
        func databaseLocked() async throws {
            let simulator = try await KubeCluster(controllerDelayMs: 200)
            defer { simulator.stop() }
            let setup = try Reliability.KubeSetup(simulator: simulator, files: Self.configMaps(1))
            defer { setup.remove() }
            let serve = try await setup.serve()
            defer { serve.stop() }
            try await Reported.waitSynced(serve.url, "shop", at: try setup.repo.head())

            // A second process (SQLite through Python's sqlite3 module) holds an exclusive lock.
            let holder = try ChildProcess(["python3", "-u", "-c", """
                import sqlite3, sys, time
                db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
                db.execute("BEGIN EXCLUSIVE")
                print("LOCKED", flush=True)
                time.sleep(3600)
                """, setup.database])
            defer { holder.stop(signal: SIGKILL) }
            _ = try await holder.waitFor("LOCKED", seconds: 30)
            let second = try setup.repo.commit(files: Self.configMaps(2), message: "version two")
            let message = try await Self.waitStoreError(serve.url, "locked by another process")
            #expect(message.contains("second `bosun serve`"), "\(message)")
            #expect(try await Self.liveValues(simulator) == ["v1"])

            // The holder dies (as a crashed tool would): the lock goes and Bosun carries on.
            holder.stop(signal: SIGKILL)
            try await Reported.waitSynced(serve.url, "shop", at: second, seconds: 90)
            #expect(try await Self.liveValues(simulator) == ["v2"])
            serve.stop()
            #expect(try await Self.integrity(setup.database) == [["ok"]])
        }
    }
}
