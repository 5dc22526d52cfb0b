import BosunStore
import Foundation
import PostgresNIO

/// Fencing: with a `LeaseBook`, a write that belongs to an application is made only while this
/// replica holds the application's lease at the epoch it believes, checked in the write's own
/// transaction. The lease row is locked `FOR SHARE` until the write commits, so a takeover (which
/// updates that row) waits for it: a write either lands before the new owner's epoch exists or
/// is refused.
extension PostgresStore {
    /// The words every refusal of a replica that lost a lease carries.
    static let leaseLostWords = "no longer holds the lease of"

    /// The refusal of a write of `app` by a replica that does not hold its lease (at `epoch`).
    func leaseLost(_ operation: String, app: String, replica: String, epoch: Int64?, movedOn: Bool) -> StoreError {
        let detail = movedOn
            ? ": the lease of \(app) moved on\(epoch.map { " from epoch \($0)" } ?? ""); its new owner carries on"
            : "; its new owner carries on"
        return StoreError(operation: operation, message: "this replica (\(replica)) \(Self.leaseLostWords) \(app)\(detail)", leaseLost: true)
    }

    /// Inside a transaction: refuses unless this replica holds `app`'s lease at the epoch in its
    /// book, and keeps the lease row from changing hands until the transaction ends. No-op
    /// without fencing.
    func requireHeldLease(_ connection: PostgresConnection, _ operation: String, app: String) async throws {
        guard let fencing else { return }
        guard let epoch = fencing.epoch(of: app) else {
            throw leaseLost(operation, app: app, replica: fencing.replica, epoch: nil, movedOn: false)
        }
        let rows = try await connection.query(
            "SELECT 1 FROM leases WHERE app = \(app) AND holder = \(fencing.replica) AND epoch = \(epoch) FOR SHARE",
            logger: logger
        ).collect()
        if rows.isEmpty {
            throw leaseLost(operation, app: app, replica: fencing.replica, epoch: epoch, movedOn: true)
        }
    }

    /// Inside a transaction: the application of sync `id`, after checking (with fencing) that its
    /// lease is still held by this replica at the epoch the sync began with. Expiry is not
    /// judged here: the result of work already started may be recorded while the epoch stands.
    /// Then locks the sync's row, so its results are numbered one after another.
    func lockSync(_ connection: PostgresConnection, _ operation: String, id: Int64) async throws -> String {
        var app: String?
        var epoch: Int64?
        for try await (name, began) in try await connection.query(
            "SELECT app, epoch FROM syncs WHERE id = \(id)", logger: logger
        ).decode((String, Int64?).self) {
            app = name
            epoch = began
        }
        guard let app else {
            throw StoreError(operation: operation, message: "sync \(id) is not in the store (its application was forgotten or its history trimmed)")
        }
        if let fencing {
            let held = try await connection.query(
                """
                SELECT 1 FROM leases l WHERE l.app = \(app) AND l.holder = \(fencing.replica)
                AND l.epoch = (SELECT s.epoch FROM syncs s WHERE s.id = \(id)) FOR SHARE OF l
                """,
                logger: logger
            ).collect()
            if held.isEmpty {
                throw leaseLost(operation, app: app, replica: fencing.replica, epoch: epoch, movedOn: true)
            }
        }
        _ = try await connection.query("SELECT 1 FROM syncs WHERE id = \(id) FOR UPDATE", logger: logger).collect()
        return app
    }

    /// A write of `app`: one statement without fencing; with fencing, the same in a transaction
    /// after the lease check.
    func write(_ operation: String, app: String?, _ statement: PostgresQuery) async throws {
        guard fencing != nil, let app else {
            try await query(operation, statement)
            return
        }
        let logger = logger
        try await withTransaction(operation) { connection in
            try await self.requireHeldLease(connection, operation, app: app)
            _ = try await connection.query(statement, logger: logger).collect()
        }
    }
}
