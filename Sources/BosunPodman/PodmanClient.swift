import AsyncHTTPClient
import BosunCore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// Talks to Podman's libpod REST API over its unix socket: JSON calls, kube play, streamed pulls
/// and events. Podman answers errors as `{"cause", "message", "response"}`; this is the one
/// place that turns them (and a socket that does not answer) into `TargetError`s.
public final class PodmanClient: Sendable {
    /// The API prefix: Podman 4.0 is the oldest server Bosun talks to.
    static let prefix = "/v4.0.0/libpod"

    public let connection: PodmanConnection
    /// API calls made, by operation (list, inspect, play, ...): what the benchmark counts.
    public let calls = Mutex<[String: Int]>([:])
    private let http: HTTPClient
    var httpClient: HTTPClient { http }
    private let isShutDown = Mutex(false)

    public init(connection: PodmanConnection) {
        self.connection = connection
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(5), read: nil)
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
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

    /// The number of calls of one operation so far.
    public func count(_ operation: String) -> Int { calls.withLock { $0[operation] ?? 0 } }
    public func resetCounts() { calls.withLock { $0.removeAll() } }

    /// One API call.
    struct Call: Sendable, CustomStringConvertible {
        var method: HTTPMethod = .GET
        var path: String
        var query: [(String, String)] = []
        var body: [UInt8]?
        var contentType = "application/json"
        var headers: [(String, String)] = []
        var operation: String
        var description: String { "\(method.rawValue) \(path)" }
    }

    /// A reply: status, headers and body.
    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    // MARK: Calls

    /// The JSON answer; nil for 404 when `notFoundIsNil` (and for an empty 2xx body).
    func json(_ call: Call, notFoundIsNil: Bool = false, timeout: Duration? = nil) async throws -> JSONValue? {
        let reply = try await send(call, timeout: timeout)
        if reply.status == 404 && notFoundIsNil { return nil }
        try check(reply, call)
        if reply.body.isEmpty { return nil }
        do {
            return try JSONParser.parse(Data(reply.body))
        } catch {
            throw TargetError(.transient, "Podman at \(connection.socketURL) answered \(call) with something that is not JSON")
        }
    }

    /// The answer's status; throws for anything but 2xx (and 404 when `notFoundIsOK`) or 304.
    @discardableResult
    func status(_ call: Call, notFoundIsOK: Bool = false) async throws -> Int {
        let reply = try await send(call, timeout: nil)
        if reply.status == 404 && notFoundIsOK { return 404 }
        if reply.status == 304 { return 304 }
        try check(reply, call)
        return reply.status
    }

    func send(_ call: Call, timeout: Duration?) async throws -> Reply {
        calls.withLock { $0[call.operation, default: 0] += 1 }
        var request = HTTPClientRequest(url: url(call.path, call.query))
        request.method = call.method
        request.headers.add(name: "User-Agent", value: "bosun")
        // Go's HTTP server refuses a request without Host, which a unix-socket URL does not give.
        request.headers.add(name: "Host", value: "podman")
        for (name, value) in call.headers { request.headers.add(name: name, value: value) }
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: call.contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let limit = timeout ?? connection.requestTimeout
        do {
            let response = try await http.execute(request, deadline: .now() + .nanoseconds(Int64(limit.seconds * 1e9)))
            let body = try await response.body.collect(upTo: 64 << 20)
            return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            throw TargetError(.transient, "Podman at \(connection.socketURL) did not answer \(call) within \(DurationText.format(limit))")
        } catch {
            throw unreachable(error, call)
        }
    }

    func unreachable(_ error: any Error, _ call: Call) -> TargetError {
        TargetError(.transient, "cannot reach Podman at \(connection.socketURL) (\(call)): \(error); is the service running? Start it with `podman system service --time=0 \(connection.socketURL)` (or `systemctl enable --now podman.socket`)")
    }

    /// Podman's `{"cause", "message", "response"}` as a `TargetError`.
    func check(_ reply: Reply, _ call: Call) throws {
        guard !(200..<300).contains(reply.status) else { return }
        let said = (try? JSONParser.parse(Data(reply.body)))?["message"]?.stringValue ?? reply.text.trimmingCharacters(in: .whitespacesAndNewlines)
        let text = said.isEmpty ? "HTTP \(reply.status)" : said
        switch reply.status {
        case 400, 422: throw TargetError(.invalid, "Podman refused \(call): \(text)")
        case 404: throw TargetError(.notFound, "Podman has no \(call.path): \(text)")
        case 409: throw TargetError(.conflict, "Podman refused \(call): \(text)")
        case 500:
            // kube play answers every refusal with a 500: a name in use or a bad manifest is not worth a retry.
            let code: TargetError.Code = Self.isInputError(text) ? .invalid : .transient
            throw TargetError(code, "Podman refused \(call): \(text)")
        default:
            throw TargetError(reply.status >= 500 ? .transient : .invalid, "Podman answered \(call) with \(reply.status): \(text)")
        }
    }

