import BosunStore
import Foundation
import PostgresNIO

/// What replicas share beyond leases: published statuses in `app_status`, and messages through
/// PostgreSQL's LISTEN/NOTIFY on one channel.
extension PostgresLeases {
    static let channel = "bosun_replicas"

    public func publish(statuses: [String: String]) async throws {
        guard !statuses.isEmpty else { return }
        let apps = Array(statuses.keys)
        let bodies = apps.map { statuses[$0] ?? "" }
        try await client.query(
            """
            INSERT INTO app_status (app, replica, status, updated_at)
            SELECT s.app, \(replica), s.status, now() FROM unnest(\(apps)::text[], \(bodies)::text[]) AS s(app, status)
            WHERE EXISTS (SELECT 1 FROM leases l WHERE l.app = s.app AND l.holder = \(replica) AND l.expires_at > now())
            ON CONFLICT (app) DO UPDATE SET replica = EXCLUDED.replica, status = EXCLUDED.status, updated_at = EXCLUDED.updated_at
            """)
    }

    public func publishedStatuses(_ apps: [String]?) async throws -> [String: PublishedStatus] {
        let all = apps == nil
        let names = apps ?? []
        let rows = try await client.query(
            "SELECT app, replica, status, updated_at FROM app_status WHERE \(all) OR app = ANY(\(names)::text[])")
        var result: [String: PublishedStatus] = [:]
        for try await (app, replica, status, updated) in rows.decode((String, String, String, Date).self) {
            result[app] = PublishedStatus(replica: replica, json: status, updatedAt: updated)
        }
        return result
    }

    public func send(_ message: ReplicaMessage) async throws {
        let payload = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
        try await client.query("SELECT pg_notify(\(Self.channel), \(payload))")
    }

    public func messages() -> AsyncStream<ReplicaMessage> {
        let (stream, continuation) = AsyncStream<ReplicaMessage>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let replica = self.replica
        let client = self.client
        let listening = Task {
            while !Task.isCancelled {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: Self.channel) { notifications in
                            for try await notification in notifications {
                                guard let message = try? JSONDecoder().decode(ReplicaMessage.self, from: Data(notification.payload.utf8)),
                                    message.from != replica, message.to == nil || message.to == replica
                                else { continue }
                                continuation.yield(message)
                            }
                        }
                    }
                } catch {
                    // The database went away: listen again once it is back.
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
        continuation.onTermination = { _ in listening.cancel() }
        return stream
    }
}
