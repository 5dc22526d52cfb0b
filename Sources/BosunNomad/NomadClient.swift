import AsyncHTTPClient
import BosunCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Talks to one Nomad agent's HTTP API: the ACL token in `X-Nomad-Token`, region and namespace
/// query parameters, retries of transient failures with backoff, classification of Nomad's
/// plain-text errors, and request counting. The one place that decides "retry" or "give up".
public final class NomadClient: Sendable {
    /// How hard to try.
    public struct Options: Sendable {
        public var requestTimeout: Duration = .seconds(30)
        public var maxRetries = 4
        public var initialBackoff: Duration = .milliseconds(200)
        public var maxBackoff: Duration = .seconds(3)
        public init() {}
    }

    /// One API call: method, path, query, JSON body, and the operation it counts as.
    struct Call: Sendable, CustomStringConvertible {
        var method: HTTPMethod
        var path: String
        var query: [(String, String)] = []
        var body: JSONValue?
        var operation: String
        var key: ResourceKey?

        var description: String { "\(method.rawValue) \(path)" }
    }

    public let connection: NomadConnection
    public let options: Options
    public let metrics: RequestCounts
    private let http: HTTPClient
    private let isShutDown = Mutex(false)

    public init(connection: NomadConnection, options: Options = Options(), metrics: RequestCounts = RequestCounts()) throws {
        self.connection = connection
        self.options = options
        self.metrics = metrics
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: nil)
        configuration.redirectConfiguration = .disallow
        if connection.address.hasPrefix("https:") {
            configuration.tlsConfiguration = try Self.tls(connection)
        }
        if let serverName = connection.tlsServerName, let host = URLComponents(string: connection.address)?.host, serverName != host {
            // Verify the certificate for the name Nomad's servers carry (server.<region>.nomad).
            configuration.dnsOverride = [serverName: host]
        }
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    deinit {
        if !isShutDown.withLock({ $0 }) { http.shutdown { _ in } }
    }

    /// Closes the connections; call once at shutdown.
    public func shutdown() async {
        guard isShutDown.withLock({ state in defer { state = true }; return !state }) else { return }
        try? await http.shutdown()
    }

    // MARK: Requests

    /// The JSON answer to `call`; nil for 404 when `notFoundIsNil`.
    func json(_ call: Call, notFoundIsNil: Bool = false) async throws -> JSONValue? {
        try await query(call, notFoundIsNil: notFoundIsNil)?.body
    }

    /// The JSON answer and its `X-Nomad-Index` (for blocking queries); nil for 404 when `notFoundIsNil`.
    func query(_ call: Call, notFoundIsNil: Bool = false, timeout: Duration? = nil) async throws -> (body: JSONValue, index: Int?)? {
        var attempt = 0
        while true {
            attempt += 1
            let status: Int
            let body: [UInt8]
            let index: Int?
            do {
                (status, body, index) = try await execute(call, timeout: timeout ?? options.requestTimeout)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                metrics.record(call.operation, code: 0)
                let failure = classify(error, call: call)
                guard attempt <= options.maxRetries, !Task.isCancelled else {
                    throw TargetError(.transient, "\(failure) (gave up after \(attempt) attempts)")
                }
                try await Task.sleep(for: backoff(attempt))
                continue
            }
            metrics.record(call.operation, code: status)
            if (200..<300).contains(status) {
                if body.isEmpty { return (.null, index) }
                do {
                    return (try JSONParser.parse(Data(body)), index)
                } catch {
                    throw TargetError(.transient, "Nomad at \(connection.address) answered \(call) with something that is not JSON")
                }
            }
            if status == 404 && notFoundIsNil { return nil }
            let text = String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let error = NomadErrorText.classify(status: status, text: text, call: call, connection: connection)
            guard error.isRetryable, attempt <= options.maxRetries, !Task.isCancelled else {
                if error.isRetryable {
                    throw TargetError(error.code, "\(error.message) (gave up after \(attempt) attempts)")
                }
                throw error
            }
            try await Task.sleep(for: backoff(attempt))
        }
    }

    /// Exponential backoff with jitter, so many workers' retries spread out.
    func backoff(_ attempt: Int) -> Duration {
        let base = options.initialBackoff * (1 << min(attempt - 1, 10))
        let capped = min(base, options.maxBackoff)
        return .milliseconds(Int64(capped.seconds * Double.random(in: 0.5...1.0) * 1000))
    }

