import BosunCore
import BosunStore
import Foundation
import PostgresNIO

extension PostgresStore {
    /// The columns `summary` reads, in its order.
    static let summaryColumns = "id, revision, result, trigger, started_at, finished_at, message, author, subject, dry_run, sources"

    static func summary(_ row: PostgresRow) throws -> SyncSummary {
        let (id, revision, result, trigger, started, finished, message, author, subject, dryRun, sources) = try row.decode(
            (Int64, String, String, String, Double, Double?, String, String?, String?, Bool, String?).self)
        return SyncSummary(
            id: id, revision: revision, result: SyncResult(rawValue: result) ?? .failed, trigger: SyncTrigger(rawValue: trigger) ?? .manual,
            startedAt: Date(timeIntervalSince1970: started), finishedAt: finished.map(Date.init(timeIntervalSince1970:)),
            message: message, author: author, subject: subject, dryRun: dryRun ? true : nil,
            sources: sources.flatMap(SourceRevision.list(json:)))
    }

    /// Marks syncs that were running when Bosun stopped as `Interrupted` and returns them as they
    /// were. With fencing only this replica's: another live replica's running syncs are its own.
    @discardableResult
    public func markInterruptedSyncs(at date: Date) async throws -> [SyncSummary] {
        let finished = date.timeIntervalSince1970
        let message = "cut off: Bosun stopped during this sync"
        let rows: [PostgresRow]
        if let fencing {
            rows = try await query("marking interrupted syncs", """
                WITH old AS (SELECT * FROM syncs WHERE result = 'Running' AND replica = \(fencing.replica) FOR UPDATE)
                UPDATE syncs SET result = 'Interrupted', finished_at = \(finished), message = \(message) FROM old WHERE syncs.id = old.id
                RETURNING old.id, old.revision, old.result, old.trigger, old.started_at, old.finished_at, old.message, old.author,
                    old.subject, old.dry_run, old.sources
                """)
        } else {
            rows = try await query("marking interrupted syncs", """
                WITH old AS (SELECT * FROM syncs WHERE result = 'Running' FOR UPDATE)
                UPDATE syncs SET result = 'Interrupted', finished_at = \(finished), message = \(message) FROM old WHERE syncs.id = old.id
                RETURNING old.id, old.revision, old.result, old.trigger, old.started_at, old.finished_at, old.message, old.author,
                    old.subject, old.dry_run, old.sources
                """)
        }
        return try decoding("marking interrupted syncs") { try rows.map(Self.summary).sorted { $0.id < $1.id } }
    }

    /// Records the start of a sync (result Running) and returns its id. With fencing, in the same
    /// statement that checks this replica holds the application's lease, unexpired, at its epoch.
    public func beginSync(app: String, trigger: SyncTrigger, revision: String, author: String?, subject: String?,
                          dryRun: Bool, diff: String, sources: [SourceRevision]?, at date: Date) async throws -> Int64
    {
        let operation = "recording a sync"
        let sourcesJSON = sources.map { JSONValue.array($0.map(\.json)).jsonString() }
        let started = date.timeIntervalSince1970
        guard let fencing else {
            let rows = try await query(operation, """
                INSERT INTO syncs (app, trigger, revision, author, subject, started_at, result, dry_run, diff, sources)
                VALUES (\(app), \(trigger.rawValue), \(revision), \(author), \(subject), \(started), 'Running', \(dryRun), \(diff), \(sourcesJSON))
                RETURNING id
                """)
            guard let id = try decoding(operation, { try rows.first?.decode(Int64.self) }) else {
                throw StoreError(operation: operation, message: "the database returned no id for the new sync")
            }
            return id
        }
        guard let epoch = fencing.epoch(of: app) else {
            throw leaseLost(operation, app: app, replica: fencing.replica, epoch: nil, movedOn: false)
        }
        let rows = try await query(operation, """
            INSERT INTO syncs (app, trigger, revision, author, subject, started_at, result, dry_run, diff, sources, replica, epoch)
            SELECT \(app), \(trigger.rawValue), \(revision), \(author), \(subject), \(started), 'Running', \(dryRun), \(diff), \(sourcesJSON),
                \(fencing.replica), \(epoch)
            WHERE EXISTS (SELECT 1 FROM leases WHERE app = \(app) AND holder = \(fencing.replica) AND epoch = \(epoch)
                AND expires_at > now() FOR SHARE)
            RETURNING id
            """)
        guard let id = try decoding(operation, { try rows.first?.decode(Int64.self) }) else {
            throw leaseLost(operation, app: app, replica: fencing.replica, epoch: epoch, movedOn: false)
        }
        return id
    }

    /// Appends one resource's result to a sync.
    public func recordResult(syncID: Int64, _ result: ResourceResult) async throws {
        let operation = "recording a resource result"
        let logger = logger
        try await withTransaction(operation) { connection in
            _ = try await self.lockSync(connection, operation, id: syncID)
            try await Self.insertResult(connection, syncID: syncID, result, logger: logger)
        }
    }

