import ArgumentParser
import AsyncHTTPClient
import BosunCore
import Foundation
import NIOCore
import NIOHTTP1

/// `--server` and `--token`, shared by every command that needs a running `bosun serve`.
struct ServerOptions: ParsableArguments {
    @Option(help: "URL of a running `bosun serve` (default: $BOSUN_SERVER, else server.listen of --config).")
    var server: String?

    @Option(help: "API token (default: $BOSUN_TOKEN).")
    var token: String?

    @Option(name: [.short, .long], help: "The config file, to find server.listen.")
    var config: String = "bosun.yaml"

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
        APIClient(base: try baseURL(), token: token ?? ProcessInfo.processInfo.environment["BOSUN_TOKEN"])
    }
}

/// Talks to `bosun serve` over its REST API.
struct APIClient: Sendable {
    let base: String
    let token: String?

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var code: String
        var message: String
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
            response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        } catch {
            throw CLIError("cannot reach bosun at \(base) (\(error)); start it with `bosun serve`, or point --server / BOSUN_SERVER at it")
        }
        let buffer = try await response.body.collect(upTo: 64 << 20)
        let data = Data(buffer: buffer)
        guard (200..<300).contains(Int(response.status.code)) else {
            if let value = try? JSONParser.parse(data), let error = value["error"] {
                throw Failure(status: Int(response.status.code), code: error["code"]?.stringValue ?? "",
                              message: error["message"]?.stringValue ?? "HTTP \(response.status.code)")
            }
            throw Failure(status: Int(response.status.code), code: "", message: "HTTP \(response.status.code) from \(base)\(path)")
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
