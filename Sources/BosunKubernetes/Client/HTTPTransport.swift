import AsyncHTTPClient
import BosunCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// Sends requests to one API server: TLS and credentials, retries of transient failures with
/// backoff (honouring `Retry-After`), decoding of `Status` errors, and request counting. This
/// is the one place that decides "retry" or "give up" for HTTP.
final class HTTPTransport: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: [UInt8]
    }

    let connection: ClusterConnection
    let options: KubernetesClientOptions
    let metrics: RequestCounts
    let credentials: CredentialSource
    private let http: HTTPClientBox
    private let clock: any BosunClock
    private let logger: Logger
    /// The URL prefix requests go to (the TLS server name when the kubeconfig sets one).
    private let baseURL: String
    private let baseTLS: TLSConfiguration?
    /// The TLS configuration built for the last exec-plugin client certificate.
    private let execTLS = Mutex<(pem: [UInt8], tls: TLSConfiguration)?>(nil)

    init(connection: ClusterConnection, options: KubernetesClientOptions, metrics: RequestCounts, clock: any BosunClock,
         environment: [String: String], logger: Logger) throws {
        self.connection = connection
        self.options = options
        self.metrics = metrics
        self.clock = clock
        self.logger = logger
        credentials = CredentialSource(connection: connection, clock: clock, environment: environment)

        guard let components = URLComponents(string: connection.server), let host = components.host else {
            throw TargetError(.invalid, "the server URL \"\(connection.server)\" of \(connection.origin) is not valid")
        }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: options.connectTimeout.timeAmount, read: nil)
        configuration.redirectConfiguration = .disallow
        var base = components
        if let serverName = connection.tls.serverName, serverName != host {
            // Connect to the real host but send and verify the TLS server name the kubeconfig sets.
            base.host = serverName
            configuration.dnsOverride = [serverName: host]
        }
        base.path = ""
        baseURL = base.string ?? connection.server
        if components.scheme == "https" {
            baseTLS = try Self.tlsConfiguration(connection.tls, origin: connection.origin)
            configuration.tlsConfiguration = baseTLS
        } else {
            baseTLS = nil
        }
        if let proxy = connection.proxyURL {
            configuration.proxy = try Self.proxy(proxy, origin: connection.origin)
        }
        http = HTTPClientBox(HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration))
    }

    func shutdown() async { await http.shutdown() }

    // MARK: Requests

    /// Sends `request`, retrying transient failures; throws the decoded error for any
    /// non-2xx answer, except 404 when `notFoundIsNil` (then the body is empty and status 404).
    func send(_ request: APIRequest, notFoundIsNil: Bool = false) async throws -> Response {
        try await withRetries(request) { attempt in
            let response = try await self.execute(request, deadline: .now() + self.options.requestTimeout.timeAmount)
            let body = try await response.body.collect(upTo: 256 * 1024 * 1024)
            return (Int(response.status.code), Array(buffer: body), response.headers, ())
        } accept: { status, body, _, _ in
            if (200..<300).contains(status) { return Response(status: status, body: body) }
            if status == 404 && notFoundIsNil { return Response(status: 404, body: []) }
            return nil
        }
    }

    /// The JSON body of a successful answer; nil for 404 when `notFoundIsNil`.
    func json(_ request: APIRequest, notFoundIsNil: Bool = false) async throws -> JSONValue? {
        let response = try await send(request, notFoundIsNil: notFoundIsNil)
        if response.status == 404 { return nil }
        do {
            return try JSONParser.parse(Data(response.body))
        } catch {
            throw TargetError(.transient, "the API server answered \(request) with something that is not JSON (\(error))", key: request.key)
        }
    }

    /// Opens a streaming request (a watch): retries until the server answers 200, then hands
    /// over the body. The stream has no deadline; the server closes it at `timeoutSeconds`.
    func stream(_ request: APIRequest) async throws -> HTTPClientResponse {
        try await withRetries(request) { attempt in
            let response = try await self.execute(request, deadline: .now() + self.options.requestTimeout.timeAmount)
            if response.status == .ok { return (200, [], response.headers, Optional(response)) }
            let body = try await response.body.collect(upTo: 1024 * 1024)
            return (Int(response.status.code), Array(buffer: body), response.headers, HTTPClientResponse?.none)
        } accept: { (status: Int, _: [UInt8], _: HTTPHeaders, response: HTTPClientResponse?) throws -> HTTPClientResponse? in
            // The resource version to watch from is gone: the watcher must list again.
            if status == 410 { throw WatchError.gone }
            return status == 200 ? response : nil
        }
    }

    // MARK: Retry loop

    private func withRetries<Raw: Sendable, Result>(
        _ request: APIRequest,
        _ perform: @Sendable (Int) async throws -> (Int, [UInt8], HTTPHeaders, Raw),
        accept: (Int, [UInt8], HTTPHeaders, Raw) throws -> Result?
    ) async throws -> Result {
        var attempt = 0
        var refreshedCredentials = false
        while true {
            attempt += 1
            let status: Int
            let body: [UInt8]
            let headers: HTTPHeaders
            let raw: Raw
            do {
                (status, body, headers, raw) = try await perform(attempt)
            } catch let error as TargetError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                metrics.record(request.verb, code: 0)
                let failure = classify(error, request: request)
                guard failure.isRetryable, attempt <= options.maxRetries, !Task.isCancelled else { throw failure }
                logger.debug("retrying after a connection failure", metadata: ["request": "\(request)", "attempt": "\(attempt)"])
                try await clock.sleep(for: backoff(attempt: attempt, retryAfter: nil))
                continue
            }
            metrics.record(request.verb, code: status)
            logger.trace("answered", metadata: ["request": "\(request)", "status": "\(status)"])
            if let accepted = try accept(status, body, headers, raw) { return accepted }

            if status == 401, !refreshedCredentials, await credentials.canRefresh {
                // The cached token may have been revoked or rotated: fetch a new one once.
                refreshedCredentials = true
                await credentials.invalidate()
                continue
            }
            let decoded = KubernetesStatus(code: status, body: body)
            let retryAfter = headers.first(name: "Retry-After").flatMap(Double.init) ?? decoded.retryAfterSeconds.map(Double.init)
            let error = decoded.error(for: request, server: connection.server, origin: connection.origin, retryAfter: retryAfter)
            guard KubernetesStatus.isRetryable(status), attempt <= options.maxRetries else {
                if KubernetesStatus.isRetryable(status) {
                    throw TargetError(error.code, "\(error.message) (gave up after \(attempt) attempts)", key: error.key, retryAfter: error.retryAfter)
                }
                throw error
            }
            logger.debug("retrying", metadata: ["request": "\(request)", "status": "\(status)", "attempt": "\(attempt)"])
            try await clock.sleep(for: backoff(attempt: attempt, retryAfter: retryAfter))
        }
    }

    /// Exponential backoff with jitter, or the server's `Retry-After` when it gave one.
    func backoff(attempt: Int, retryAfter: Double?) -> Duration {
        if let retryAfter, retryAfter > 0 {
            return min(.milliseconds(Int64(retryAfter * 1000)), options.maxRetryAfter)
        }
        let base = options.initialBackoff * (1 << min(attempt - 1, 10))
        let capped = min(base, options.maxBackoff)
        // Half fixed, half random, so retries from many workers spread out.
        let jitter = Double.random(in: 0.5...1.0)
        return .milliseconds(Int64(capped.seconds * jitter * 1000))
    }

    private func classify(_ error: any Error, request: APIRequest) -> TargetError {
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError {
            return TargetError(.invalid, "TLS with the API server at \(connection.server) failed (\(error)) during \(request): check the certificate-authority, insecure-skip-tls-verify and client certificate of \(connection.origin)", key: request.key)
        }
        if let client = error as? HTTPClientError, client == .deadlineExceeded {
            return TargetError(.transient, "the API server at \(connection.server) did not answer \(request) within \(DurationText.format(options.requestTimeout))", key: request.key)
        }
        return TargetError(.transient, "cannot reach the API server at \(connection.server) to \(request): \(error)", key: request.key)
    }

    private func execute(_ request: APIRequest, deadline: NIODeadline) async throws -> HTTPClientResponse {
        var outgoing = HTTPClientRequest(url: baseURL + request.url)
        outgoing.method = request.method
        outgoing.headers.add(name: "Accept", value: "application/json")
        outgoing.headers.add(name: "User-Agent", value: options.userAgent)
        if let contentType = request.contentType { outgoing.headers.add(name: "Content-Type", value: contentType) }
        if let body = request.body { outgoing.body = .bytes(body) }
        let current = try await credentials.current()
        if let authorization = current.authorization { outgoing.headers.add(name: "Authorization", value: authorization.reveal) }
        if let pem = current.clientCertificatePEM, let key = current.clientKeyPEM {
            outgoing.tlsConfiguration = try execTLSConfiguration(certificate: pem, key: key)
        }
        return try await http.client.execute(outgoing, deadline: deadline, logger: nil)
    }

    // MARK: TLS

    static func tlsConfiguration(_ settings: ClusterConnection.TLS, origin: String) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if settings.insecureSkipVerify {
            tls.certificateVerification = .none
        }
        if let ca = settings.certificateAuthorityPEM {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            } catch {
                throw TargetError(.invalid, "the certificate authority of \(origin) is not a PEM certificate (\(error))")
            }
        }
        if let cert = settings.clientCertificatePEM, let key = settings.clientKeyPEM {
            try addClientCertificate(&tls, certificate: cert, key: key, origin: origin)
        }
        return tls
    }

    static func addClientCertificate(_ tls: inout TLSConfiguration, certificate: [UInt8], key: Secret, origin: String) throws {
        do {
            tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
        } catch {
            throw TargetError(.invalid, "the client certificate of \(origin) is not a PEM certificate (\(error))")
        }
        do {
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(key.reveal.utf8), format: .pem))
        } catch {
            // Never quote the key itself.
            throw TargetError(.invalid, "the client key of \(origin) is not a PEM private key")
        }
    }

    private func execTLSConfiguration(certificate: [UInt8], key: Secret) throws -> TLSConfiguration {
        if let cached = execTLS.withLock({ $0 }), cached.pem == certificate { return cached.tls }
        var tls = baseTLS ?? TLSConfiguration.makeClientConfiguration()
        try Self.addClientCertificate(&tls, certificate: certificate, key: key, origin: "the exec plugin of \(connection.origin)")
        execTLS.withLock { $0 = (certificate, tls) }
        return tls
    }

    static func proxy(_ text: String, origin: String) throws -> HTTPClient.Configuration.Proxy {
        guard let url = URLComponents(string: text), let host = url.host else {
            throw TargetError(.invalid, "proxy-url \"\(text)\" of \(origin) is not a URL")
        }
        switch url.scheme {
        case "http": return .server(host: host, port: url.port ?? 80)
        case "socks5": return .socksServer(host: host, port: url.port ?? 1080)
        default: throw TargetError(.invalid, "proxy-url \"\(text)\" of \(origin): only http:// and socks5:// proxies are supported")
        }
    }
}

/// Owns the HTTP client and shuts it down exactly once: explicitly, or when the last user
/// lets go (AsyncHTTPClient insists on a shutdown before it is released).
final class HTTPClientBox: Sendable {
    let client: HTTPClient
    private let isShutDown = Mutex(false)

    init(_ client: HTTPClient) { self.client = client }

    func shutdown() async {
        guard isShutDown.withLock({ state in defer { state = true }; return !state }) else { return }
        try? await client.shutdown()
    }

    deinit {
        if !isShutDown.withLock({ $0 }) { client.shutdown { _ in } }
    }
}

extension Duration {
    /// The same span as NIO measures it.
    var timeAmount: TimeAmount { .nanoseconds(Int64(seconds * 1_000_000_000)) }
}