    /// Records a resource's result and, in the same transaction, what the inventory now holds.
    public func recordApplied(syncID: Int64, app: String, _ result: ResourceResult, applied: Resource?, removed: ResourceKey?,
                              revision: String, at date: Date) async throws
    {
        let operation = "recording an applied resource"
        let logger = logger
        try await withTransaction(operation) { connection in
            _ = try await self.lockSync(connection, operation, id: syncID)
            try await Self.insertResult(connection, syncID: syncID, result, logger: logger)
            if let applied {
                _ = try await connection.query(Self.upsertInventory(app: app, resource: applied, revision: revision, date: date), logger: logger)
                    .collect()
            }
            if let removed {
                _ = try await connection.query("DELETE FROM inventory WHERE app = \(app) AND key = \(removed.description)", logger: logger)
                    .collect()
            }
        }
    }

    /// The next `seq` of the sync (its row is locked by `lockSync`, so numbers never collide).
    static func insertResult(_ connection: PostgresConnection, syncID: Int64, _ result: ResourceResult, logger: Logger) async throws {
        _ = try await connection.query(
            """
            INSERT INTO sync_resources (sync_id, seq, key, action, result, message, wave, phase)
            SELECT \(syncID), COALESCE(MAX(seq), 0) + 1, \(result.key), \(result.action), \(result.result), \(result.message),
                \(result.wave), \(result.phase)
            FROM sync_resources WHERE sync_id = \(syncID)
            """,
            logger: logger
        ).collect()
    }

    /// Ends a sync and trims the application's history to `historyLimit` (Running syncs stay).
    public func finishSync(id: Int64, result: SyncResult, message: String, historyLimit: Int, at date: Date) async throws {
        let operation = "finishing a sync"
        let logger = logger
        let finished = date.timeIntervalSince1970
        let keep = max(1, historyLimit)
        try await withTransaction(operation) { connection in
            let app = try await self.lockSync(connection, operation, id: id)
            _ = try await connection.query(
                "UPDATE syncs SET result = \(result.rawValue), message = \(message), finished_at = \(finished) WHERE id = \(id)", logger: logger
            ).collect()
            _ = try await connection.query(
                """
                DELETE FROM syncs WHERE app = \(app) AND result <> 'Running' AND id NOT IN
                  (SELECT id FROM syncs WHERE app = \(app) ORDER BY id DESC LIMIT \(keep))
                """,
                logger: logger
            ).collect()
        }
    }

    /// The sync history of an application, newest first.
    public func history(app: String, limit: Int) async throws -> [SyncSummary] {
        let rows = try await query(
            "reading history",
            "SELECT \(unescaped: Self.summaryColumns) FROM syncs WHERE app = \(app) ORDER BY id DESC LIMIT \(limit)")
        return try decoding("reading history") { try rows.map(Self.summary) }
    }

    public func sync(id: Int64) async throws -> SyncDetail? {
        let operation = "reading a sync"
        let rows = try await query(operation, "SELECT \(unescaped: Self.summaryColumns), diff FROM syncs WHERE id = \(id)")
        guard let row = rows.first else { return nil }
        let resources = try await query(
            operation, "SELECT key, action, result, message, wave, phase FROM sync_resources WHERE sync_id = \(id) ORDER BY seq")
        return try decoding(operation) {
            let summary = try Self.summary(row)
            let diff = try row.makeRandomAccess()[11].decode(String.self)
            let results = try resources.map { r in
                let (key, action, result, message, wave, phase) = try r.decode((String, String, String, String, Int, String).self)
                return ResourceResult(key: key, action: action, result: result, message: message, wave: wave, phase: phase)
            }
            return SyncDetail(sync: summary, resources: results, diff: diff)
        }
    }

    /// The application a sync belongs to; nil when unknown.
    public func appOfSync(id: Int64) async throws -> String? {
        let rows = try await query("reading a sync", "SELECT app FROM syncs WHERE id = \(id)")
        return try decoding("reading a sync") { try rows.first?.decode(String.self) }
    }

    /// Deletes an application's history, inventory and state (the application left the config).
    public func forget(app: String) async throws {
        let operation = "forgetting an application"
        let logger = logger
        try await withTransaction(operation) { connection in
            try await self.requireHeldLease(connection, operation, app: app)
            _ = try await connection.query("DELETE FROM syncs WHERE app = \(app)", logger: logger).collect()
            _ = try await connection.query("DELETE FROM inventory WHERE app = \(app)", logger: logger).collect()
            _ = try await connection.query("DELETE FROM app_state WHERE app = \(app)", logger: logger).collect()
        }
    }

    /// Decodes rows, as a `StoreError` when a column does not hold what this build expects.
    func decoding<T>(_ operation: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw StoreError(operation: operation, message: "the database holds a value this Bosun cannot read (\(type(of: error))); "
                + "is its schema from another version?")
        }
    }
}
