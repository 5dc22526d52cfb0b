import ArgumentParser
import AsyncHTTPClient
import BosunCore
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// `--server` and `--token`, shared by every command that needs a running `bosun serve`.
struct ServerOptions: ParsableArguments {
    @Option(help: "URL of a running `bosun serve` (default: $BOSUN_SERVER, else server.listen of --config).")
    var server: String?

    @Option(help: "API token (default: $BOSUN_TOKEN). Prefer the variable: options show in process lists.")
    var token: String?

    @Option(name: [.short, .long], help: "The config file, to find server.listen.")
    var config: String = "bosun.yaml"

    @Option(help: ArgumentHelp("How long to wait for the server to accept the connection (a refused one fails at once).",
                               valueName: "duration"))
    var connectTimeout: String = "10s"

    /// The server's base URL: --server, else BOSUN_SERVER, else the config's server.listen.
    func baseURL() throws -> String {
        if let server { return server.hasSuffix("/") ? String(server.dropLast()) : server }
        if let env = ProcessInfo.processInfo.environment["BOSUN_SERVER"], !env.isEmpty { return env }
        if FileManager.default.fileExists(atPath: config) {
            let loaded = try ConfigLoader.load(file: config)
            let scheme = loaded.server.tls == nil ? "http" : "https"
            return "\(scheme)://\(loaded.server.listen)"
        }
        return "http://\(ServerConfig.defaultListen)"
    }

    func client() throws -> APIClient {
        let environment = ProcessInfo.processInfo.environment["BOSUN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let connect: Duration
        do {
            connect = try DurationText.parse(connectTimeout)
        } catch {
            throw ValidationError("--connect-timeout \(connectTimeout): \(error); write it as 10s, 500ms or 1m")
        }
        return APIClient(base: try baseURL(), token: (token.flatMap { $0.isEmpty ? nil : $0 } ?? environment)?.trimmingCharacters(in: .whitespacesAndNewlines),
                         http: CLIHTTPClient.make(connectTimeout: connect), connectTimeout: connect)
    }
}

/// The CLI's HTTP client: one per process. A refused connection fails at once instead of being
/// retried until the request's deadline (AsyncHTTPClient's default), and an unanswered one after
/// the connect timeout; the whole request keeps its own deadline.
/// Clients are kept for the life of the process (a client must be shut down before it is
/// released; a CLI process simply ends).
enum CLIHTTPClient {
    private static let clients = Mutex<[Int64: HTTPClient]>([:])

    static func make(connectTimeout: Duration) -> HTTPClient {
        let milliseconds = Int64(connectTimeout.seconds * 1000)
        return clients.withLock { clients in
            if let client = clients[milliseconds] { return client }
            var configuration = HTTPClient.Configuration()
            configuration.timeout.connect = .milliseconds(milliseconds)
            configuration.connectionPool.retryConnectionEstablishment = false
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[milliseconds] = client
            return client
        }
    }
}

/// Talks to `bosun serve` over its REST API.
struct APIClient: Sendable {
    let base: String
    let token: String?
    /// Lives as long as the command: the process ends right after.
    let http: HTTPClient
    let connectTimeout: Duration

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var code: String
        var message: String
        /// The running sync a 409 names.
        var syncID: Int64?
        var description: String { message }
    }

    func get<T: Decodable>(_ path: String, as type: T.Type = T.self) async throws -> T {
        try decode(try await send(.GET, path), T.self)
    }

    func post<T: Decodable>(_ path: String, body: JSONValue = [:], as type: T.Type = T.self) async throws -> T {
        try decode(try await send(.POST, path, body: body), T.self)
    }

    func send(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> Data {
        var request = HTTPClientRequest(url: base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body.jsonString()))
        }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .seconds(60))
        } catch let error as HTTPClientError where error == .connectTimeout {
            throw CLIError("cannot reach bosun at \(base): no answer within --connect-timeout \(DurationText.format(connectTimeout)); is the address right, and does a firewall drop it?")
        } catch {
            throw CLIError("cannot reach bosun at \(base) (\(error)); start it with `bosun serve`, or point --server / BOSUN_SERVER at it")
        }
        let buffer = try await response.body.collect(upTo: 64 << 20)
        let data = Data(buffer: buffer)
        guard (200..<300).contains(Int(response.status.code)) else {
            let status = Int(response.status.code)
            var failure = Failure(status: status, code: "", message: "HTTP \(status) from \(base)\(path)")
            if let value = try? JSONParser.parse(data), let error = value["error"] {
                failure.code = error["code"]?.stringValue ?? ""
                failure.message = error["message"]?.stringValue ?? failure.message
                failure.syncID = error["syncId"]?.intValue.map(Int64.init)
            }
            // Say how to fix a refused token, without ever printing the token.
            if status == 401 {
                failure.message += token == nil
                    ? " (pass --token or set BOSUN_TOKEN; `bosun token create NAME --role R` makes one)"
                    : " (the token given with --token or BOSUN_TOKEN was refused by \(base))"
            }
            throw failure
        }
        return data
    }

    func decode<T: Decodable>(_ data: Data, _ type: T.Type) throws -> T {
        do {
            return try JSONDecoder.bosun.decode(T.self, from: data)
        } catch {
            throw CLIError("unexpected answer from \(base): \(error)")
        }
    }

    static func path(_ name: String) -> String {
        name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? name
    }
}
