import AsyncHTTPClient
import BosunCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// How to reach one chart repository or registry: URL, credentials (read from the
/// environment, never logged), TLS.
public struct ChartRepositoryAccess: Sendable, Hashable {
    public var name: String
    public var url: String
    public var type: RepositoryType
    var username: String?
    var password: String?
    public var caFile: String?
    public var plainHTTP: Bool
    public var timeout: Duration

    public init(_ spec: RepositorySpec, environment: [String: String] = ProcessInfo.processInfo.environment,
                resolvePath: (String) -> String = { $0 }) {
        name = spec.name
        url = spec.url
        type = spec.type
        username = spec.credentials?.usernameEnv.flatMap { environment[$0] }
        password = spec.credentials?.passwordEnv.flatMap { environment[$0] }
        caFile = spec.caFile.map(resolvePath)
        plainHTTP = spec.plainHTTP
        timeout = spec.fetchTimeout
    }

    /// An anonymous access to a URL no repository entry names (a dependency's repository).
    public init(anonymous url: String, type: RepositoryType) {
        name = url
        self.url = url
        self.type = type
        caFile = nil
        plainHTTP = false
        timeout = .seconds(120)
    }

    var basicAuthorization: String? {
        guard let username, let password else { return nil }
        return "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// A response read whole (bounded).
struct HTTPAnswer: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: Data
}

/// HTTP for chart sources: one client per CA file, bounded bodies, failures classified once
/// (no answer or 5xx: unavailable; 401/403: unauthorized).
final class ChartHTTP: Sendable {
    private let clients = Mutex<[String: HTTPClient]>([:])
    static let maxBody = 64 << 20

    init() {}

    deinit {
        // A client must be shut down before it goes; callers that forgot get it done here.
        for client in clients.withLock({ Array($0.values) }) { client.shutdown { _ in } }
    }

    func shutdown() async {
        let all = clients.withLock { clients in defer { clients.removeAll() }; return Array(clients.values) }
        for client in all { try? await client.shutdown() }
    }

    private func client(caFile: String?) throws(ChartError) -> HTTPClient {
        let key = caFile ?? ""
        if let existing = clients.withLock({ $0[key] }) { return existing }
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(60))
        configuration.redirectConfiguration = .follow(max: 5, allowCycles: false)
        if let caFile {
            var tls = TLSConfiguration.makeClientConfiguration()
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            } catch {
                throw ChartError(.invalid, "caFile \(caFile) is not a readable PEM certificate (\(error))")
            }
            configuration.tlsConfiguration = tls
        }
        let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        return clients.withLock { clients in
            if let raced = clients[key] {
                try? made.syncShutdown()
                return raced
            }
            clients[key] = made
            return made
        }
    }

    func get(_ url: String, headers: [(String, String)], access: ChartRepositoryAccess, method: HTTPMethod = .GET,
             limit: Int = ChartHTTP.maxBody) async throws(ChartError) -> HTTPAnswer {
        let http = try client(caFile: access.caFile)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "User-Agent", value: "bosun")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let shown = Self.redacted(url)
        do {
            let response = try await http.execute(request, deadline: .now() + .nanoseconds(Int64(access.timeout.seconds * 1e9)))
            let body = try await response.body.collect(upTo: limit)
            return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: Data(body.readableBytesView))
        } catch let error as NIOTooManyBytesError {
            _ = error
            throw ChartError(.invalid, "\(access.name): \(shown) answered more than \(limit >> 20) MiB; Bosun refuses it")
        } catch {
            throw ChartError(.unavailable, "\(access.name): cannot reach \(shown): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            if e == .deadlineExceeded || e == .readTimeout || e == .connectTimeout { return "timed out" }
            return "\(e)"
        }
        let text = "\(error)"
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        return text
    }

    /// A URL without user information, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.user != nil || components.password != nil else { return url }
        components.user = nil
        components.password = nil
        return components.string ?? url
    }

    /// Classifies an answer that is not 2xx.
    static func failure(_ answer: HTTPAnswer, what: String, access: ChartRepositoryAccess) -> ChartError {
        switch answer.status {
        case 401, 403:
            return ChartError(.unauthorized, "\(access.name): \(what) was refused (HTTP \(answer.status)); check credentials.usernameEnv and passwordEnv")
        case 404:
            return ChartError(.notFound, "\(access.name): \(what) does not exist (HTTP 404)")
        case 500...599, 429, 408:
            return ChartError(.unavailable, "\(access.name): \(what) failed with HTTP \(answer.status)")
        default:
            return ChartError(.invalid, "\(access.name): \(what) answered HTTP \(answer.status)")
        }
    }
}
