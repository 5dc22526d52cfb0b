import BosunStore
import BosunStorePostgres
import Foundation
import Logging
import Testing

/// The store a test harness opens: SQLite by default; the `.onEveryStore` trait runs each test
/// of a suite once on SQLite and once on a fresh database of the test process's PostgreSQL.
public enum HarnessStore: String, Sendable, CustomStringConvertible {
    case sqlite, postgres

    @TaskLocal public static var current: HarnessStore = .sqlite

    public var description: String { self == .sqlite ? "SQLite" : "PostgreSQL" }

    /// A fresh, empty store of the current kind (a file in `directory`, or a new database).
    public static func open(in directory: TemporaryDirectory) async throws -> OpenedTestStore {
        switch current {
        case .sqlite:
            let path = directory.appending("bosun.sqlite").path
            return OpenedTestStore(store: try SQLiteStore(path: path), kind: .sqlite, sqlitePath: path, database: nil, close: {})
        case .postgres:
            let server = try await PostgresServer.shared()
            let database = try await server.createDatabase()
            let quiet = Logger(label: "test-store", factory: { _ in SwiftLogNoOpLogHandler() })
            let store = try await PostgresStore.connect(try PostgresStore.Configuration(url: server.url(database: database)), logger: quiet)
            return OpenedTestStore(store: store, kind: .postgres, sqlitePath: nil, database: database, close: { await store.shutdown() })
        }
    }
}

/// A store a harness opened, with what reads it from outside Bosun and what closes it.
public struct OpenedTestStore: Sendable {
    public let store: any Store
    public let kind: HarnessStore
    public let sqlitePath: String?
    public let database: String?
    public let close: @Sendable () async -> Void

    /// Rows of a query, read by `sqlite3` or `psql` as a person would, columns joined by `|`.
    public func rows(_ sql: String) async throws -> [String] {
        let output: String
        if let sqlitePath {
            output = try await Shell.run(["sqlite3", "-separator", "|", sqlitePath, sql])
        } else {
            output = try await PostgresServer.shared().sql(sql, database: database ?? "postgres")
        }
        return output.split(separator: "\n").map(String.init)
    }
}

/// Runs every test of a suite twice: on SQLite, then on PostgreSQL (an issue of the second run
/// says so). The harnesses open `HarnessStore.current`.
public struct OnEveryStore: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func scopeProvider(for test: Test, testCase: Test.Case?) -> OnEveryStore? {
        testCase == nil ? nil : self
    }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await HarnessStore.$current.withValue(.sqlite) { try await function() }
        try await HarnessStore.$current.withValue(.postgres) {
            let marking: IssueHandlingTrait = .compactMapIssues { issue in
                var issue = issue
                issue.comments.append("on PostgreSQL")
                return issue
            }
            try await marking.provideScope(for: test, testCase: testCase, performing: function)
        }
    }
}

extension Trait where Self == OnEveryStore {
    /// Each test once on SQLite and once on PostgreSQL.
    public static var onEveryStore: Self { OnEveryStore() }
}
