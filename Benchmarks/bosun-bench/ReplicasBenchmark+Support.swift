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

/// What the replicas benchmark shares: a real PostgreSQL with one database (and
/// `pg_stat_statements` when this PostgreSQL has it), one Kubernetes simulator, one repository
/// of `apps` applications.
final class Bench: Sendable {
    let server: PostgresServer
    let database: String
    let url: String
    let pgVersion: String
    /// Whether `pg_stat_statements` counts statements (else transactions are counted).
    let hasStatements: Bool
    let simulatorKind: String
    let kubeconfig: String
    let dir: TemporaryDirectory
    let repo: GitRepository
    private let child: SimulatorChild?
    private let inProcess: KubernetesSimulator?

    /// Synced and Healthy, as the owners publish statuses in `app_status`.
    static let syncedAndHealthy = "status::jsonb #>> '{sync,status}' = 'Synced' AND status::jsonb #>> '{health,status}' = 'Healthy'"

    private init(server: PostgresServer, database: String, pgVersion: String, hasStatements: Bool, child: SimulatorChild?,
                 inProcess: KubernetesSimulator?, kubeconfig: String, dir: TemporaryDirectory, repo: GitRepository) {
        self.server = server
        self.database = database
        url = server.url(database: database)
        self.pgVersion = pgVersion
        self.hasStatements = hasStatements
        self.child = child
        self.inProcess = inProcess
        simulatorKind = child == nil ? "in-process" : "executable"
        self.kubeconfig = kubeconfig
        self.dir = dir
        self.repo = repo
    }

