import BosunCore
import BosunStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// The store in PostgreSQL, for several replicas sharing one database: the same records and
/// behaviour as `SQLiteStore` (one test suite holds both to it), plus fencing. With a
/// `LeaseBook`, every write that belongs to an application checks, in its own transaction, that
/// this replica still holds the application's lease at the epoch it believes, so a replica that
/// lost an application (paused, partitioned) can record nothing more as its own.
///
/// Dates are stored as seconds since 1970 (`DOUBLE PRECISION`), exactly as the engine passes them
/// (tests run on a manual clock); the leases' own times are the database's (`now()`).
public final class PostgresStore: Store {
    /// The pool: reconnects by itself after an outage.
    let client: PostgresClient
    /// This replica's leases; nil for one Bosun without replicas (no fencing).
    let fencing: LeaseBook?
    let configuration: Configuration
    let logger: Logger
    /// Runs `client.run()`, without which the pool lends no connection.
    private let runTask: Task<Void, Never>

    private init(client: PostgresClient, fencing: LeaseBook?, configuration: Configuration, logger: Logger) {
        self.client = client
        self.fencing = fencing
        self.configuration = configuration
        self.logger = logger
        runTask = Task { await client.run() }
    }

    deinit { runTask.cancel() }

    /// Connects to the database, checks the connection (a wrong password or a dead host fails
    /// here, naming `host:port/database` and the cause), runs the migrations this build knows and
    /// starts the pool. Call `shutdown()` when done.
    public static func connect(_ configuration: Configuration, fencing: LeaseBook? = nil, logger: Logger) async throws -> PostgresStore {
        try await migrate(configuration, logger: logger)
        let client = PostgresClient(configuration: try configuration.clientConfiguration(), backgroundLogger: logger)
        return PostgresStore(client: client, fencing: fencing, configuration: configuration, logger: logger)
    }

    /// Closes the pool's connections and ends its task.
    public func shutdown() async {
        runTask.cancel()
        await runTask.value
    }

    // MARK: - Running statements

    /// Runs one statement and returns its rows, as a `StoreError` naming `operation` on failure.
    @discardableResult
    func query(_ operation: String, _ query: PostgresQuery) async throws -> [PostgresRow] {
        let client = client
        let logger = logger
        return try await withDeadline(operation) {
            try await client.query(query, logger: logger).collect()
        }
    }

