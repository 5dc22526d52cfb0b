import BosunCore
import BosunTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import ServiceLifecycle

/// A request as the test server received it.
struct RecordedRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    /// Header names in lower case.
    var headers: [String: String]
    var body: [UInt8]

    var bodyJSON: JSONValue? { try? JSONParser.parse(Data(body)) }
}

/// What the test server answers.
struct ScriptedResponse: Sendable {
    var status: Int
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    /// Lines written one by one (a watch); the response ends when the stream does.
    var stream: AsyncStream<String>?
    /// Nothing, not even the status line, is sent until this ends (a peer that accepted the
    /// connection and never answers).
    var holdUntil: AsyncStream<Void>?

    static func json(_ value: JSONValue, status: Int = 200) -> ScriptedResponse {
        ScriptedResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(value.jsonString().utf8))
    }

    /// A `Status` failure as the API server sends it.
    static func failure(_ code: Int, reason: String, message: String, causes: [JSONValue] = [], headers: [String: String] = [:]) -> ScriptedResponse {
        var response = json([
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
            "reason": .string(reason), "details": ["causes": .array(causes)], "code": .int(code),
        ], status: code)
        for (name, value) in headers { response.headers[name] = value }
        return response
    }
}

/// An HTTP(S) server on loopback that answers with a handler the test writes, and records
/// every request. Real sockets, real TLS: what the client sends is what a server would get.
final class ScriptedServer: Sendable {
    typealias Handler = @Sendable (RecordedRequest) async -> ScriptedResponse

    let port: Int
    let scheme: String
    private let recorded = LockedBox<[RecordedRequest]>([])
    /// The running server and the group that stops it.
    private let running: LockedBox<(task: Task<Void, any Error>, group: ServiceGroup)?> = LockedBox(nil)

    var url: String { "\(scheme)://127.0.0.1:\(port)" }
    var requests: [RecordedRequest] { recorded.get() }

    private init(port: Int, scheme: String) {
        self.port = port
        self.scheme = scheme
    }

    static func start(tls: TLSConfiguration? = nil, handler: @escaping Handler) async throws -> ScriptedServer {
        let portBox = LockedBox<Int?>(nil)
        let serverBox = LockedBox<ScriptedServer?>(nil)
        var logger = Logger(label: "scripted-server")
        logger.logLevel = .critical
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            let body = try await request.body.collect(upTo: 64 * 1024 * 1024)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            var query: [String: String] = [:]
            for (name, value) in request.uri.queryParameters { query[String(name)] = String(value) }
            let recordedRequest = RecordedRequest(
                method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
                body: Array(buffer: body))
            serverBox.get()?.recorded.update { $0.append(recordedRequest) }
            let answer = await handler(recordedRequest)
            if let hold = answer.holdUntil { for await _ in hold {} }
            var fields = HTTPFields()
            for (name, value) in answer.headers {
                if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
            }
            if let stream = answer.stream {
                return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody { writer in
                    for await line in stream { try await writer.write(ByteBuffer(string: line)) }
                    try await writer.finish(nil)
                })
            }
            return Response(status: .init(code: answer.status), headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
        }
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1()
        let app = Application(
            responder: responder, server: server, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portBox.set(channel.localAddress?.port) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        let running = Task { try await group.run() }
        var waited = 0
        while portBox.get() == nil {
            guard waited < 1000 else {
                running.cancel()
                throw FixtureError("the test server did not start")
            }
            try await Task.sleep(for: .milliseconds(10))
            waited += 1
        }
        let instance = ScriptedServer(port: portBox.get() ?? 0, scheme: tls == nil ? "http" : "https")
        instance.running.set((running, group))
        serverBox.set(instance)
        return instance
    }

    /// Stops by graceful shutdown: the listener closes first and every connection it accepted is
    /// handled to its end. Cancelling the server instead drops connections accepted but not yet
    /// handled, and SwiftNIO traps on that ("Deinited NIOAsyncWriter without calling finish()"):
    /// a crash whenever a client connects while the server stops. A response that never ends
    /// (a held answer, an open watch) is cancelled after a while; nothing waits unhandled by then.
    func stop() async {
        guard let (task, group) = running.get() else { return }
        await group.triggerGracefulShutdown()
        let stragglers = Task {
            try await Task.sleep(for: .seconds(10))
            task.cancel()
        }
        _ = try? await task.value
        stragglers.cancel()
    }

    func clearRequests() { recorded.set([]) }
}