    static func open(latencyMs: Int, apps: Int, objects: Int) async throws -> Bench {
        let server = try await PostgresServer.launch()
        // Statement counters need the library loaded at start: one restart before anything connects.
        var hasStatements = false
        do {
            try await server.sql("ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
            try await server.restart()
            hasStatements = true
        } catch {
            print("  (pg_stat_statements is not available: \(error); transactions are counted instead)")
        }
        let database = try await server.createDatabase()
        if hasStatements {
            do {
                try await server.sql("CREATE EXTENSION pg_stat_statements", database: database)
            } catch {
                hasStatements = false
                print("  (pg_stat_statements is not available: \(error); transactions are counted instead)")
            }
        }
        let version = (try? await server.sql("SHOW server_version", database: database))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"

        // The simulator executable beside bosun-bench when built (memory then is Bosun's alone), else in this process.
        var child: SimulatorChild?
        var inProcess: KubernetesSimulator?
        let simulatorURL: String
        if let executable = KubernetesBenchmark.sibling("kubernetes-simulator") {
            let started = try SimulatorChild(executable: executable, latencyMs: latencyMs)
            child = started
            simulatorURL = started.url
        } else {
            var options = SimulatorOptions()
            options.latencyMilliseconds = latencyMs
            options.controllerDelayMilliseconds = 100
            options.watchWindow = 100_000
            let started = try await KubernetesSimulator.start(options)
            inProcess = started
            simulatorURL = "http://127.0.0.1:\(started.port)"
        }
        let dir = try TemporaryDirectory(prefix: "bosun-bench-replicas")
        let kubeconfig = try KubernetesBenchmark.kubeconfig(server: simulatorURL, in: dir)
        let repo = try KubernetesBenchmark.repository(apps: apps, objects: objects)
        return Bench(server: server, database: database, pgVersion: version, hasStatements: hasStatements, child: child,
                     inProcess: inProcess, kubeconfig: kubeconfig, dir: dir, repo: repo)
    }

    func close() async {
        child?.stop()
        await inProcess?.stop()
        try? await server.stop()
        repo.remove()
        dir.remove()
    }

    // MARK: Reading the database (psql on the Unix socket)

    func scalar(_ statement: String) async throws -> String {
        try await server.sql(statement, database: database).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func int(_ statement: String) async throws -> Int {
        let text = try await scalar(statement)
        guard let value = Int(text) else { throw ValidationError("expected a number from \(statement.prefix(80)), got \(text.prefix(200))") }
        return value
    }

    /// Live leases per holder.
    func heldCounts() async throws -> [String: Int] {
        let text = try await scalar("SELECT holder, count(*) FROM leases WHERE expires_at > now() AND holder IS NOT NULL GROUP BY holder")
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|")
            if fields.count == 2, let n = Int(fields[1]) { counts[String(fields[0])] = n }
        }
        return counts
    }

    func owned(by replica: String) async throws -> [String] {
        try await scalar("SELECT app FROM leases WHERE holder = '\(replica)' AND expires_at > now() ORDER BY app")
            .split(separator: "\n").map(String.init)
    }

    /// Polls `done` until it holds, or fails after `deadline`.
    func waitUntil(deadline: Duration, every: Duration = .seconds(1), _ done: () async throws -> Bool) async throws {
        let end = ContinuousClock.now + deadline
        while try await !done() {
            guard ContinuousClock.now < end else { throw ValidationError("not done within \(deadline)") }
            try await Task.sleep(for: every)
        }
    }

    /// Waits until every application's owner published it Synced and Healthy, or until nothing
    /// more turned so for `stall`: the time of the last progress, and what is left with its holder.
    func waitForFleet(apps: Int, since start: ContinuousClock.Instant, stall: Duration = .seconds(45)) async throws
        -> (seconds: Double, stuck: [String: String])
    {
        var done = -1
        var progressAt = ContinuousClock.now
        while true {
            let count = try await int("SELECT count(*) FROM app_status WHERE \(Self.syncedAndHealthy)")
            if count != done {
                done = count
                progressAt = ContinuousClock.now
            }
            if count >= apps { return (ReplicasBenchmark.seconds(progressAt - start), [:]) }
            if ContinuousClock.now - progressAt > stall { break }
            try await Task.sleep(for: .seconds(1))
        }
        let text = try await scalar("""
            SELECT l.app, coalesce(l.holder, '') FROM leases l LEFT JOIN app_status s USING (app)
            WHERE s.app IS NULL OR NOT (\(Self.syncedAndHealthy))
            """)
        var stuck: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false)
            if fields.count == 2 { stuck[String(fields[0])] = String(fields[1]) }
        }
        return (ReplicasBenchmark.seconds(progressAt - start), stuck)
    }

    /// The message of each application's last sync, counted (application names taken out).
    func lastSyncMessages(_ apps: [String]) async throws -> [(String, Int)] {
        guard !apps.isEmpty else { return [] }
        let list = "ARRAY[\(apps.map { "'\($0)'" }.joined(separator: ","))]::text[]"
        let text = try await scalar("""
            SELECT result || ': ' || left(regexp_replace(message, 'fleet-[0-9]+', 'APP', 'g'), 300), count(*) FROM (
                SELECT DISTINCT ON (app) app, result, message FROM syncs WHERE app = ANY(\(list)) ORDER BY app, id DESC) last
            GROUP BY 1 ORDER BY 2 DESC
            """)
        return text.split(separator: "\n").compactMap { line in
            guard let bar = line.lastIndex(of: "|"), let n = Int(line[line.index(after: bar)...]) else { return nil }
            return (String(line[..<bar]), n)
        }
    }

    // MARK: Counting statements

    var statementCounter: String {
        hasStatements ? "pg_stat_statements: every top-level statement, BEGIN/COMMIT included"
            : "pg_stat_database.xact_commit: committed transactions (a statement outside a transaction is one)"
    }

    /// Resets the counters; without `pg_stat_statements`, the transactions committed so far.
    func statementsStart() async throws -> Int {
        if hasStatements {
            try await server.sql("SELECT pg_stat_statements_reset()", database: database)
            return 0
        }
        return try await int("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
    }

    struct Counted {
        var total: Int
        /// Lease rounds run: calls of the round statement (heartbeat and renewal in one).
        var rounds: Int
        var roundRows: Double?
        var roundMs: Double?
        /// Status publishes (`INSERT INTO app_status`) and the rows they wrote.
        var publishes = 0
        var publishedRows = 0.0
        var lines: [String]
    }

    func statements(since start: Int) async throws -> Counted {
        guard hasStatements else {
            // Backends report their counts within about a second of going idle.
            try await Task.sleep(for: .seconds(2))
            let now = try await int("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")
            return Counted(total: now - start - 1, rounds: 0, lines: ["(rounds cannot be told apart without pg_stat_statements)"])
        }
        let text = try await scalar("""
            SELECT calls, rows, round(mean_exec_time::numeric, 3), regexp_replace(left(query, 90), '\\s+', ' ', 'g')
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND query NOT ILIKE '%pg_stat_statements%' ORDER BY calls DESC
            """)
        var counted = Counted(total: 0, rounds: 0, lines: [])
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4, let calls = Int(fields[0]), let rows = Double(fields[1]) else { continue }
            counted.total += calls
            if fields[3].contains("WITH heartbeat AS") {
                counted.rounds += calls
                counted.roundRows = rows / Double(max(1, calls))
                counted.roundMs = Double(fields[2])
            } else if fields[3].contains("INSERT INTO app_status") {
                counted.publishes += calls
                counted.publishedRows += rows
            }
            counted.lines.append("\(String(format: "%6d", calls)) calls  \(String(format: "%7.0f", rows)) rows  \(fields[3])")
        }
        return counted
    }
}