    /// Runs `body` in one transaction (committed when it returns, rolled back when it throws).
    /// A `StoreError` it throws (a lost lease) comes out as it is.
    func withTransaction<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = client
        let logger = logger
        return try await withDeadline(operation) {
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Fails `body` with a `StoreError` when the database does not answer within the
    /// configured time: a pool waiting for a server that is down would otherwise wait a minute.
    /// The work is left to finish (or fail) on its own; a write cut off this way may or may not
    /// have been committed, as with any lost connection.
    func withDeadline<T: Sendable>(_ operation: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let limit = configuration.operationTimeout
        let location = configuration.location
        let race = Race<T>()
        do {
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
                    let work = Task {
                        do {
                            race.finish(.success(try await body()))
                        } catch {
                            race.finish(.failure(error))
                        }
                    }
                    let timer = Task {
                        try? await Task.sleep(for: limit)
                        guard !Task.isCancelled else { return }
                        race.finish(.failure(StoreError(
                            operation: operation,
                            message: "the database at \(location) did not answer within \(limit.components.seconds) s; is it down or overloaded?")))
                    }
                    race.start(continuation, work: work, timer: timer)
                }
            } onCancel: {
                race.finish(.failure(CancellationError()))
            }
        } catch {
            throw Self.storeError(operation, error, configuration: configuration)
        }
    }

    /// A `StoreError` a person can act on for whatever PostgresNIO threw; never the password
    /// (PostgresNIO's own descriptions hold queries and binds, so they are not shown).
    static func storeError(_ operation: String, _ error: any Error, configuration: Configuration) -> StoreError {
        if let store = error as? StoreError { return store }
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return storeError(operation, inner, configuration: configuration)
            }
        }
        return StoreError(operation: operation, message: cause(of: error, configuration: configuration))
    }

    /// What went wrong, in words: refused, timed out, authentication failed, the server's message.
    static func cause(of error: any Error, configuration: Configuration) -> String {
        let location = configuration.location
        if error is CancellationError { return "cancelled" }
        if "\(type(of: error))" == "ConnectionPoolError" {
            // The pool gave up connecting (its circuit breaker), without the cause.
            return "cannot connect to the database at \(location)"
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return "connecting to \(location) timed out (is the host reachable and the port open?)"
        }
        if let connection = error as? NIOConnectionError {
            if connection.dnsAError != nil || connection.dnsAAAAError != nil, connection.connectionErrors.isEmpty {
                return "cannot resolve the host name \(connection.host)"
            }
            if let first = connection.connectionErrors.first {
                return cause(of: first.error, configuration: configuration)
            }
            return "cannot connect to \(location)"
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return "connection refused by \(location) (is PostgreSQL running and listening there?)"
            case ETIMEDOUT: return "connecting to \(location) timed out"
            case EHOSTUNREACH, ENETUNREACH: return "the host of \(location) is unreachable"
            default: return "cannot connect to \(location): \(String(cString: strerror(io.errnoCode)))"
            }
        }
        if let ssl = error as? NIOSSLError { return "TLS with \(location) failed: \(ssl)" }
        guard let psql = error as? PSQLError else { return "\(type(of: error))" }
        switch psql.code {
        case .server:
            let state = psql.serverInfo?[.sqlState] ?? ""
            let message = psql.serverInfo?[.message] ?? "an error"
            switch state {
            case "28P01", "28000":
                return "authentication failed for user \(configuration.username) at \(location); check the user and password of the database URL"
            case "3D000": return "the database \(configuration.database) does not exist at \(configuration.host):\(configuration.port)"
            case "57P01", "57P02", "57P03": return "the server at \(location) is shutting down or starting up (\(message))"
            case "53300": return "the server at \(location) has no free connection (\(message))"
            default: return "\(message) (SQLSTATE \(state))"
            }
        case .connectionError:
            if let underlying = psql.underlying { return cause(of: underlying, configuration: configuration) }
            return "cannot connect to \(location)"
        case .sslUnsupported:
            return "the server at \(location) does not offer TLS, which sslmode=\(configuration.tlsMode.rawValue) requires"
        case .failedToAddSSLHandler:
            return "TLS with \(location) could not start: \(psql.underlying.map { "\($0)" } ?? "unknown error")"
        case .authMechanismRequiresPassword:
            return "the server at \(location) asks user \(configuration.username) for a password and the URL has none"
        case .unsupportedAuthMechanism:
            return "the server at \(location) asks for an authentication method Bosun does not support (use scram-sha-256 or md5)"
        case .saslError:
            return "authentication failed for user \(configuration.username) at \(location) (SCRAM)"
        case .serverClosedConnection, .clientClosedConnection, .uncleanShutdown:
            return "the connection to \(location) was lost (is the server restarting?)"
        case .poolClosed: return "the store is shut down"
        case .queryCancelled: return "cancelled"
        default: return "PostgreSQL: \(psql.code)"
        }
    }
}

/// The first of a piece of work, its deadline and the caller's cancellation to end resumes the
/// caller; the others are cancelled.
private final class Race<T: Sendable>: Sendable {
    private struct State {
        var done = false
        var continuation: CheckedContinuation<T, any Error>?
        var result: Result<T, any Error>?
        var work: Task<Void, Never>?
        var timer: Task<Void, Never>?
    }
    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<T, any Error>, work: Task<Void, Never>, timer: Task<Void, Never>) {
        let early: Result<T, any Error>? = state.withLock { state in
            state.work = work
            state.timer = timer
            guard let result = state.result else {
                state.continuation = continuation
                return nil
            }
            return result
        }
        if let early {
            work.cancel()
            timer.cancel()
            continuation.resume(with: early)
        }
    }

    func finish(_ result: Result<T, any Error>) {
        let (continuation, work, timer): (CheckedContinuation<T, any Error>?, Task<Void, Never>?, Task<Void, Never>?) =
            state.withLock { state in
                guard !state.done else { return (nil, nil, nil) }
                state.done = true
                state.result = result
                defer { state.continuation = nil }
                return (state.continuation, state.work, state.timer)
            }
        work?.cancel()
        timer?.cancel()
        continuation?.resume(with: result)
    }
}
