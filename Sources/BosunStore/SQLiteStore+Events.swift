import BosunCore
import Foundation
import GRDB

extension SQLiteStore {
    /// Appends an event and returns it with its id.
    @discardableResult
    public func addEvent(_ event: EventRecord) async throws -> EventRecord {
        try await write("recording an event") { db in
            try db.execute(
                sql: "INSERT INTO events (time, app, type, reason, message) VALUES (?, ?, ?, ?, ?)",
                arguments: [event.time.timeIntervalSince1970, event.app, event.type.rawValue, event.reason, event.message])
            var stored = event
            stored.id = db.lastInsertedRowID
            // Keep the table bounded: the newest 10,000 events.
            if stored.id % 500 == 0 {
                try db.execute(sql: "DELETE FROM events WHERE id <= ?", arguments: [stored.id - 10_000])
            }
            return stored
        }
    }

    /// Events, newest first; only one application's when `app` is given; only newer than `afterID`.
    public func events(app: String?, afterID: Int64, limit: Int) async throws -> [EventRecord] {
        try await read("reading events") { db in
            var sql = "SELECT * FROM events WHERE id > ?"
            var arguments: StatementArguments = [afterID]
            if let app {
                sql += " AND app = ?"
                arguments += [app]
            }
            sql += " ORDER BY id DESC LIMIT ?"
            arguments += [limit]
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                EventRecord(id: row["id"], time: Date(timeIntervalSince1970: row["time"]), app: row["app"],
                            type: EventRecord.Severity(rawValue: row["type"]) ?? .normal, reason: row["reason"], message: row["message"])
            }
        }
    }

    /// Records who did what through the API.
    public func audit(actor: String, action: String, app: String?, detail: String, at date: Date) async throws {
        try await write("recording the audit log") { db in
            try db.execute(sql: "INSERT INTO audit (time, actor, action, app, detail) VALUES (?, ?, ?, ?, ?)",
                           arguments: [date.timeIntervalSince1970, actor, action, app, detail])
        }
    }
}
