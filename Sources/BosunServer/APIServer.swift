import BosunCore
import BosunDiff
import BosunEngine
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The HTTP API `bosun serve` offers on `server.listen`; the CLI's commands that need state use it.
public struct APIServer: Sendable {
    public let engine: Engine
    public let listen: String
    public let logger: Logger

    public init(engine: Engine, listen: String, logger: Logger = Logger(label: "bosun.server")) {
        self.engine = engine
        self.listen = listen
        self.logger = logger
    }

    /// The Hummingbird application; `onRunning` receives the bound port (useful with port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        guard let (host, port) = ConfigLoader.parseListen(listen) else {
            throw APIError(status: .badRequest, code: "Invalid", message: "server.listen \"\(listen)\" is not host:port")
        }
        return Application(
            router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "bosun"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? port) }, logger: logger)
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let engine = self.engine
        router.get("/healthz") { _, _ in APIResponse.raw("ok\n", contentType: "text/plain") }
        router.get("/readyz") { _, _ in APIResponse.raw("ok\n", contentType: "text/plain") }

        let api = router.group("/api/v1")
        api.get("/applications") { _, _ in
            APIResponse.json(await engine.statuses().map(ApplicationSummary.init))
        }
        api.get("/applications/:name") { _, context in
            await handle { APIResponse.json(try await engine.status(try context.parameters.require("name"))) }
        }
        api.get("/applications/:name/resources") { _, context in
            await handle { APIResponse.json(try await engine.status(try context.parameters.require("name")).resources) }
        }
        api.get("/applications/:name/diff") { _, context in
            await handle {
                let diffs = try await engine.diff(try context.parameters.require("name"))
                let changed = diffs.filter { $0.action != .unchanged }
                return APIResponse.json(DiffResponse(resources: changed, diff: changed.map { $0.unified(color: false) }.joined(separator: "\n")))
            }
        }
        api.get("/applications/:name/history") { _, context in
            await handle { APIResponse.json(try await engine.history(try context.parameters.require("name"))) }
        }
        api.get("/applications/:name/history/:id") { _, context in
            await handle {
                guard let id = Int64(try context.parameters.require("id")) else {
                    throw APIError(status: .badRequest, code: "Invalid", message: "history id must be a number")
                }
                return APIResponse.json(try await engine.syncDetail(try context.parameters.require("name"), id: id))
            }
        }
        api.post("/applications/:name/sync") { request, context in
            await handle {
                let name = try context.parameters.require("name")
                let body = try await SyncBody.decode(request)
                if body.dryRun == true {
                    return APIResponse.json(try await engine.dryRun(name, revision: body.revision, prune: body.prune ?? false))
                }
                let id = try await engine.sync(name, SyncRequest(revision: body.revision, prune: body.prune ?? false,
                                                                 forcePrune: body.forcePrune ?? false))
                return APIResponse.json(SyncStarted(id: id), status: .accepted)
            }
        }
        api.post("/applications/:name/rollback") { request, context in
            await handle {
                let body = try await RollbackBody.decode(request)
                let id = try await engine.rollback(try context.parameters.require("name"), to: body.to)
                return APIResponse.json(SyncStarted(id: id), status: .accepted)
            }
        }
        api.post("/applications/:name/pin") { request, context in
            await handle {
                let body = try await PinBody.decode(request)
                let name = try context.parameters.require("name")
                try await engine.pin(name, revision: body.revision)
                return APIResponse.json(try await engine.status(name))
            }
        }
        api.post("/applications/:name/unpin") { _, context in
            await handle {
                let name = try context.parameters.require("name")
                try await engine.unpin(name)
                return APIResponse.json(try await engine.status(name))
            }
        }
        api.post("/applications/:name/refresh") { _, context in
            await handle {
                let name = try context.parameters.require("name")
                try await engine.refresh(name)
                return APIResponse.json(try await engine.status(name), status: .accepted)
            }
        }
        api.get("/events") { request, _ in
            await handle {
                let app = request.uri.queryParameters.get("app")
                let limit = request.uri.queryParameters.get("limit").flatMap(Int.init) ?? 100
                return APIResponse.json(try await engine.events(app: app, limit: min(max(limit, 1), 1000)))
            }
        }
        return router
    }
}

/// Runs a handler and turns any error into the API's error shape.
func handle(_ body: () async throws -> Response) async -> Response {
    do { return try await body() } catch { return APIResponse.error(error) }
}

struct DiffResponse: Encodable {
    var resources: [ResourceDiff]
    var diff: String
}

struct SyncStarted: Encodable { var id: Int64 }

/// Request bodies: strict JSON, every field optional, an unknown or ill-typed field named in a 400.
protocol RequestBody: Decodable {
    static var fields: [String] { get }
}

extension RequestBody {
    static func decode(_ request: Request) async throws -> Self {
        let buffer = try await request.body.collect(upTo: 1 << 20)
        let data = Data(buffer: buffer)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return try JSONDecoder().decode(Self.self, from: Data("{}".utf8))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw APIError(status: .badRequest, code: "MalformedJSON", message: "the body is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw APIError(status: .badRequest, code: "MalformedJSON", message: "the body must be a JSON object")
        }
        for key in object.keys where !fields.contains(key) {
            throw APIError(status: .badRequest, code: "UnknownField", message: "unknown field \"\(key)\"\(closestMatch(to: key, in: fields).map { "; did you mean \"\($0)\"?" } ?? "")")
        }
        do {
            return try JSONDecoder().decode(Self.self, from: data)
        } catch let DecodingError.typeMismatch(type, context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw APIError(status: .badRequest, code: "InvalidField", message: "field \"\(field)\" must be \(type == String.self ? "a string" : type == Bool.self ? "true or false" : "\(type)")")
        } catch {
            throw APIError(status: .badRequest, code: "MalformedJSON", message: "\(error)")
        }
    }
}

struct SyncBody: RequestBody {
    static let fields = ["revision", "dryRun", "prune", "forcePrune"]
    var revision: String?
    var dryRun: Bool?
    var prune: Bool?
    var forcePrune: Bool?
}

struct RollbackBody: RequestBody {
    static let fields = ["to"]
    var to: String?
}

struct PinBody: RequestBody {
    static let fields = ["revision"]
    var revision: String?
}