    private func classify(_ error: any Error, call: Call) -> String {
        if error is NIOSSLError || error is NIOSSLExtraError {
            return "TLS with Nomad at \(connection.address) failed during \(call) (\(error)); check caCert, clientCert/clientKey, tlsServerName"
        }
        if let client = error as? HTTPClientError, client == .deadlineExceeded {
            return "Nomad at \(connection.address) did not answer \(call) within \(DurationText.format(options.requestTimeout))"
        }
        return "cannot reach Nomad at \(connection.address) to \(call): \(error)"
    }

    private func execute(_ call: Call, timeout: Duration) async throws -> (Int, [UInt8], Int?) {
        var query = call.query
        if let region = connection.region { query.append(("region", region)) }
        var url = connection.address
        if let serverName = connection.tlsServerName, var components = URLComponents(string: url) {
            components.host = serverName
            url = components.string ?? url
        }
        url += call.path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = call.method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "bosun")
        if let token = connection.token { request.headers.add(name: "X-Nomad-Token", value: token) }
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonString()))
        }
        let response = try await http.execute(request, deadline: .now() + .nanoseconds(Int64(timeout.seconds * 1e9)))
        let body = try await response.body.collect(upTo: 128 << 20)
        return (Int(response.status.code), Array(buffer: body), response.headers.first(name: "X-Nomad-Index").flatMap { Int($0) })
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~*")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    // MARK: TLS

    static func tls(_ connection: NomadConnection) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if connection.tlsSkipVerify { tls.certificateVerification = .none }
        if let path = connection.caCertPath {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            } catch {
                throw TargetError(.invalid, "caCert \(path) is not a readable PEM certificate (\(error))")
            }
        }
        if let cert = connection.clientCertPath, let key = connection.clientKeyPath {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
            } catch {
                throw TargetError(.invalid, "clientCert \(cert) is not a readable PEM certificate (\(error))")
            }
            do {
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            } catch {
                // Never quote the key itself.
                throw TargetError(.invalid, "clientKey \(key) is not a readable PEM private key")
            }
        }
        return tls
    }
}

/// Nomad answers errors as plain text; this turns them into `TargetError`s a person can act on.
enum NomadErrorText {
    static func classify(status: Int, text: String, call: NomadClient.Call, connection: NomadConnection) -> TargetError {
        let said = text.isEmpty ? "HTTP \(status)" : text
        switch status {
        case 403:
            let fix = connection.tokenEnv.map { "check the token in $\($0)" } ?? "set tokenEnv on the target to a variable holding an ACL token"
            return TargetError(.forbidden, "Nomad denied \(call.method.rawValue) \(call.path): \(said); \(fix)")
        case 400:
            return TargetError(.invalid, "Nomad refused \(call.method.rawValue) \(call.path): \(said)")
        case 404:
            return TargetError(.notFound, "Nomad has no \(call.path): \(said)")
        case 409:
            return TargetError(.conflict, "Nomad refused \(call.method.rawValue) \(call.path): \(said)")
        case 429, 502, 503, 504:
            return TargetError(.transient, "Nomad at \(connection.address) answered \(call) with \(status): \(said)")
        case 500:
            // Nomad answers many request errors with a 500 and its text: only some are worth retrying.
            if text.contains("Enforcing job modify index") {
                return TargetError(.conflict, "check-and-set failed: \(said)")
            }
            if text.contains("nonexistent namespace") || text.contains("namespace not found") {
                return TargetError(.invalid, "\(said); create the namespace in Nomad or fix the job's namespace")
            }
            if text.contains("Permission denied") || text.contains("ACL token not found") {
                let fix = connection.tokenEnv.map { "check the token in $\($0)" } ?? "set tokenEnv on the target"
                return TargetError(.forbidden, "Nomad denied \(call.method.rawValue) \(call.path): \(said); \(fix)")
            }
            if text.contains("validation") || text.contains("error(s) occurred") || text.contains("failed to parse") {
                return TargetError(.invalid, "Nomad refused \(call.method.rawValue) \(call.path): \(said)")
            }
            return TargetError(.transient, "Nomad at \(connection.address) answered \(call) with 500: \(said)")
        default:
            let code: TargetError.Code = status >= 500 ? .transient : .invalid
            return TargetError(code, "Nomad answered \(call) with \(status): \(said)")
        }
    }
}