/// One engine in this process: its own config (the same shared part for every replica), data
/// and cache folders, target client to the simulator, and store (SQLite, or its own connection
/// pool to PostgreSQL with its lease book).
struct Node: Sendable {
    let name: String
    let engine: Engine
    let target: KubernetesTarget
    let store: PostgresStore?
    let leases: CrashableLeases?

    /// `store` nil: SQLite; `leased`: a replica with leases and fencing. `count` applications
    /// named `prefix-N`, in namespaces of the same names.
    init(bench: Bench, name: String, leased: Bool, prefix: String, count: Int, ha: String?, store url: String?) async throws {
        self.name = name
        let dir = bench.dir.appending(name)
        let file = try KubernetesBenchmark.writeConfig(apps: count, repo: bench.repo, kubeconfig: bench.kubeconfig, dir: dir, prefix: prefix,
                                                       extra: ha ?? "")
        let config = try ConfigLoader.load(file: file.path)
        let dataDir = config.dataDirectory
        guard let spec = config.targets.first else { throw ValidationError("no target in the generated config") }
        target = try KubernetesTargetFactory.makeTarget(spec, TargetEnvironment(dataDirectory: dataDir))
        let engineStore: any Store
        if let url {
            let book = leased ? LeaseBook(replica: name) : nil
            let postgres = try await PostgresStore.connect(try PostgresStore.Configuration(url: url), fencing: book,
                                                           logger: Logger(label: "bosun.store.\(name)"))
            store = postgres
            leases = book.map {
                CrashableLeases(PostgresLeases(store: postgres, book: $0, leaseDuration: config.ha.leaseDuration, renewEvery: config.ha.renewEvery))
            }
            engineStore = postgres
        } else {
            store = nil
            leases = nil
            engineStore = try SQLiteStore(path: dataDir.appendingPathComponent("bosun.sqlite").path)
        }
        engine = Engine(config: config, targets: ["sim": target], store: engineStore,
                        git: GitMirrors(root: dataDir.appendingPathComponent("git")),
                        renderCache: RenderCache(directory: dataDir.appendingPathComponent("cache/renders")),
                        renderer: Renderer(workDirectory: dataDir.appendingPathComponent("cache/work")), leases: leases)
    }

    /// A graceful stop (leases released), then the store's connections closed.
    func stop() async {
        await engine.stop()
        await store?.shutdown()
    }
}
