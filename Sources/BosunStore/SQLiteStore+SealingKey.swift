import Foundation
import GRDB

/// A random key kept in the store: the inventory keeps decrypted values as keyed hashes under
/// it (never in clear), and every process sharing the store computes the same hashes.
extension SQLiteStore {
    static let sealingKeyName = "inventory-seal"

    static func registerSealingKeyMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("sealing-key") { db in
            try db.execute(sql: "CREATE TABLE store_keys (name TEXT PRIMARY KEY, key BLOB NOT NULL)")
            var generator = SystemRandomNumberGenerator()
            let key = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
            try db.execute(sql: "INSERT INTO store_keys (name, key) VALUES (?, ?)", arguments: [sealingKeyName, key])
        }
    }

    /// The 32-byte key decrypted values are hashed with in the inventory.
    public func sealingKey() async throws -> [UInt8] {
        try await read("reading the sealing key") { db in
            guard let key = try Data.fetchOne(db, sql: "SELECT key FROM store_keys WHERE name = ?", arguments: [Self.sealingKeyName]) else {
                throw StoreError("reading the sealing key", DatabaseError(resultCode: .SQLITE_CORRUPT, message: "the store has no sealing key"))
            }
            return Array(key)
        }
    }
}
