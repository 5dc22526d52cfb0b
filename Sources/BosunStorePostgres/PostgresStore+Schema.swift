import BosunStore
import Foundation
import Logging
import PostgresNIO

extension PostgresStore {
    /// The schema, one version after another; a database records the versions it has in
    /// `schema_migrations`. Append new versions, never edit one that has shipped. Statements
    /// are separated by `;` at the end of a line (PostgresNIO sends one statement at a time).
    static let migrations: [(version: Int, sql: String)] = [
        (1, """
            CREATE TABLE app_state (
                app TEXT PRIMARY KEY,
                state TEXT NOT NULL,
                updated_at DOUBLE PRECISION NOT NULL
            );
            CREATE TABLE syncs (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                app TEXT NOT NULL,
                trigger TEXT NOT NULL,
                revision TEXT NOT NULL,
                author TEXT,
                subject TEXT,
                started_at DOUBLE PRECISION NOT NULL,
                finished_at DOUBLE PRECISION,
                result TEXT NOT NULL,
                message TEXT NOT NULL DEFAULT '',
                dry_run BOOLEAN NOT NULL DEFAULT FALSE,
                diff TEXT NOT NULL DEFAULT '',
                sources TEXT,
                replica TEXT,
                epoch BIGINT
            );
            CREATE INDEX syncs_app ON syncs (app, id);
            CREATE INDEX syncs_running ON syncs (result) WHERE result = 'Running';
            CREATE TABLE sync_resources (
                sync_id BIGINT NOT NULL REFERENCES syncs (id) ON DELETE CASCADE,
                seq INT NOT NULL,
                key TEXT NOT NULL,
                action TEXT NOT NULL,
                result TEXT NOT NULL,
                message TEXT NOT NULL DEFAULT '',
                wave INT NOT NULL DEFAULT 0,
                phase TEXT NOT NULL DEFAULT 'Sync',
                PRIMARY KEY (sync_id, seq)
            );
            CREATE TABLE inventory (
                app TEXT NOT NULL,
                key TEXT NOT NULL,
                body TEXT NOT NULL,
                revision TEXT NOT NULL,
                applied_at DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (app, key)
            );
            CREATE TABLE events (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time DOUBLE PRECISION NOT NULL,
                app TEXT,
                type TEXT NOT NULL,
                reason TEXT NOT NULL,
                message TEXT NOT NULL
            );
            CREATE INDEX events_app ON events (app, id);
            CREATE TABLE audit (
                id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                time DOUBLE PRECISION NOT NULL,
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                app TEXT,
                detail TEXT NOT NULL DEFAULT ''
            );
            CREATE TABLE store_keys (
                name TEXT PRIMARY KEY,
                key BYTEA NOT NULL
            );
            CREATE TABLE replicas (name TEXT PRIMARY KEY, heartbeat_at TIMESTAMPTZ NOT NULL, started_at TIMESTAMPTZ NOT NULL, config_hash TEXT NOT NULL DEFAULT '', api_url TEXT NOT NULL DEFAULT '', instance TEXT NOT NULL DEFAULT '');
            CREATE TABLE leases (app TEXT PRIMARY KEY, holder TEXT, epoch BIGINT NOT NULL DEFAULT 0, expires_at TIMESTAMPTZ NOT NULL);
            CREATE INDEX leases_holder ON leases (holder);
            CREATE TABLE app_status (app TEXT PRIMARY KEY, replica TEXT NOT NULL, status TEXT NOT NULL, updated_at TIMESTAMPTZ NOT NULL);
            """),
    ]

    /// Serialises the migrations of replicas that start at once (any constant; "bosun" in ASCII).
    static let migrationLock: Int64 = 0x626F_7375_6E

    /// The newest schema version this build knows.
    static var newestVersion: Int { migrations.map(\.version).max() ?? 0 }

    /// Opens one connection (so a wrong password or a dead host fails at once with its real
    /// cause, not after the pool's retries), then brings the schema up to date in one
    /// transaction under an advisory lock.
    static func migrate(_ configuration: Configuration, logger: Logger) async throws {
        let connecting = "connecting to PostgreSQL at \(configuration.location)"
        let connection: PostgresConnection
        do {
            let settings = try configuration.connectionConfiguration()
            connection = try await PostgresConnection.connect(configuration: settings, id: 0, logger: logger)
        } catch {
            throw storeError(connecting, error, configuration: configuration)
        }
        let operation = "migrating the database at \(configuration.location)"
        do {
            try await connection.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(migrationLock))", logger: logger)
                try await connection.query(
                    "CREATE TABLE IF NOT EXISTS schema_migrations (version INT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                    logger: logger)
                var current = 0
                for try await version in try await connection.query(
                    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", logger: logger
                ).decode(Int.self) {
                    current = version
                }
                guard current <= newestVersion else {
                    throw StoreError(
                        operation: operation,
                        message: "the database at \(configuration.location) has schema version \(current) but this Bosun knows only up to "
                            + "\(newestVersion); upgrade Bosun (or point it at another database)")
                }
                for migration in migrations where migration.version > current {
                    for statement in statements(migration.sql) {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    if migration.version == 1 {
                        // The sealing key: random bytes from the system's generator (SQL has none
                        // without pgcrypto), written once, read by every process.
                        var generator = SystemRandomNumberGenerator()
                        let key = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
                        try await connection.query(
                            "INSERT INTO store_keys (name, key) VALUES (\(sealingKeyName), \(key))", logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), now())", logger: logger)
                    logger.info("store: migrated the database", metadata: ["database": "\(configuration.location)", "version": "\(migration.version)"])
                }
            }
        } catch {
            try? await connection.close()
            throw storeError(operation, error, configuration: configuration)
        }
        try? await connection.close()
    }

    /// A migration's statements: split at `;` ending a line.
    static func statements(_ sql: String) -> [String] {
        sql.components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            .map { $0.hasSuffix(";") ? String($0.dropLast()) : $0 }
            .filter { !$0.isEmpty }
    }

    static let sealingKeyName = "inventory-seal"
}
