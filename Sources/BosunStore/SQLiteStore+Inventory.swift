import BosunCore
import Foundation
import GRDB

/// What Bosun applied for one resource, and when.
public struct InventoryEntry: Sendable {
    public var key: ResourceKey
    /// The body Bosun last applied (the "last-applied" side of the three-way diff).
    public var lastApplied: Resource
    public var revision: String
    public var appliedAt: Date

    public init(key: ResourceKey, lastApplied: Resource, revision: String, appliedAt: Date) {
        self.key = key
        self.lastApplied = lastApplied
        self.revision = revision
        self.appliedAt = appliedAt
    }
}

extension SQLiteStore {
    public func inventory(app: String) async throws -> [ResourceKey: InventoryEntry] {
        try await read("reading the inventory") { db in
            var result: [ResourceKey: InventoryEntry] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM inventory WHERE app = ?", arguments: [app]) {
                guard let key = ResourceKey(row["key"]), let body = try? JSONParser.parse(row["body"] as String),
                    let resource = Resource(body)
                else { continue }
                result[key] = InventoryEntry(key: key, lastApplied: resource, revision: row["revision"],
                                             appliedAt: Date(timeIntervalSince1970: row["applied_at"]))
            }
            return result
        }
    }

    /// Every application that holds inventory (to find orphans of removed applications).
    public func inventoryApps() async throws -> [String] {
        try await read("reading the inventory") { db in try String.fetchAll(db, sql: "SELECT DISTINCT app FROM inventory ORDER BY app") }
    }

    public func setInventory(app: String, resource: Resource, revision: String, at date: Date) async throws {
        try await write("updating the inventory") { db in
            try Self.upsertInventory(db, app: app, resource: resource, revision: revision, date: date)
        }
    }

    public func removeInventory(app: String, key: ResourceKey) async throws {
        try await write("updating the inventory") { db in
            try db.execute(sql: "DELETE FROM inventory WHERE app = ? AND key = ?", arguments: [app, key.description])
        }
    }

    static func upsertInventory(_ db: Database, app: String, resource: Resource, revision: String, date: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO inventory (app, key, body, revision, applied_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(app, key) DO UPDATE SET body = excluded.body, revision = excluded.revision, applied_at = excluded.applied_at
                """,
            arguments: [app, resource.key.description, resource.value.jsonString(), revision, date.timeIntervalSince1970])
    }
}
