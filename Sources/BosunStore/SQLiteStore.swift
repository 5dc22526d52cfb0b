import BosunCore
import Foundation
import GRDB

extension StoreError {
    /// Names what SQLite's result code means for the person who reads it.
    init(_ operation: String, _ error: any Error) {
        guard let db = error as? DatabaseError else {
            self.init(operation: operation, message: "\(error)")
            return
        }
        let message: String
        switch db.resultCode {
        case .SQLITE_FULL: message = "the disk is full; free space and Bosun carries on where it stopped"
        case .SQLITE_BUSY, .SQLITE_LOCKED: message = "the database is locked by another process; is a second `bosun serve` using the same data directory?"
        case .SQLITE_READONLY: message = "the database is read-only; check the permissions of the data directory"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: message = "the database file is damaged (\(db.message ?? "corrupt")); restore it from a backup or move it away to start afresh"
        case .SQLITE_IOERR, .SQLITE_CANTOPEN: message = "cannot read or write the database file (\(db.message ?? "I/O error")); check the disk and the data directory"
        default: message = db.message ?? "\(db.resultCode)"
        }
        self.init(operation: operation, message: message)
    }
}

/// The default store: one SQLite file in WAL mode, for one `bosun serve`.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    public let path: String

    /// Opens (creating and migrating) the store at `path`.
    public init(path: String) throws {
        self.path = path
        var config = Configuration()
        config.busyMode = .timeout(5)
        config.label = "bosun"
        // WAL with synchronous=NORMAL: a crash of Bosun loses nothing committed; only a power cut
        // may lose the last transactions, never corrupt the file.
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // A small page cache per connection: the working set is small and memory is a target.
            try db.execute(sql: "PRAGMA cache_size = -512")
        }
        config.maximumReaderCount = 2
        do {
            try FileManager.default.createDirectory(
                at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch {
            throw StoreError("opening \(path)", error)
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE app_state (
                    app TEXT PRIMARY KEY,
                    state TEXT NOT NULL,
                    updated_at REAL NOT NULL
                );
                CREATE TABLE syncs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    app TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    revision TEXT NOT NULL,
                    author TEXT,
                    subject TEXT,
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    result TEXT NOT NULL,
                    message TEXT NOT NULL DEFAULT '',
                    dry_run INTEGER NOT NULL DEFAULT 0,
                    diff TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX syncs_app ON syncs(app, id);
                CREATE INDEX syncs_running ON syncs(result) WHERE result = 'Running';
                CREATE TABLE sync_resources (
                    sync_id INTEGER NOT NULL REFERENCES syncs(id) ON DELETE CASCADE,
                    seq INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    action TEXT NOT NULL,
                    result TEXT NOT NULL,
                    message TEXT NOT NULL DEFAULT '',
                    wave INTEGER NOT NULL DEFAULT 0,
                    phase TEXT NOT NULL DEFAULT 'Sync',
                    PRIMARY KEY (sync_id, seq)
                );
                CREATE TABLE inventory (
                    app TEXT NOT NULL,
                    key TEXT NOT NULL,
                    body TEXT NOT NULL,
                    revision TEXT NOT NULL,
                    applied_at REAL NOT NULL,
                    PRIMARY KEY (app, key)
                );
                CREATE TABLE events (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time REAL NOT NULL,
                    app TEXT,
                    type TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    message TEXT NOT NULL
                );
                CREATE INDEX events_app ON events(app, id);
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    time REAL NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    app TEXT,
                    detail TEXT NOT NULL DEFAULT ''
                );
                """)
        }
        // Every source's revision of a sync, as JSON, for applications that are not one Git
        // source (issue 12); NULL for Git-only applications.
        migrator.registerMigration("sync-sources") { db in
            try db.execute(sql: "ALTER TABLE syncs ADD COLUMN sources TEXT")
        }
        registerSealingKeyMigration(&migrator)
        return migrator
    }

    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.write(body)
        } catch {
            throw StoreError(operation, error)
        }
    }

    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw StoreError(operation, error)
        }
    }

    /// Marks syncs that were running when Bosun stopped as `Interrupted`. Call once at start.
    /// Returns the syncs it marked.
    @discardableResult
    public func markInterruptedSyncs(at date: Date) async throws -> [SyncSummary] {
        try await write("marking interrupted syncs") { db in
            let running = try Row.fetchAll(db, sql: "SELECT * FROM syncs WHERE result = 'Running' ORDER BY id").map(Self.summary)
            try db.execute(
                sql: "UPDATE syncs SET result = 'Interrupted', finished_at = ?, message = ? WHERE result = 'Running'",
                arguments: [date.timeIntervalSince1970, "cut off: Bosun stopped during this sync"])
            return running
        }
    }

    /// Checks the database file for damage (`PRAGMA integrity_check`).
    public func integrityCheck() async throws -> String {
        try await read("checking integrity") { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "unknown" }
    }
}