    static func isInputError(_ text: String) -> Bool {
        ["in use", "already exists", "invalid", "unsupported", "not supported", "no such", "not found", "unknown", "cannot set env", "is not valid"]
            .contains { text.localizedCaseInsensitiveContains($0) }
    }

    func url(_ path: String, _ query: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let socket = connection.socketPath.addingPercentEncoding(withAllowedCharacters: allowed) ?? connection.socketPath
        var url = "http+unix://\(socket)\(Self.prefix)\(path)"
        if !query.isEmpty { url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&") }
        return url
    }

    static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// `filters` as the list endpoints take it: `{"label": ["k=v"]}`.
    static func filters(_ filters: [String: [String]]) -> (String, String) {
        let object = JSONObject(filters.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .array($0.value.map { .string($0) })) })
        return ("filters", JSONValue.object(object).jsonString())
    }

    // MARK: Version

    /// The server's libpod API version from `/_ping`; refuses one older than 4.0.
    public func ping() async throws -> String {
        var request = HTTPClientRequest(url: url("/_ping", []).replacingOccurrences(of: Self.prefix, with: ""))
        request.method = .GET
        request.headers.add(name: "Host", value: "podman")
        let reply: Reply
        let call = Call(path: "/_ping", operation: "ping")
        calls.withLock { $0["ping", default: 0] += 1 }
        do {
            let response = try await http.execute(request, deadline: .now() + .seconds(10))
            let body = try await response.body.collect(upTo: 1 << 16)
            reply = Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw unreachable(error, call)
        }
        guard reply.status == 200, let version = reply.headers.first(name: "Libpod-API-Version") else {
            throw TargetError(.invalid, "\(connection.socketURL) answered /_ping without a Libpod-API-Version header: it is not Podman's API (a Docker socket?); point socket at Podman's")
        }
        guard let major = Int(version.split(separator: ".").first ?? ""), major >= 4 else {
            throw TargetError(.invalid, "Podman at \(connection.socketURL) speaks libpod API \(version); Bosun needs Podman 4.0 or newer")
        }
        return version
    }

    // MARK: Streams

    /// Lines of a streamed answer (events, pull progress), as they arrive; ends when the server
    /// closes the stream. Throws for a refusal before the stream starts.
    func lines(_ call: Call, timeout: Duration?) async throws -> AsyncThrowingStream<String, any Error> {
        calls.withLock { $0[call.operation, default: 0] += 1 }
        var request = HTTPClientRequest(url: url(call.path, call.query))
        request.method = call.method
        request.headers.add(name: "Host", value: "podman")
        for (name, value) in call.headers { request.headers.add(name: name, value: value) }
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: call.contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        do {
            let deadline: NIODeadline = timeout.map { .now() + .nanoseconds(Int64($0.seconds * 1e9)) } ?? .distantFuture
            response = try await http.execute(request, deadline: deadline)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw unreachable(error, call)
        }
        if !(200..<300).contains(Int(response.status.code)) {
            let body = try await response.body.collect(upTo: 1 << 20)
            try check(Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body)), call)
        }
        return AsyncThrowingStream { continuation in
            let task = Task {
                var pending: [UInt8] = []
                do {
                    for try await buffer in response.body {
                        pending.append(contentsOf: buffer.readableBytesView)
                        while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                            let line = String(decoding: pending[..<newline], as: UTF8.self)
                            pending.removeSubrange(...newline)
                            if !line.isEmpty { continuation.yield(line) }
                        }
                    }
                    if !pending.isEmpty { continuation.yield(String(decoding: pending, as: UTF8.self)) }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}

extension PodmanClient {
    /// A GET to an ordinary http(s) URL (readiness probes); its status.
    func probe(_ url: String, timeout: Duration) async throws -> Int {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        let response = try await httpClient.execute(request, deadline: .now() + .nanoseconds(Int64(timeout.seconds * 1e9)))
        _ = try? await response.body.collect(upTo: 1 << 20)
        return Int(response.status.code)
    }
}
