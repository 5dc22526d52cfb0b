import BosunCore
import BosunTesting
import Foundation
import Testing

/// Several `bosun serve` replicas on one real PostgreSQL (issue 17), on the Kubernetes
/// simulator: applications spread over the live replicas, a killed replica's applications move,
/// a replica paused past its lease changes nothing more, and any replica answers the API.
extension EndToEnd {
    @Suite struct ReplicaTests {
        @Test func applicationsSpreadOverThreeReplicasAndMoveWhenOneIsKilled() async throws {
            let fleet = try await ReplicaFleet(apps: 60, replicas: ["r1", "r2", "r3"], hostReplica: "r3")
            defer { fleet.remove() }
            let first = try fleet.commitAll(version: "1")
            try await fleet.startAll()
            try await fleet.waitAllSynced(at: first, via: "r2")

            // Each application is held by exactly one replica, and none holds more than 1.25 × its
            // share; the host target's application by its machine's replica only.
            let held = try await fleet.heldByReplica(via: "r1")
            #expect(held.values.flatMap { $0 }.sorted() == (fleet.appNames + ["pinned"]).sorted())
            #expect(held["r3"]?.contains("pinned") == true)
            for (replica, apps) in held { #expect(apps.filter { $0 != "pinned" }.count <= 25, "\(replica) holds \(apps.count) of 60") }
            #expect(held.count == 3)
            #expect(try String(contentsOfFile: fleet.hostFile, encoding: .utf8) == "version 1")

            // SIGKILL the machine's replica and push a commit while it is down: the others take
            // its applications over without a person and deploy the commit; the host target's
            // application waits for its machine, shown as owned by nobody.
            let victim = "r3"
            fleet.serve[victim]?.stop(signal: SIGKILL)
            let second = try fleet.commitAll(version: "2")
            let survivor = "r1"
            try await fleet.waitAllSynced(at: second, via: survivor, seconds: 180, skipPinned: true)
            let pinned = try await fleet.status("pinned", via: survivor)
            #expect(pinned["condition"]?["type"] == "Unowned", "\(pinned)")
            #expect(pinned["replica"] == nil)
            #expect(try String(contentsOfFile: fleet.hostFile, encoding: .utf8) == "version 1")
            for app in fleet.appNames {
                #expect(try await fleet.cluster.kubectl(["get", "configmap", "config", "-n", fleet.namespace(app), "-o", "jsonpath={.data.version}"]) == "2")
            }
            let after = try await fleet.replicas(via: survivor)
            let dead = after.first { $0["name"]?.stringValue == victim }
            #expect(dead?["alive"]?.boolValue == false)
            #expect(dead?["applications"]?.arrayValue?.isEmpty == true)
            let moved = try await fleet.heldByReplica(via: survivor)
            #expect(moved[victim] == nil)
            #expect(moved.values.map(\.count).reduce(0, +) == 60)

            // Back on its machine, the replica takes its application again and deploys what it missed.
            try fleet.start(victim)
            try await fleet.serve[victim]?.waitUntilServing()
            try await eventually("the pinned application synced at \(second.prefix(7)) on \(victim)") {
                (try? String(contentsOfFile: fleet.hostFile, encoding: .utf8)) == "version 2"
            }
            #expect(try await fleet.status("pinned", via: "r2")["replica"]?.stringValue == victim)

            // Sync ids are unique across replicas, and every application's history is in order.
            var ids: [Int] = []
            for app in fleet.appNames.prefix(20) {
                let history = try await Reported.history(fleet.url(survivor), app)
                let appIDs = history.compactMap { $0["id"]?.intValue }
                #expect(appIDs == appIDs.sorted(by: >), "\(app): \(appIDs)")
                ids += appIDs
            }
            #expect(Set(ids).count == ids.count)
        }

        @Test func aReplicaPausedPastItsLeaseChangesNothingMore() async throws {
            // Rollouts take 4 s: long enough to freeze the owner while it waits for health.
            let fleet = try await ReplicaFleet(apps: 1, replicas: ["p1", "p2"], controllerDelayMs: 4000)
            defer { fleet.remove() }
            let app = fleet.appNames[0]
            let ns = fleet.namespace(app)
            let first = try fleet.commitAll(version: "1", slowDeployment: true)
            try await fleet.startAll()
            try await fleet.waitAllSynced(at: first, via: "p1")

            // The next commit's sync: the Deployment rolls out (wave 0), then the ConfigMap (wave 1).
            let second = try fleet.commitAll(version: "2", slowDeployment: true)
            // The replica that runs the sync publishes it, under its own name.
            var syncing: String?
            try await eventually("a replica waits for the rollout of \(second.prefix(7))") {
                let status = try await fleet.status(app, via: "p1")
                guard status["sync"]?["targetRevision"]?.stringValue == second, status["operation"]?["wave"]?.intValue == 0 else { return false }
                syncing = status["replica"]?.stringValue
                return syncing != nil
            }
            let owner = try #require(syncing)
            let other = fleet.names.first { $0 != owner } ?? "p1"
            let frozen = try #require(fleet.serve[owner])
            kill(frozen.process.processIdentifier, SIGSTOP)

            // While it is frozen past its lease, the other replica takes the application and
            // deploys a newer commit.
            let third = try fleet.commitAll(version: "3", slowDeployment: true)
            try await fleet.waitAllSynced(at: third, via: other, seconds: 120)
            #expect(try await fleet.cluster.kubectl(["get", "configmap", "config", "-n", ns, "-o", "jsonpath={.data.version}"]) == "3")

            // Woken, the frozen replica finds its lease gone: its sync of the second commit must
            // not apply the ConfigMap of version 2, nor record anything as its own.
            kill(frozen.process.processIdentifier, SIGCONT)
            do {
                try await eventually("the woken replica reports its lost lease") { frozen.output.get().contains("LeasesLost") }
            } catch {
                Issue.record("the woken replica said:\n\(frozen.output.get().suffix(6000))")
                throw error
            }
            try await Task.sleep(for: .seconds(6))
            #expect(try await fleet.cluster.kubectl(["get", "configmap", "config", "-n", ns, "-o", "jsonpath={.data.version}"]) == "3")

            let history = try await Reported.history(fleet.url(other), app)
            let byRevision = Dictionary(grouping: history) { $0["revision"]?.stringValue ?? "" }
            // The cut-off sync stays Interrupted (the new owner marked it; the old one may not finish it).
            #expect(byRevision[second]?.map { $0["result"]?.stringValue } == ["Interrupted"], "\(history)")
            #expect(byRevision[third]?.filter { $0["result"] == "Succeeded" }.count == 1, "\(history)")
            let ids = history.compactMap { $0["id"]?.intValue }
            #expect(Set(ids).count == ids.count)
            #expect(ids == ids.sorted(by: >))
            let detail = try await Reported.sync(fleet.url(other), app, id: byRevision[second]?.first?["id"]?.intValue ?? 0)
            // Nothing of wave 1 was recorded for the cut-off sync.
            #expect(detail["resources"]?.arrayValue?.contains { $0["key"]?.stringValue?.contains("ConfigMap") == true } != true, "\(detail)")

            // Any replica answers for an application another owns: a sync through the woken one runs on the owner.
            try await eventually("the woken replica is alive again") {
                try await fleet.replicas(via: other).first { $0["name"]?.stringValue == owner }?["alive"]?.boolValue == true
            }
            let sync = try await bosun("sync", app, "--server", fleet.url(owner), "--wait")
            #expect(sync.status == 0, "\(sync.stdout)\(sync.stderr)")
        }

        @Test func replicasRideOutARestartOfPostgreSQL() async throws {
            let fleet = try await ReplicaFleet(apps: 6, replicas: ["q1", "q2"], ownServer: true)
            defer { fleet.remove() }
            let first = try fleet.commitAll(version: "1")
            try await fleet.startAll()
            try await fleet.waitAllSynced(at: first, via: "q1")
            let before = try await fleet.server.sql("SELECT count(*) FROM syncs", database: fleet.database)

            try await fleet.server.restart()
            let second = try fleet.commitAll(version: "2")
            try await fleet.waitAllSynced(at: second, via: "q2", seconds: 180)
            // Both kept running: neither lost its applications for good, and every record is kept.
            let held = try await fleet.heldByReplica(via: "q1")
            #expect(held.values.map(\.count).reduce(0, +) == 6)
            let after = Int(try await fleet.server.sql("SELECT count(*) FROM syncs", database: fleet.database)
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            #expect(after >= (Int(before.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) + 6)
            for name in fleet.names { #expect(fleet.serve[name]?.process.isRunning == true) }

            // Two replicas whose shared configuration differs: both say so.
            let extra = """
                  - name: extra
                    source: { repository: deploy, revision: main, path: app01 }
                    destination: { target: cluster, namespace: \(fleet.namespace("extra")) }

                """
            _ = try fleet.dir.write("q2/bosun.yaml", fleet.config(listen: fleet.ports["q2"] ?? 0) + extra)
            try await eventually("both replicas report the configuration mismatch") {
                fleet.names.allSatisfy { fleet.serve[$0]?.output.get().contains("ConfigMismatch") == true }
            }
            let listed = try await fleet.replicas(via: "q1")
            #expect(Set(listed.compactMap { $0["configHash"]?.stringValue }).count == 2)

            // A second process under a live replica's name is refused before it does anything.
            let twin = try await bosun(["serve", "--config", fleet.dir.appending("q1/bosun.yaml").path, "--replica", "q1"],
                                       environment: ["BOSUN_DATABASE_URL": fleet.server.url(database: fleet.database)])
            #expect(twin.status != 0)
            #expect((twin.stdout + twin.stderr).contains("another `bosun serve` runs as replica q1"), "\(twin.stdout)\(twin.stderr)")
        }

        @Test func aDatabaseThatRefusesThePasswordIsNamedWithoutIt() async throws {
            let server = try await PostgresServer.shared()
            let database = try await server.createDatabase()
            let dir = try TemporaryDirectory(prefix: "bosun-replica-bad")
            defer { dir.remove() }
            let config = try dir.write("bosun.yaml", """
                apiVersion: bosun.dev/v1
                kind: Config
                server: { listen: "127.0.0.1:\(try freePort())" }
                store: { postgres: { urlEnv: BOSUN_DATABASE_URL } }
                targets: [{ name: local, type: host, replica: a }]
                """).path
            let url = "postgres://\(PostgresServer.user):not-the-password-4242@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
            let result = try await bosun(["serve", "--config", config, "--replica", "a"], environment: ["BOSUN_DATABASE_URL": url])
            #expect(result.status != 0)
            let said = result.stdout + result.stderr
            #expect(said.contains("127.0.0.1:\(server.port)"), "\(said)")
            #expect(said.contains(PostgresServer.user), "\(said)")
            #expect(!said.contains("not-the-password-4242"), "\(said)")

            let unset = try await bosun(["serve", "--config", config], environment: ["BOSUN_DATABASE_URL": ""])
            #expect(unset.status != 0)
            #expect((unset.stdout + unset.stderr).contains("BOSUN_DATABASE_URL"))
        }
    }
}

/// Replicas of one config on one database, with a Git repository of `apps` applications (a
/// ConfigMap each, and optionally a slow Deployment before it) on the Kubernetes simulator.
final class ReplicaFleet: @unchecked Sendable {
    let server: PostgresServer
    let ownServer: Bool
    let database: String
    let cluster: KubeCluster
    let repo: GitRepository
    let dir: TemporaryDirectory
    let names: [String]
    let appNames: [String]
    let ports: [String: Int]
    var serve: [String: Serve] = [:]
    private let suffix = UUID().uuidString.prefix(6).lowercased()

    /// The replica whose machine holds a host target with one application (`pinned`), if any.
    let hostReplica: String?

    init(apps: Int, replicas: [String], controllerDelayMs: Int = 300, ownServer: Bool = false, hostReplica: String? = nil) async throws {
        self.ownServer = ownServer
        self.hostReplica = hostReplica
        server = ownServer ? try await PostgresServer.launch() : try await PostgresServer.shared()
        database = try await server.createDatabase()
        cluster = try await KubeCluster(controllerDelayMs: controllerDelayMs)
        repo = try GitRepository()
        dir = try TemporaryDirectory(prefix: "bosun-replicas")
        names = replicas
        appNames = (1...apps).map { String(format: "app%02d", $0) }
        var ports: [String: Int] = [:]
        for name in replicas { ports[name] = try freePort() }
        self.ports = ports
    }

    func namespace(_ app: String) -> String { "r\(suffix)-\(app)" }
    func url(_ replica: String) -> String { "http://127.0.0.1:\(ports[replica] ?? 0)" }

    /// Commits every application's manifests at `version`; returns the commit.
    func commitAll(version: String, slowDeployment: Bool = false) throws -> String {
        var files: [String: String] = [:]
        for app in appNames {
            var manifest = KubeManifests.configMap("config", version: version, wave: slowDeployment ? 1 : nil)
            if slowDeployment { manifest = KubeManifests.deployment("web", wave: 0, version: version) + "\n---\n" + manifest }
            files["\(app)/all.yaml"] = manifest
        }
        files["pinned/page.yaml"] = """
            apiVersion: host.bosun.dev/v1
            kind: File
            metadata: { name: page }
            spec: { path: page.txt, content: "version \(version)" }
            """
        return try repo.commit(files: files, message: "version \(version)")
    }

    /// Starts every replica with the same config (its own data folder and port).
    func startAll() async throws {
        for name in names { try start(name) }
        for name in names { try await serve[name]?.waitUntilServing() }
    }

    func start(_ name: String) throws {
        let folder = dir.url.appendingPathComponent(name).path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let config = try dir.write("\(name)/bosun.yaml", config(listen: ports[name] ?? 0)).path
        serve[name] = try Serve(config: config, in: folder, environment: ["BOSUN_DATABASE_URL": server.url(database: database)],
                                       arguments: ["--replica", name])
    }

    /// What the pinned application wrote on its replica's machine.
    var hostFile: String { dir.url.appendingPathComponent("host/page.txt").path }

    func config(listen: Int) -> String {
        var text = """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: .bosun
            server: { listen: "127.0.0.1:\(listen)" }
            store: { postgres: { urlEnv: BOSUN_DATABASE_URL } }
            ha: { leaseDuration: 3s, renewEvery: 1s }
            targets:
              - { name: cluster, type: kubernetes, kubeconfig: "\(cluster.kubeconfig)", requestTimeout: 10s }
            \(hostReplica.map { "  - { name: machine, type: host, replica: \($0), root: \"\(dir.url.appendingPathComponent("host").path)\" }" } ?? "")
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repo.path) }]
            applications:

            """
        if hostReplica != nil {
            text += """
                  - name: pinned
                    source: { repository: deploy, revision: main, path: pinned }
                    destination: { target: machine }
                    sync: { auto: true, interval: 2s }

                """
        }
        for app in appNames {
            text += """
                  - name: \(app)
                    source: { repository: deploy, revision: main, path: \(app) }
                    destination: { target: cluster, namespace: \(namespace(app)) }
                    sync: { auto: true, prune: true, selfHeal: true, interval: 2s, createNamespace: true, healthTimeout: 60s, retry: { limit: 100, backoff: 1s, maxBackoff: 2s } }

                """
        }
        return text
    }

    func apps(via replica: String) async throws -> [JSONValue] { try await Reported.json(["apps"], url(replica)).arrayValue ?? [] }

    func status(_ app: String, via replica: String) async throws -> JSONValue { try await Reported.status(url(replica), app) }

    func replicas(via replica: String) async throws -> [JSONValue] { try await Reported.json(["replicas"], url(replica))["replicas"]?.arrayValue ?? [] }

    /// Live replicas and the applications each holds, as `bosun replicas` shows them.
    func heldByReplica(via replica: String) async throws -> [String: [String]] {
        var held: [String: [String]] = [:]
        for entry in try await replicas(via: replica) where entry["alive"]?.boolValue == true {
            held[entry["name"]?.stringValue ?? "?"] = entry["applications"]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        return held
    }

    /// Waits until every application is Synced and Healthy at `sha`, as one replica's API shows them all.
    func waitAllSynced(at sha: String, via replica: String, seconds: Double = 120, skipPinned: Bool = false) async throws {
        var last = ""
        do {
            try await eventually("\(appNames.count) applications Synced and Healthy at \(sha.prefix(7)) via \(replica)", seconds: seconds) {
                let apps = try await apps(via: replica).filter { $0["name"]?.stringValue != "pinned" || !skipPinned }
                let behind = apps.filter { $0["sync"]?["status"] != "Synced" || $0["sync"]?["revision"]?.stringValue != sha || $0["health"]?["status"] != "Healthy" }
                last = behind.prefix(5).map(Self.describe).joined(separator: "; ")
                return apps.count >= appNames.count && behind.isEmpty
            }
        } catch {
            var logs = ""
            for name in names {
                let output: String = serve[name]?.output.get() ?? ""
                logs += "--- \(name):\n\(output.suffix(3000))\n"
            }
            Issue.record("still behind: \(last)\n\(logs)")
            throw error
        }
    }

    static func describe(_ app: JSONValue) -> String {
        let name = app["name"]?.stringValue ?? "?"
        let sync = app["sync"]?["status"]?.stringValue ?? "?"
        let health = app["health"]?["status"]?.stringValue ?? "?"
        return "\(name) \(sync) \(health) on \(app["replica"]?.stringValue ?? "none")"
    }

    func remove() {
        for process in serve.values { process.stop(signal: SIGKILL) }
        cluster.stop()
        repo.remove()
        dir.remove()
        if ownServer {
            let server = server
            Task { try? await server.stop() }
        }
    }
}
