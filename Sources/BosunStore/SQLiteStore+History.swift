import BosunCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Records the start of a sync (result Running) and returns its id.
    /// `sources`: every source's revision, for applications that are not one Git source.
    public func beginSync(app: String, trigger: SyncTrigger, revision: String, author: String?, subject: String?,
                          dryRun: Bool, diff: String, sources: [SourceRevision]?, at date: Date) async throws -> Int64
    {
        let sourcesJSON = sources.map { JSONValue.array($0.map(\.json)).jsonString() }
        return try await write("recording a sync") { db in
            try db.execute(
                sql: """
                    INSERT INTO syncs (app, trigger, revision, author, subject, started_at, result, dry_run, diff, sources)
                    VALUES (?, ?, ?, ?, ?, ?, 'Running', ?, ?, ?)
                    """,
                arguments: [app, trigger.rawValue, revision, author, subject, date.timeIntervalSince1970, dryRun, diff, sourcesJSON])
            return db.lastInsertedRowID
        }
    }

    /// Appends one resource's result to a sync.
    public func recordResult(syncID: Int64, _ result: ResourceResult) async throws {
        try await write("recording a resource result") { db in
            try Self.insertResult(db, syncID: syncID, result)
        }
    }

    /// Records a resource's result and, in the same transaction, what the inventory now holds
    /// for it, so the two never disagree after a crash.
    public func recordApplied(syncID: Int64, app: String, _ result: ResourceResult, applied: Resource?, removed: ResourceKey?,
                              revision: String, at date: Date) async throws
    {
        try await write("recording an applied resource") { db in
            try Self.insertResult(db, syncID: syncID, result)
            if let applied {
                try Self.upsertInventory(db, app: app, resource: applied, revision: revision, date: date)
            }
            if let removed {
                try db.execute(sql: "DELETE FROM inventory WHERE app = ? AND key = ?", arguments: [app, removed.description])
            }
        }
    }

    static func insertResult(_ db: Database, syncID: Int64, _ result: ResourceResult) throws {
        let seq = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) + 1 FROM sync_resources WHERE sync_id = ?", arguments: [syncID]) ?? 1
        try db.execute(
            sql: "INSERT INTO sync_resources (sync_id, seq, key, action, result, message, wave, phase) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            arguments: [syncID, seq, result.key, result.action, result.result, result.message, result.wave, result.phase])
    }

    /// Ends a sync and trims the application's history to `historyLimit`.
    public func finishSync(id: Int64, result: SyncResult, message: String, historyLimit: Int, at date: Date) async throws {
        try await write("finishing a sync") { db in
            try db.execute(
                sql: "UPDATE syncs SET result = ?, message = ?, finished_at = ? WHERE id = ?",
                arguments: [result.rawValue, message, date.timeIntervalSince1970, id])
            guard let app = try String.fetchOne(db, sql: "SELECT app FROM syncs WHERE id = ?", arguments: [id]) else { return }
            try db.execute(
                sql: """
                    DELETE FROM syncs WHERE app = ? AND result != 'Running' AND id NOT IN
                      (SELECT id FROM syncs WHERE app = ? ORDER BY id DESC LIMIT ?)
                    """,
                arguments: [app, app, max(1, historyLimit)])
        }
    }

    /// The sync history of an application, newest first.
    public func history(app: String, limit: Int) async throws -> [SyncSummary] {
        try await read("reading history") { db in
            try Row.fetchAll(db, sql: "SELECT * FROM syncs WHERE app = ? ORDER BY id DESC LIMIT ?", arguments: [app, limit]).map(Self.summary)
        }
    }

    public func sync(id: Int64) async throws -> SyncDetail? {
        try await read("reading a sync") { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM syncs WHERE id = ?", arguments: [id]) else { return nil }
            let resources = try Row.fetchAll(db, sql: "SELECT * FROM sync_resources WHERE sync_id = ? ORDER BY seq", arguments: [id]).map { r in
                ResourceResult(key: r["key"], action: r["action"], result: r["result"], message: r["message"], wave: r["wave"], phase: r["phase"])
            }
            return SyncDetail(sync: Self.summary(row), resources: resources, diff: row["diff"])
        }
    }

    /// The id of the sync with `id` or the app's sync whose id matches; nil when unknown.
    public func appOfSync(id: Int64) async throws -> String? {
        try await read("reading a sync") { db in try String.fetchOne(db, sql: "SELECT app FROM syncs WHERE id = ?", arguments: [id]) }
    }

    static func summary(_ row: Row) -> SyncSummary {
        let finished: Double? = row["finished_at"]
        return SyncSummary(
            id: row["id"], revision: row["revision"], result: SyncResult(rawValue: row["result"]) ?? .failed,
            trigger: SyncTrigger(rawValue: row["trigger"]) ?? .manual,
            startedAt: Date(timeIntervalSince1970: row["started_at"]), finishedAt: finished.map(Date.init(timeIntervalSince1970:)),
            message: row["message"], author: row["author"], subject: row["subject"], dryRun: (row["dry_run"] as Bool?) == true ? true : nil,
            sources: (row["sources"] as String?).flatMap(SourceRevision.list(json:)))
    }

    /// Deletes an application's history, inventory and state (the application left the config).
    public func forget(app: String) async throws {
        try await write("forgetting an application") { db in
            try db.execute(sql: "DELETE FROM syncs WHERE app = ?", arguments: [app])
            try db.execute(sql: "DELETE FROM inventory WHERE app = ?", arguments: [app])
            try db.execute(sql: "DELETE FROM app_state WHERE app = ?", arguments: [app])
        }
    }
}
