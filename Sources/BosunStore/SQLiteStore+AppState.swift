import BosunCore
import Foundation
import GRDB

/// What the engine must remember about an application across restarts.
public struct PersistedAppState: Sendable, Codable, Hashable {
    /// The commit last synced successfully (applied, whatever its health).
    public var syncedRevision: String?
    /// The last commit that was synced and Healthy: where auto-rollback goes back to.
    public var healthyRevision: String?
    /// A commit auto-rollback moved away from: not retried until a newer commit arrives.
    public var failedRevision: String?
    /// Set by `bosun rollback`: automatic syncs pause at this commit until unpinned.
    public var pinnedRevision: String?
    /// The last commit that resolved and rendered, shown while the source is unavailable.
    public var lastGoodRevision: String?

    public init() {}
}

extension SQLiteStore {
    public func appState(_ app: String) async throws -> PersistedAppState {
        try await read("reading application state") { db in
            guard let text = try String.fetchOne(db, sql: "SELECT state FROM app_state WHERE app = ?", arguments: [app]) else {
                return PersistedAppState()
            }
            return (try? JSONDecoder().decode(PersistedAppState.self, from: Data(text.utf8))) ?? PersistedAppState()
        }
    }

    public func setAppState(_ app: String, _ state: PersistedAppState, at date: Date) async throws {
        let text = String(decoding: (try? JSONEncoder().encode(state)) ?? Data("{}".utf8), as: UTF8.self)
        try await write("saving application state") { db in
            try db.execute(
                sql: """
                    INSERT INTO app_state (app, state, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(app) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
                    """,
                arguments: [app, text, date.timeIntervalSince1970])
        }
    }
}
