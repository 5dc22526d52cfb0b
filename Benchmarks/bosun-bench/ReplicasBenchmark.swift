import ArgumentParser
import BosunCore
import BosunEngine
import BosunGit
import BosunKubernetes
import BosunRender
import BosunStore
import BosunStorePostgres
import BosunTesting
import Foundation
import KubernetesSimulator
import Logging
import Synchronization

/// Replicas on a real PostgreSQL (issue 17): three engines in this process share one database and
/// one Kubernetes simulator, 1,000 applications × 20 objects spread over them. Figures: the fleet's
/// first sync; each replica's steady-state pass over its share next to one Bosun on SQLite over
/// the same number of applications; the statements an idle fleet sends per replica per lease
/// round (PostgreSQL's `pg_stat_statements`); a replica crashed (no graceful leave) and the time
/// until the others hold its applications and have looked at every one.
struct ReplicasBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicas", abstract: "Replicas on PostgreSQL: steady-state pass per replica, lease renewal statements, failover.")

    @Option(help: "Applications of the fleet.") var apps = 1000
    @Option(help: "Objects per application.") var objects = 20
    @Option(help: "Replicas.") var replicas = 3
    @Option(help: "Lease duration, in seconds.") var leaseSeconds = 6
    @Option(help: "Lease renewal interval, in seconds.") var renewSeconds = 2
    @Option(help: "Lease rounds of the idle window in which statements are counted.") var idleRounds = 10
    @Option(help: "Steady-state passes per engine (the figure is the fastest).") var passes = 3
    @Option(help: "Latency the simulator adds to every request, in milliseconds.") var latencyMs = 1

    func run() async throws {
        quietLogging()
        let share = max(1, apps / max(1, replicas))
        let bench = try await Bench.open(latencyMs: latencyMs, apps: apps, objects: objects)
        print("replicas: \(replicas) engines × \(apps) applications × \(objects) objects on PostgreSQL \(bench.pgVersion) (loopback) and the Kubernetes simulator (\(bench.simulatorKind), \(latencyMs) ms per request), \(ProcessInfo.processInfo.activeProcessorCount) cores")
        print("  leases: leaseDuration \(leaseSeconds)s, renewEvery \(renewSeconds)s")
        do {
            try await measureAll(bench, share: share)
        } catch {
            print("failed: \(error)")
        }
        await bench.close()
    }

    private func measureAll(_ bench: Bench, share: Int) async throws {
        // One Bosun alone over a replica's share, on SQLite (the default) and on PostgreSQL without
        // leases: the figures to compare with, and what the store alone changes.
        let singlePass = try await single(bench, share: share, postgres: false)
        let postgresPass = try await single(bench, share: share, postgres: true)
        figure("  / on SQLite", postgresPass / singlePass, "×")

        // The fleet: every replica its own store connection, leases, target client and folders.
        print("— \(replicas) replicas on PostgreSQL over \(apps) applications")
        let ha = "ha: { leaseDuration: \(leaseSeconds)s, renewEvery: \(renewSeconds)s }"
        var fleet: [Node] = []
        for r in 0..<replicas {
            fleet.append(try await Node(bench: bench, name: "replica-\(Character(UnicodeScalar(UInt8(97 + r % 26))))", leased: true, prefix: "fleet",
                                        count: apps, ha: ha, store: bench.url))
        }
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for node in fleet { group.addTask { try await node.engine.start() } }
            try await group.waitForAll()
        }
        let first = try await bench.waitForFleet(apps: apps, since: start)
        if first.stuck.isEmpty {
            figure("first sync of the fleet (every application Synced+Healthy)", first.seconds, "s")
        } else {
            // Not done by itself: say why, then do what a person would (sync them by hand) to go on.
            figure("first sync of the fleet STALLED: Synced+Healthy", Double(apps - first.stuck.count), "of \(apps)")
            figure("  last progress after", first.seconds, "s")
            for (reason, count) in try await bench.lastSyncMessages(Array(first.stuck.keys)) {
                print("    \(count) × \(reason)")
            }
            let (_, byHand) = try await measure {
                for (app, holder) in first.stuck {
                    _ = try? await fleet.first { $0.name == holder }?.engine.sync(app, SyncRequest())
                }
                _ = try await bench.waitForFleet(apps: apps, since: ContinuousClock.now, stall: .seconds(120))
            }
            figure("  then synced by hand (bosun sync) in", byHand, "s")
        }
        try await Task.sleep(for: .seconds(Double(renewSeconds) + 2))
        let held = try await bench.heldCounts()
        print("    leases held: \(fleet.map { "\($0.name): \(held[$0.name] ?? 0)" }.joined(separator: ", "))  (fair share \(share), at most 1.25× by the spread)")
        figure("  syncs recorded by the fleet's first sync", Double(try await bench.int("SELECT count(*) FROM syncs WHERE app LIKE 'fleet-%'")), "")

        // Steady state: one replica's pass at a time (the others idle, as on machines of their own).
        for node in fleet {
            let before = try await bench.statementsStart()
            let pass = await Self.fastestPass(node, passes: passes)
            let counted = try await bench.statements(since: before)
            let count = held[node.name] ?? 0
            let perApp = (pass.seconds / Double(max(1, count))) / (singlePass / Double(share))
            figure("\(node.name): steady-state pass over its \(count)", pass.seconds, "s")
            figure("  / one Bosun on SQLite over \(share) (per application: \(String(format: "%.2f", perApp))×)", pass.seconds / singlePass, "×", target: "≤ 1.20")
            figure("  / one Bosun on PostgreSQL without leases over \(share)", pass.seconds / postgresPass, "×")
            if pass.requests > 0 { figure("  API requests in those passes", Double(pass.requests), "", target: "0") }
            if bench.hasStatements {
                figure("  statements per pass (beside lease rounds and publishes)",
                       Double(counted.total - counted.rounds - counted.publishes) / Double(max(1, passes)), "")
            }
        }

        try await renewalCost(bench, fleet: fleet)
        try await failover(bench, fleet: fleet, share: share)

        HeapTrimmer.trimNow()
        figure("resident memory of this process (\(replicas) replicas\(bench.simulatorKind == "in-process" ? " and the simulator" : ""))", residentMiB(), "MiB")
        figure("peak resident memory", residentMiB(field: "VmHWM"), "MiB")
    }

    /// One Bosun without replicas over `share` applications: first sync, fastest steady-state pass.
    private func single(_ bench: Bench, share: Int, postgres: Bool) async throws -> Double {
        print("— one Bosun on \(postgres ? "PostgreSQL, without leases," : "SQLite") over \(share) applications")
        let node = try await Node(bench: bench, name: postgres ? "pg-single" : "single", leased: false, prefix: postgres ? "pg-single" : "single",
                                  count: share, ha: nil, store: postgres ? bench.url : nil)
        let (_, first) = try await measure {
            try await node.engine.start()
            while await node.engine.statuses().contains(where: { $0.sync.status != .synced || $0.health.status != .healthy }) {
                try await Task.sleep(for: .milliseconds(250))
            }
        }
        figure("first sync (setup)", first, "s")
        try await Task.sleep(for: .seconds(2))  // the first sync's status writes arrive as watch events
        let before = try await bench.statementsStart()
        let pass = await Self.fastestPass(node, passes: passes)
        let counted = try await bench.statements(since: before)
        figure("steady-state pass (fastest of \(max(1, passes)))", pass.seconds, "s")
        figure("  API requests in those passes", Double(pass.requests), "", target: "0")
        if postgres, bench.hasStatements { figure("  statements per pass", Double(counted.total) / Double(max(1, passes)), "") }
        let idle = try await Self.cpuSeconds(over: .seconds(renewSeconds * 3))
        figure("CPU while idle", idle * 100, "% of a core")
        await node.stop()
        return pass.seconds
    }

    /// Statements an idle fleet sends: the counters of `pg_stat_statements` over `idleRounds`
    /// lease rounds (no sync runs, no status changes, so nothing is published).
    private func renewalCost(_ bench: Bench, fleet: [Node]) async throws {
        let window = Duration.seconds(renewSeconds * idleRounds)
        print("— idle fleet: statements over \(idleRounds) lease rounds (\(window)) — \(bench.statementCounter)")
        let before = try await bench.statementsStart()
        let cpu = try await Self.cpuSeconds(over: window)
        let counted = try await bench.statements(since: before)
        // Without pg_stat_statements the rounds cannot be counted: those the timers should have run.
        let rounds = counted.rounds > 0 ? counted.rounds : idleRounds * fleet.count
        figure("lease rounds run (all replicas)", Double(rounds), "", target: "≈ \(idleRounds * fleet.count)")
        figure("statements sent (all replicas)", Double(counted.total), "")
        figure("statements per replica per round", Double(counted.total) / Double(max(1, rounds)), "", target: "≈ 1, not one per application")
        figure("CPU of this process while the fleet idles, per replica", cpu * 100 / Double(fleet.count), "% of a core")
        guard bench.hasStatements else { return }
        figure("  of them status publishes (an idle fleet has nothing new)", Double(counted.publishes) / Double(max(1, rounds)), "", target: "0")
        if counted.publishes > 0 {
            figure("    statuses written by those publishes, per replica per round", counted.publishedRows / Double(max(1, rounds)), "")
        }
        figure("  of them others than the round and publishes", Double(counted.total - rounds - counted.publishes) / Double(max(1, rounds)), "", target: "0")
        if let rows = counted.roundRows {
            figure("  rows the round statement touches per call", rows, "")
        }
        if let ms = counted.roundMs { figure("  time of the round statement in PostgreSQL (mean)", ms, "ms") }
        for line in counted.lines.prefix(8) { print("    \(line)") }
    }

    /// Crashes one replica (it stops renewing and never releases) and times the takeover.
    private func failover(_ bench: Bench, fleet: [Node], share: Int) async throws {
        guard fleet.count > 1, let victim = fleet.last, let crashable = victim.leases else { return }
        let owned = try await bench.owned(by: victim.name)
        print("— failover: \(victim.name) crashes holding \(owned.count) applications (lease \(leaseSeconds)s, renewal every \(renewSeconds)s)")
        let syncsBefore = try await bench.int("SELECT count(*) FROM syncs")
        let list = "ARRAY[\(owned.map { "'\($0)'" }.joined(separator: ","))]::text[]"
        let crashedAt = try await bench.scalar("SELECT extract(epoch FROM clock_timestamp())")
        let start = ContinuousClock.now
        // Like a killed process: no more statements, no release, no farewell heartbeat.
        crashable.crash()
        await victim.engine.stop()
        await victim.store?.shutdown()
        var takenAt: Double?
        var lookedAt: Double?
        try? await bench.waitUntil(deadline: .seconds(180), every: .milliseconds(250)) {
            let row = try await bench.scalar("""
                SELECT (SELECT count(*) FROM leases WHERE app = ANY(\(list)) AND holder <> '\(victim.name)' AND expires_at > now()) || ' ' ||
                (SELECT count(*) FROM app_status WHERE app = ANY(\(list)) AND replica <> '\(victim.name)'
                    AND updated_at > to_timestamp(\(crashedAt)) AND \(Bench.syncedAndHealthy))
                """).split(separator: " ").compactMap { Int($0) }
            let elapsed = Self.seconds(ContinuousClock.now - start)
            if takenAt == nil, row.first ?? 0 >= owned.count { takenAt = elapsed }
            if lookedAt == nil, row.last ?? 0 >= owned.count { lookedAt = elapsed }
            return takenAt != nil && lookedAt != nil
        }
        figure("every lease held by another replica after", takenAt ?? .nan, "s", target: "≈ lease + renewal")
        figure("first look by the new owners (Synced+Healthy) after", lookedAt ?? .nan, "s", target: "≤ 30 s")
        let held = try await bench.heldCounts()
        print("    leases held now: \(fleet.dropLast().map { "\($0.name): \(held[$0.name] ?? 0)" }.joined(separator: ", "))")
        figure("  syncs recorded during the failover", Double(try await bench.int("SELECT count(*) FROM syncs") - syncsBefore), "", target: "0 (nothing changed)")
        for node in fleet.dropLast() { await node.stop() }
    }

    static func fastestPass(_ node: Node, passes: Int) async -> (seconds: Double, requests: Int) {
        let before = node.target.client.metrics.snapshot
        var fastest = Double.infinity
        for _ in 0..<max(1, passes) {
            let (_, seconds) = await measure { await node.engine.pass() }
            fastest = min(fastest, seconds)
        }
        let after = node.target.client.metrics.snapshot
        return (fastest, after.values.reduce(0, +) - before.values.reduce(0, +))
    }

    /// CPU time (user + system) this process spends per second of `window`.
    static func cpuSeconds(over window: Duration) async throws -> Double {
        func now() -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }
        let before = now()
        try await Task.sleep(for: window)
        return (now() - before) / seconds(window)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}

