import BosunCore
import BosunDiff
import BosunEngine
import Foundation
import Hummingbird

/// The REST API under `/api/v1`. Every route here is in the OpenAPI document (a test checks
/// both ways); reads need `viewer`, actions `operator`, reload `admin`.
extension APIServer {
    func addAPIRoutes(to api: RouterGroup<BosunRequestContext>) {
        let engine = self.engine
        let configFile = options.configFile
        api.get("/openapi.yaml") { _, _ in APIResponse.raw(OpenAPIDocument.yaml, contentType: "application/yaml; charset=utf-8") }

        api.get("/applications") { _, _ in
            APIResponse.json(await engine.statuses().map(ApplicationSummary.init))
        }
        api.get("/applications/:name") { _, context in
            await handle { APIResponse.json(try await engine.status(try context.parameters.require("name"))) }
        }
        api.get("/applications/:name/resources") { _, context in
            await handle { APIResponse.json(try await engine.status(try context.parameters.require("name")).resources) }
        }
        api.get("/applications/:name/diff") { request, context in
            await handle {
                let serverSide = try QueryParameters.boolean(request, "serverSide", default: false)
                let diffs = try await engine.diff(try context.parameters.require("name"), serverSide: serverSide)
                let changed = diffs.filter { $0.action != .unchanged }
                return APIResponse.json(DiffResponse(resources: changed, diff: changed.map { $0.unified(color: false) }.joined(separator: "\n")))
            }
        }
        api.get("/applications/:name/history") { request, context in
            await handle {
                let limit = try QueryParameters.integer(request, "limit", in: 1...1000, default: 100)
                return APIResponse.json(try await engine.history(try context.parameters.require("name"), limit: limit))
            }
        }
        api.get("/applications/:name/history/:id") { _, context in
            await handle {
                let text = try context.parameters.require("id")
                guard let id = Int64(text) else {
                    throw APIError(status: .badRequest, code: "InvalidParameter", message: "history id \"\(text)\" must be a number, as `bosun history APP` lists them")
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
                await engine.audit(actor: context.actor, action: "sync", app: name, detail: "sync \(id)\(body.revision.map { " of \($0)" } ?? "")\(body.prune == true ? " with prune" : "")\(body.forcePrune == true ? " forcing the prune" : "")")
                return APIResponse.json(SyncStarted(id: id), status: .accepted)
            }
        }
        api.post("/applications/:name/rollback") { request, context in
            await handle {
                let name = try context.parameters.require("name")
                let body = try await RollbackBody.decode(request)
                let id = try await engine.rollback(name, to: body.to)
                await engine.audit(actor: context.actor, action: "rollback", app: name, detail: "sync \(id)\(body.to.map { " to \($0)" } ?? "")")
                return APIResponse.json(SyncStarted(id: id), status: .accepted)
            }
        }
        api.post("/applications/:name/terminate") { request, context in
            await handle {
                _ = try await EmptyBody.decode(request)
                let name = try context.parameters.require("name")
                let id = try await engine.terminate(name, actor: context.actor)
                await engine.audit(actor: context.actor, action: "terminate", app: name, detail: "sync \(id)")
                return APIResponse.json(SyncStarted(id: id), status: .accepted)
            }
        }
        api.post("/applications/:name/pin") { request, context in
            await handle {
                let body = try await PinBody.decode(request)
                let name = try context.parameters.require("name")
                try await engine.pin(name, revision: body.revision)
                await engine.audit(actor: context.actor, action: "pin", app: name, detail: body.revision ?? "")
                return APIResponse.json(try await engine.status(name))
            }
        }
        api.post("/applications/:name/unpin") { request, context in
            await handle {
                _ = try await EmptyBody.decode(request)
                let name = try context.parameters.require("name")
                try await engine.unpin(name)
                await engine.audit(actor: context.actor, action: "unpin", app: name)
                return APIResponse.json(try await engine.status(name))
            }
        }
        api.post("/applications/:name/refresh") { request, context in
            await handle {
                _ = try await EmptyBody.decode(request)
                let name = try context.parameters.require("name")
                try await engine.refresh(name)
                await engine.audit(actor: context.actor, action: "refresh", app: name)
                return APIResponse.json(try await engine.status(name), status: .accepted)
            }
        }
        api.get("/events") { request, _ in
            await handle {
                let app = try QueryParameters.single(request, "app").flatMap { $0.isEmpty ? nil : $0 }
                let limit = try QueryParameters.integer(request, "limit", in: 1...1000, default: 100)
                if let app { _ = try await engine.status(app) }
                return APIResponse.json(try await engine.events(app: app, limit: limit))
            }
        }
        api.get("/replicas") { _, _ in
            await handle { APIResponse.json(try await engine.replicas()) }
        }
        addApplicationSetRoutes(to: api)
        let stream = EventStream(engine: engine, keepAlive: options.keepAlive)
        api.get("/events/stream") { request, _ in await stream.response(for: request) }
        api.post("/reload") { request, context in
            await handle {
                _ = try await EmptyBody.decode(request)
                guard let configFile else {
                    throw APIError(status: .conflict, code: "NoConfigFile", message: "this server was not started from a config file; there is nothing to reload")
                }
                let config: Config
                do {
                    config = try ConfigLoader.load(file: configFile)
                } catch {
                    throw APIError(status: .unprocessableContent, code: "InvalidConfig", message: "\(configFile) was not reloaded; the running config is kept:\n\(error)")
                }
                await engine.reload(config)
                await engine.audit(actor: context.actor, action: "reload", app: nil, detail: configFile)
                return APIResponse.json(ReloadAnswer(file: configFile, applications: config.applications.map(\.name)))
            }
        }
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

struct ReloadAnswer: Encodable {
    var file: String
    var applications: [String]
}
