import BosunCore
import Foundation

/// What one request carries to prove who it is.
struct RequestCredentials: Sendable {
    /// The `Authorization` header value.
    var authorization: Secret?
    /// A client certificate from an exec plugin (static ones live in the TLS settings).
    var clientCertificatePEM: [UInt8]?
    var clientKeyPEM: Secret?
}

/// Hands out the current credentials: static tokens as they are, token files re-read once a
/// minute (service-account tokens rotate), exec plugin answers cached until they expire and
/// dropped when the server answers 401.
actor CredentialSource {
    /// How long a token read from a file is used before the file is read again.
    static let tokenFileRefresh: TimeInterval = 60
    /// Refresh an exec credential this long before it expires, so no request carries one
    /// that expires in flight.
    static let expirySkew: TimeInterval = 10

    private let authentication: ClusterConnection.Authentication
    private let cluster: ExecCredentialPlugin.ClusterInfo
    private let clock: any BosunClock
    private let environment: [String: String]

    private var cached: (credentials: RequestCredentials, validUntil: Date?)?
    private var refreshing: Task<(RequestCredentials, Date?), any Error>?
    /// How many times the exec plugin ran (tests and metrics read it).
    private(set) var pluginRuns = 0

    init(connection: ClusterConnection, clock: any BosunClock, environment: [String: String]) {
        authentication = connection.authentication
        cluster = ExecCredentialPlugin.ClusterInfo(
            server: connection.server, certificateAuthorityPEM: connection.tls.certificateAuthorityPEM,
            insecureSkipVerify: connection.tls.insecureSkipVerify, serverName: connection.tls.serverName)
        self.clock = clock
        self.environment = environment
    }

    func current() async throws -> RequestCredentials {
        switch authentication {
        case .none:
            return RequestCredentials()
        case .bearer(let token):
            return RequestCredentials(authorization: Secret("Bearer \(token.reveal)"))
        case .basic(let username, let password):
            let encoded = Data("\(username):\(password.reveal)".utf8).base64EncodedString()
            return RequestCredentials(authorization: Secret("Basic \(encoded)"))
        case .tokenFile, .exec:
            if let cached, cached.validUntil.map({ clock.now < $0 }) ?? true { return cached.credentials }
            return try await refresh()
        }
    }

    /// Forgets a cached credential the server refused, so the next request fetches a new one.
    func invalidate() {
        switch authentication {
        case .tokenFile, .exec: cached = nil
        default: break
        }
    }

    /// Whether a 401 may be cured by fetching the credential again.
    var canRefresh: Bool {
        switch authentication {
        case .tokenFile, .exec: true
        default: false
        }
    }

    private func refresh() async throws -> RequestCredentials {
        // One refresh at a time: concurrent requests wait for the same plugin run.
        if let refreshing { return try await refreshing.value.0 }
        let task = Task { try await self.fetch() }
        refreshing = task
        defer { refreshing = nil }
        let (credentials, validUntil) = try await task.value
        cached = (credentials, validUntil)
        return credentials
    }

    private func fetch() async throws -> (RequestCredentials, Date?) {
        switch authentication {
        case .tokenFile(let path):
            let token: String
            do {
                token = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw TargetError(.forbidden, "cannot read token file \(path): \((error as NSError).localizedDescription)")
            }
            guard !token.isEmpty else { throw TargetError(.forbidden, "token file \(path) is empty") }
            return (RequestCredentials(authorization: Secret("Bearer \(token)")), clock.now.addingTimeInterval(Self.tokenFileRefresh))
        case .exec(let config, let userName):
            pluginRuns += 1
            let answer = try await ExecCredentialPlugin.run(config, userName: userName, cluster: cluster, environment: environment)
            let credentials = RequestCredentials(
                authorization: answer.token.map { Secret("Bearer \($0.reveal)") },
                clientCertificatePEM: answer.clientCertificatePEM, clientKeyPEM: answer.clientKeyPEM)
            return (credentials, answer.expiration.map { $0.addingTimeInterval(-Self.expirySkew) })
        default:
            return (RequestCredentials(), nil)
        }
    }
}