/// Leases that can crash: from `crash()` on, nothing more reaches the database (no renewal, no
/// release, no farewell), as when the replica's process is killed.
final class CrashableLeases: ApplicationLeases {
    let base: PostgresLeases
    private let crashed = Mutex(false)

    init(_ base: PostgresLeases) { self.base = base }

    func crash() { crashed.withLock { $0 = true } }
    private var isCrashed: Bool { crashed.withLock { $0 } }
    private func alive() throws {
        if isCrashed { throw ValidationError("replica \(replica) crashed") }
    }

    var replica: String { base.replica }
    var renewEvery: Duration { base.renewEvery }
    func round(candidates: [LeaseCandidate], configHash: String, apiURL: String) async throws -> LeaseRound {
        try alive()
        return try await base.round(candidates: candidates, configHash: configHash, apiURL: apiURL)
    }
    func release(_ apps: Set<String>) async throws {
        try alive()
        try await base.release(apps)
    }
    func mayAct(for app: String) -> Bool { !isCrashed && base.mayAct(for: app) }
    func replicas() async throws -> [ReplicaInfo] { try await base.replicas() }
    func owners() async throws -> [String: String] { try await base.owners() }
    func leave() async {
        if !isCrashed { await base.leave() }
    }
    func publish(statuses: [String: String]) async throws {
        try alive()
        try await base.publish(statuses: statuses)
    }
    func publishedStatuses(_ apps: [String]?) async throws -> [String: PublishedStatus] { try await base.publishedStatuses(apps) }
    func send(_ message: ReplicaMessage) async throws {
        try alive()
        try await base.send(message)
    }
    func messages() -> AsyncStream<ReplicaMessage> { base.messages() }
}
