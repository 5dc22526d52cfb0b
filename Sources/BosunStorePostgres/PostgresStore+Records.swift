import BosunCore
import BosunStore
import Foundation
import PostgresNIO

// Inventory, application state, events, audit and the sealing key: as SQLiteStore keeps them.
extension PostgresStore {
    // MARK: Inventory

    public func inventory(app: String) async throws -> [ResourceKey: InventoryEntry] {
        let rows = try await query("reading the inventory", "SELECT key, body, revision, applied_at FROM inventory WHERE app = \(app)")
        var result: [ResourceKey: InventoryEntry] = [:]
        for row in rows {
            let (keyText, body, revision, appliedAt) = try decoding("reading the inventory") {
                try row.decode((String, String, String, Double).self)
            }
            guard let key = ResourceKey(keyText), let value = try? JSONParser.parse(body), let resource = Resource(value) else { continue }
            result[key] = InventoryEntry(key: key, lastApplied: resource, revision: revision, appliedAt: Date(timeIntervalSince1970: appliedAt))
        }
        return result
    }

    /// Every application that holds inventory (to find orphans of removed applications).
    public func inventoryApps() async throws -> [String] {
        let rows = try await query("reading the inventory", "SELECT DISTINCT app FROM inventory ORDER BY app")
        return try decoding("reading the inventory") { try rows.map { try $0.decode(String.self) } }
    }

    public func setInventory(app: String, resource: Resource, revision: String, at date: Date) async throws {
        try await write("updating the inventory", app: app, Self.upsertInventory(app: app, resource: resource, revision: revision, date: date))
    }

    public func removeInventory(app: String, key: ResourceKey) async throws {
        try await write("updating the inventory", app: app, "DELETE FROM inventory WHERE app = \(app) AND key = \(key.description)")
    }

    static func upsertInventory(app: String, resource: Resource, revision: String, date: Date) -> PostgresQuery {
        """
        INSERT INTO inventory (app, key, body, revision, applied_at)
        VALUES (\(app), \(resource.key.description), \(resource.value.jsonString()), \(revision), \(date.timeIntervalSince1970))
        ON CONFLICT (app, key) DO UPDATE SET body = EXCLUDED.body, revision = EXCLUDED.revision, applied_at = EXCLUDED.applied_at
        """
    }

    // MARK: Application state

    public func appState(_ app: String) async throws -> PersistedAppState {
        let rows = try await query("reading application state", "SELECT state FROM app_state WHERE app = \(app)")
        guard let text = try decoding("reading application state", { try rows.first?.decode(String.self) }) else {
            return PersistedAppState()
        }
        return (try? JSONDecoder().decode(PersistedAppState.self, from: Data(text.utf8))) ?? PersistedAppState()
    }

    public func setAppState(_ app: String, _ state: PersistedAppState, at date: Date) async throws {
        let text = String(decoding: (try? JSONEncoder().encode(state)) ?? Data("{}".utf8), as: UTF8.self)
        try await write("saving application state", app: app, """
            INSERT INTO app_state (app, state, updated_at) VALUES (\(app), \(text), \(date.timeIntervalSince1970))
            ON CONFLICT (app) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at
            """)
    }

    // MARK: Events and audit

    /// Appends an event and returns it with its id; keeps the newest 10,000.
    @discardableResult
    public func addEvent(_ event: EventRecord) async throws -> EventRecord {
        let operation = "recording an event"
        let logger = logger
        let insert: PostgresQuery = """
            INSERT INTO events (time, app, type, reason, message)
            VALUES (\(event.time.timeIntervalSince1970), \(event.app), \(event.type.rawValue), \(event.reason), \(event.message))
            RETURNING id
            """
        let id: Int64
        if fencing != nil, let app = event.app {
            id = try await withTransaction(operation) { connection in
                try await self.requireHeldLease(connection, operation, app: app)
                let rows = try await connection.query(insert, logger: logger).collect()
                return try self.decoding(operation) { try rows.first?.decode(Int64.self) } ?? 0
            }
        } else {
            let rows = try await query(operation, insert)
            id = try decoding(operation) { try rows.first?.decode(Int64.self) } ?? 0
        }
        if id % 500 == 0 {
            try await query(operation, "DELETE FROM events WHERE id <= \(id - 10_000)")
        }
        var stored = event
        stored.id = id
        return stored
    }

    /// Events, newest first; only one application's when `app` is given; only newer than `afterID`.
    public func events(app: String?, afterID: Int64, limit: Int) async throws -> [EventRecord] {
        let operation = "reading events"
        let rows: [PostgresRow]
        if let app {
            rows = try await query(operation, """
                SELECT id, time, app, type, reason, message FROM events WHERE id > \(afterID) AND app = \(app) ORDER BY id DESC LIMIT \(limit)
                """)
        } else {
            rows = try await query(operation, """
                SELECT id, time, app, type, reason, message FROM events WHERE id > \(afterID) ORDER BY id DESC LIMIT \(limit)
                """)
        }
        return try decoding(operation) {
            try rows.map { row in
                let (id, time, app, type, reason, message) = try row.decode((Int64, Double, String?, String, String, String).self)
                return EventRecord(id: id, time: Date(timeIntervalSince1970: time), app: app,
                                   type: EventRecord.Severity(rawValue: type) ?? .normal, reason: reason, message: message)
            }
        }
    }

    /// Records who did what through the API.
    public func audit(actor: String, action: String, app: String?, detail: String, at date: Date) async throws {
        try await query("recording the audit log", """
            INSERT INTO audit (time, actor, action, app, detail) VALUES (\(date.timeIntervalSince1970), \(actor), \(action), \(app), \(detail))
            """)
    }

    // MARK: Sealing key

    /// The 32-byte key decrypted values are hashed with in the inventory: made by the first
    /// migration, the same for every replica.
    public func sealingKey() async throws -> [UInt8] {
        let operation = "reading the sealing key"
        let rows = try await query(operation, "SELECT key FROM store_keys WHERE name = \(Self.sealingKeyName)")
        guard let key = try decoding(operation, { try rows.first?.decode(Data.self) }), key.count == 32 else {
            throw StoreError(operation: operation, message: "the database at \(configuration.location) has no sealing key; restore it from a backup")
        }
        return Array(key)
    }
}
