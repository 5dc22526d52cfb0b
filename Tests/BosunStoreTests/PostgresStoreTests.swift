import BosunCore
import BosunStore
@testable import BosunStorePostgres
import BosunTesting
import Foundation
import Testing

/// What only the PostgreSQL store has: its URL, its connection errors, migrations shared by
/// replicas, fencing by leases, and a server that restarts under it.
@Suite("PostgreSQL store")
struct PostgresStoreTests {
    // MARK: Configuration

    @Test("the database URL: libpq's form, percent-decoded, the password never shown")
    func configurationURL() throws {
        let config = try PostgresStore.Configuration(url: "postgresql://b%40sun:p%3Ass%2Fw0rd@db.example:6432/bosun_prod?sslmode=verify-full")
        #expect(config.username == "b@sun" && config.password == "p:ss/w0rd")
        #expect(config.host == "db.example" && config.port == 6432 && config.database == "bosun_prod")
        #expect(config.tlsMode == .verifyFull)
        #expect(!config.description.contains("p:ss") && !config.description.contains("w0rd") && config.description.contains("***"))

        let defaults = try PostgresStore.Configuration(url: "postgres://bosun:pw@localhost/bosun")
        #expect(defaults.port == 5432 && defaults.tlsMode == .prefer)
        let ipv6 = try PostgresStore.Configuration(url: "postgres://bosun@[::1]:5433/db?sslmode=disable")
        #expect(ipv6.host == "::1" && ipv6.port == 5433 && ipv6.password == nil && ipv6.tlsMode == .disable)

        // Unescaped `@` and `/` in a password: the user information ends at the last `@`.
        let raw = try PostgresStore.Configuration(url: "postgres://bosun:p@ss/w@db/x")
        #expect(raw.password == "p@ss/w" && raw.host == "db" && raw.database == "x")

        for bad in [
            "postgres://bosun:hun/ter2@db:99999/x", "mysql://bosun:hunter2@db/x", "postgres://bosun:hunter2@db:notaport/x", "postgres://bosun:hunter2@db/x?sslmode=maybe",
            "postgres://bosun:hunter2@/x", "postgres://:hunter2@db/x", "postgres://bosun:hunter2@db/x?connect_timeout=3",
        ] {
            let error = #expect(throws: StoreError.self) { try PostgresStore.Configuration(url: bad) }
            let text = error.map { "\($0)" } ?? ""
            #expect(!text.contains("hunter2") && !text.contains("hun/ter2"), "\(text)")
            #expect(text.contains("***"), "\(text)")
        }
        #expect(throws: StoreError.self) {
            try PostgresStore.Configuration(url: "postgres://bosun:pw@db/x?sslmode=verify-full", caFile: "/nonexistent/ca.pem")
        }
    }

    // MARK: Connecting

    @Test("a wrong password fails at connect, naming host and user, never the password")
    func wrongPassword() async throws {
        let server = try await PostgresServer.shared()
        let database = try await server.createDatabase()
        let url = "postgres://\(PostgresServer.user):not-the-pw-42@127.0.0.1:\(server.port)/\(database)?sslmode=disable"
        let error = await #expect(throws: StoreError.self) {
            try await PostgresStore.connect(try PostgresStore.Configuration(url: url), logger: StoreFixture.quietLogger)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("127.0.0.1:\(server.port)/\(database)"), "\(text)")
        #expect(text.contains("authentication failed for user bosun"), "\(text)")
        #expect(!text.contains("not-the-pw-42"), "\(text)")
    }

    @Test("a host where nothing listens fails at connect: refused")
    func nothingListens() async throws {
        let port = try PostgresServer.freePort()
        let config = try PostgresStore.Configuration(url: "postgres://bosun:secret-pw@127.0.0.1:\(port)/bosun?sslmode=disable")
        let error = await #expect(throws: StoreError.self) {
            try await PostgresStore.connect(config, logger: StoreFixture.quietLogger)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("127.0.0.1:\(port)/bosun") && text.contains("refused"), "\(text)")
        #expect(!text.contains("secret-pw"), "\(text)")
    }

    // MARK: Migrations

    @Test("a database with a newer schema than this build knows is refused with what to do")
    func newerSchema() async throws {
        try await withFixture(.postgres) { fixture in
            _ = try await fixture.open()
            #expect(try await fixture.rows("SELECT max(version) FROM schema_migrations") == ["\(PostgresStore.newestVersion)"])
            try await fixture.rows("INSERT INTO schema_migrations (version, applied_at) VALUES (99, now())")
            let error = await #expect(throws: StoreError.self) { try await fixture.open() }
            let text = error?.message ?? ""
            let location = try fixture.configuration.location
            #expect(text.contains("the database at \(location) has schema version 99 but this Bosun knows only up to \(PostgresStore.newestVersion)"), "\(text)")
            #expect(text.contains("upgrade Bosun (or point it at another database)"), "\(text)")
        }
    }

    @Test("replicas that start at once migrate once and share one sealing key")
    func concurrentMigrations() async throws {
        try await withFixture(.postgres) { fixture in
            let config = try fixture.configuration
            let stores = try await withThrowingTaskGroup(of: PostgresStore.self) { group in
                for _ in 0..<3 { group.addTask { try await PostgresStore.connect(config, logger: StoreFixture.quietLogger) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            var keys: Set<[UInt8]> = []
            for store in stores {
                keys.insert(try await store.sealingKey())
                await store.shutdown()
            }
            #expect(keys.count == 1)
            #expect(try await fixture.rows("SELECT count(*) FROM schema_migrations") == ["\(PostgresStore.migrations.count)"])
        }
    }

    // MARK: Fencing

    /// A database with the lease of `app` held by `holder` at `epoch` (for an hour, or expired).
    private func lease(_ fixture: StoreFixture, app: String, holder: String, epoch: Int64, expired: Bool = false) async throws {
        let expiry = expired ? "now() - interval '1 second'" : "now() + interval '1 hour'"
        try await fixture.rows("""
            INSERT INTO leases (app, holder, epoch, expires_at) VALUES ('\(app)', '\(holder)', \(epoch), \(expiry))
            ON CONFLICT (app) DO UPDATE SET holder = EXCLUDED.holder, epoch = EXCLUDED.epoch, expires_at = EXCLUDED.expires_at
            """)
    }

    private func book(_ replica: String, _ leases: [String: Int64]) -> LeaseBook {
        let book = LeaseBook(replica: replica)
        book.replace(with: leases)
        return book
    }

    @Test("fencing: a replica without the lease begins no sync")
    func fencedBegin() async throws {
        try await withFixture(.postgres) { fixture in
            _ = try await fixture.open()  // migrated: the leases table exists
            try await lease(fixture, app: "web", holder: "r2", epoch: 3)
            try await lease(fixture, app: "api", holder: "r1", epoch: 1, expired: true)
            try await lease(fixture, app: "db", holder: "r1", epoch: 5)

            // Not in the book, held by another, expired, or at another epoch: refused.
            let store = try await fixture.open(fencing: book("r1", ["web": 3, "api": 1, "db": 4]))
            for app in ["nothing", "web", "api", "db"] {
                let error = await #expect(throws: StoreError.self) {
                    try await store.beginSync(app: app, trigger: .interval, revision: "r1", author: nil, subject: nil,
                                              dryRun: false, diff: "", sources: nil, at: at(1))
                }
                #expect(error?.leaseLost == true, "\(String(describing: error))")
                #expect(error?.message.contains("this replica (r1) no longer holds the lease of \(app)") == true)
                #expect(try await store.history(app: app, limit: 10).isEmpty)
            }
            // Refused writes of the application's other records too.
            await #expect(throws: StoreError.self) { try await store.setAppState("web", PersistedAppState(), at: at(1)) }
            await #expect(throws: StoreError.self) { try await store.setInventory(app: "web", resource: deployment("web"), revision: "r", at: at(1)) }
            await #expect(throws: StoreError.self) { try await store.forget(app: "web") }
            await #expect(throws: StoreError.self) {
                try await store.addEvent(EventRecord(time: at(1), app: "web", type: .normal, reason: "Synced", message: ""))
            }
            // Events of no application are nobody's.
            try await store.addEvent(EventRecord(time: at(1), app: nil, type: .normal, reason: "Started", message: ""))
            #expect(try await fixture.rows("SELECT count(*) FROM inventory") == ["0"])
        }
    }

    @Test("fencing: a sync begun at epoch 1 records nothing after another holder takes the lease at epoch 2")
    func fencedAfterTakeover() async throws {
        try await withFixture(.postgres) { fixture in
            _ = try await fixture.open()  // migrated: the leases table exists
            try await lease(fixture, app: "web", holder: "r1", epoch: 1)
            let store = try await fixture.open(fencing: book("r1", ["web": 1]))
            let id = try await store.beginSync(app: "web", trigger: .interval, revision: "r1", author: nil, subject: nil,
                                               dryRun: false, diff: "", sources: nil, at: at(1))
            #expect(try await fixture.rows("SELECT replica, epoch FROM syncs WHERE id = \(id)") == ["r1|1"])
            try await store.recordResult(syncID: id, ResourceResult(key: "apps/Deployment/default/web", action: "update", result: "Succeeded"))
            try await store.setAppState("web", PersistedAppState(), at: at(1))

            // The lease expires but nobody takes it: the epoch stands, results of started work are kept.
            try await lease(fixture, app: "web", holder: "r1", epoch: 1, expired: true)
            try await store.recordApplied(
                syncID: id, app: "web", ResourceResult(key: deployment("web").key.description, action: "create", result: "Succeeded"),
                applied: deployment("web"), removed: nil, revision: "r1", at: at(2))

            // Another replica takes it over.
            try await lease(fixture, app: "web", holder: "r2", epoch: 2)
            for write in [
                { try await store.recordResult(syncID: id, ResourceResult(key: "a/B/c/d", action: "update", result: "Succeeded")) },
                {
                    try await store.recordApplied(
                        syncID: id, app: "web", ResourceResult(key: "apps/Deployment/default/late", action: "create", result: "Succeeded"),
                        applied: deployment("late"), removed: nil, revision: "r1", at: at(3))
                },
                { try await store.finishSync(id: id, result: .succeeded, message: "", historyLimit: 10, at: at(4)) },
                { try await store.setAppState("web", PersistedAppState(), at: at(4)) },
            ] as [@Sendable () async throws -> Void] {
                let error = await #expect(throws: StoreError.self) { try await write() }
                #expect(error?.leaseLost == true, "\(String(describing: error))")
                #expect(error?.message.contains("lease of web moved on") == true || error?.message.contains("no longer holds") == true)
            }
            // Nothing of the refused writes landed.
            let detail = try #require(try await store.sync(id: id))
            #expect(detail.sync.result == .running)
            #expect(detail.resources.count == 2)
            #expect(try await store.inventory(app: "web").keys.map(\.name) == ["web"])
            // The new owner's store records on.
            let owner = try await fixture.open(fencing: book("r2", ["web": 2]))
            let next = try await owner.beginSync(app: "web", trigger: .interval, revision: "r2", author: nil, subject: nil,
                                                 dryRun: false, diff: "", sources: nil, at: at(5))
            try await owner.finishSync(id: next, result: .succeeded, message: "", historyLimit: 10, at: at(6))
            #expect(next > id)
        }
    }

    @Test("fencing: markInterruptedSyncs leaves another replica's running syncs alone")
    func fencedMarkInterrupted() async throws {
        try await withFixture(.postgres) { fixture in
            _ = try await fixture.open()  // migrated: the leases table exists
            try await lease(fixture, app: "web", holder: "r1", epoch: 1)
            try await lease(fixture, app: "api", holder: "r2", epoch: 1)
            let one = try await fixture.open(fencing: book("r1", ["web": 1]))
            let two = try await fixture.open(fencing: book("r2", ["api": 1]))
            let mine = try await one.beginSync(app: "web", trigger: .interval, revision: "r", author: nil, subject: nil,
                                               dryRun: false, diff: "", sources: nil, at: at(1))
            let theirs = try await two.beginSync(app: "api", trigger: .interval, revision: "r", author: nil, subject: nil,
                                                 dryRun: false, diff: "", sources: nil, at: at(1))
            let marked = try await one.markInterruptedSyncs(at: at(2))
            #expect(marked.map(\.id) == [mine])
            #expect(try await one.sync(id: theirs)?.sync.result == .running)
            #expect(try await one.sync(id: mine)?.sync.result == .interrupted)
        }
    }

    // MARK: Outages

    @Test("a server that stops answering: operations fail with a StoreError within the timeout, and work once it answers")
    func serverFrozen() async throws {
        let server = try await PostgresServer.launch()
        var frozen: [String] = []
        var store: PostgresStore?
        do {
            var config = try PostgresStore.Configuration(url: server.url(database: try await server.createDatabase()))
            config.operationTimeout = .seconds(2)
            let opened = try await PostgresStore.connect(config, logger: StoreFixture.quietLogger)
            store = opened
            try await opened.setAppState("web", PersistedAppState(), at: at(1))
            // SIGSTOP the postmaster and its backends: connections stay open, nothing answers.
            let postmaster = try String(contentsOfFile: server.dataDirectory + "/postmaster.pid", encoding: .utf8)
                .split(separator: "\n").first.map(String.init) ?? ""
            frozen = [postmaster] + children(of: postmaster)
            try await Shell.run(["kill", "-STOP"] + frozen)
            let error = await #expect(throws: StoreError.self) { try await opened.appState("web") }
            #expect(error?.message.contains("did not answer within 2 s") == true, "\(String(describing: error))")
            try await Shell.run(["kill", "-CONT"] + frozen)
            frozen = []
            #expect(try await opened.appState("web") == PersistedAppState())
        } catch {
            if !frozen.isEmpty { _ = try? await Shell.execute(["kill", "-CONT"] + frozen) }
            await store?.shutdown()
            try? await server.stop()
            throw error
        }
        await store?.shutdown()
        try await server.stop()
    }

    /// The processes whose parent is `pid`, from /proc (no procps needed).
    private func children(of pid: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // After "pid (comm)": state, then the parent's pid.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && fields[1] == pid
        }
    }

    @Test("a restart of the server: writes fail or succeed, then succeed again, nothing committed lost")
    func serverRestart() async throws {
        // A server of its own: restarting the shared one would cut the other tests' connections.
        let server = try await PostgresServer.launch()
        var store: PostgresStore?
        do {
            let database = try await server.createDatabase()
            let opened = try await PostgresStore.connect(
                try PostgresStore.Configuration(url: server.url(database: database)), logger: StoreFixture.quietLogger)
            store = opened
            let before = try await opened.addEvent(EventRecord(time: at(1), app: "web", type: .normal, reason: "Before", message: ""))

            // Writes go on while the server restarts; each one either lands or fails with a StoreError.
            let writer = Task { () -> (landed: [Int64], failed: [String]) in
                var landed: [Int64] = []
                var failed: [String] = []
                var i = 0
                while !Task.isCancelled, i < 100_000 {
                    i += 1
                    do {
                        landed.append(try await opened.addEvent(EventRecord(time: at(2), app: "web", type: .normal, reason: "During", message: "\(i)")).id)
                    } catch let error as StoreError {
                        failed.append(error.description)
                    } catch {
                        failed.append("not a StoreError: \(error)")
                    }
                }
                return (landed, failed)
            }
            // Some writes land before the restart begins.
            while try await opened.events(app: "web", afterID: before.id, limit: 5).count < 5 {
                try await Task.sleep(for: .milliseconds(20))
            }
            let startedBefore = try await server.sql("SELECT pg_postmaster_start_time()")
            try await server.restart()
            #expect(try await server.sql("SELECT pg_postmaster_start_time()") != startedBefore, "the server did not restart")
            writer.cancel()
            let (landed, failed) = await writer.value
            #expect(failed.allSatisfy { !$0.contains("not a StoreError") && !$0.contains(PostgresServer.password) }, "\(failed)")

            // Writes succeed again once the pool has reconnected.
            var after: EventRecord?
            let deadline = ContinuousClock.now + .seconds(60)
            while after == nil, ContinuousClock.now < deadline {
                after = try? await opened.addEvent(EventRecord(time: at(3), app: "web", type: .normal, reason: "After", message: ""))
                if after == nil { try await Task.sleep(for: .milliseconds(200)) }
            }
            let last = try #require(after, "no write succeeded within 60 s of the restart")
            let stored = Set(try await opened.events(app: "web", afterID: 0, limit: 10_000).map(\.id))
            #expect(stored.isSuperset(of: [before.id, last.id] + landed))
        } catch {
            await store?.shutdown()
            try? await server.stop()
            throw error
        }
        await store?.shutdown()
        try await server.stop()
    }
}
