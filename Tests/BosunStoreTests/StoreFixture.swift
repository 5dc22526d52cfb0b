import BosunCore
import BosunStore
import BosunStorePostgres
import BosunTesting
import Foundation
import Logging
import Testing

/// The two stores the suite holds to the same behaviour.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh, empty store of one kind: a new SQLite file, or a new database on the test process's
/// PostgreSQL. Opens it (again), reads its tables with the database's own shell, closes all.
final class StoreFixture {
    let kind: StoreKind
    private let folder: TemporaryDirectory?
    let server: PostgresServer?
    let database: String?
    private var opened: [PostgresStore] = []

    static let quietLogger = Logger(label: "store-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    private init(kind: StoreKind, folder: TemporaryDirectory?, server: PostgresServer?, database: String?) {
        self.kind = kind
        self.folder = folder
        self.server = server
        self.database = database
    }

    static func make(_ kind: StoreKind) async throws -> StoreFixture {
        switch kind {
        case .sqlite:
            return StoreFixture(kind: kind, folder: try TemporaryDirectory(prefix: "bosun-store"), server: nil, database: nil)
        case .postgres:
            let server = try await PostgresServer.shared()
            return StoreFixture(kind: kind, folder: nil, server: server, database: try await server.createDatabase())
        }
    }

    var sqlitePath: String { (folder?.path ?? "/nonexistent") + "/bosun.sqlite" }

    var configuration: PostgresStore.Configuration {
        get throws {
            guard let server, let database else { throw Failure("not a PostgreSQL fixture") }
            return try PostgresStore.Configuration(url: server.url(database: database))
        }
    }

    /// Opens the store (another process would open the same one).
    func open(fencing: LeaseBook? = nil) async throws -> any Store {
        switch kind {
        case .sqlite:
            return try SQLiteStore(path: sqlitePath)
        case .postgres:
            let store = try await PostgresStore.connect(try configuration, fencing: fencing, logger: Self.quietLogger)
            opened.append(store)
            return store
        }
    }

    /// Rows of a query, read by `sqlite3` or `psql`, columns joined by `|`.
    @discardableResult
    func rows(_ sql: String) async throws -> [String] {
        let output: String
        switch kind {
        case .sqlite:
            output = try await Shell.run(["sqlite3", "-separator", "|", sqlitePath, sql])
        case .postgres:
            guard let server, let database else { throw Failure("no server") }
            output = try await server.sql(sql, database: database)
        }
        return output.split(separator: "\n").map(String.init)
    }

    func close() async {
        for store in opened { await store.shutdown() }
        opened = []
        folder?.remove()
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

/// Runs `body` with a fresh, unopened store of `kind`, and closes everything afterwards.
func withFixture(_ kind: StoreKind, _ body: (StoreFixture) async throws -> Void) async throws {
    let fixture = try await StoreFixture.make(kind)
    do {
        try await body(fixture)
    } catch {
        await fixture.close()
        throw error
    }
    await fixture.close()
}

/// Runs `body` with a fresh store of `kind`, opened, and closes everything afterwards.
func withStore(_ kind: StoreKind, _ body: (StoreFixture, any Store) async throws -> Void) async throws {
    try await withFixture(kind) { fixture in
        try await body(fixture, try await fixture.open())
    }
}

/// Seconds since 1970 on the tests' manual clock (fractions that survive `REAL`/`DOUBLE PRECISION` exactly).
func at(_ seconds: Double) -> Date { Date(timeIntervalSince1970: 1_800_000_000 + seconds) }

func deployment(_ name: String, replicas: Int = 1, namespace: String = "default") -> Resource {
    Resource([
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": ["name": .string(name), "namespace": .string(namespace)],
        "spec": ["replicas": .int(replicas)],
    ] as JSONObject)
}
