import BosunCore
import BosunEngine
import Foundation
import Hummingbird

/// Application sets and includes under `/api/v1` (in the OpenAPI document like every route):
/// reading needs `viewer`, listing a set again (`sync`) `operator`.
extension APIServer {
    func addApplicationSetRoutes(to api: RouterGroup<BosunRequestContext>) {
        let engine = self.engine
        api.get("/applicationsets") { _, _ in
            APIResponse.json(await engine.applicationSetStatuses())
        }
        api.get("/applicationsets/:name") { _, context in
            await handle { APIResponse.json(try await engine.applicationSetStatus(try context.parameters.require("name"))) }
        }
        api.post("/applicationsets/:name/sync") { request, context in
            await handle {
                let name = try context.parameters.require("name")
                let body = try await AppSetSyncBody.decode(request)
                let status = try await engine.syncApplicationSet(name, forceDelete: body.forceDelete ?? false)
                await engine.audit(actor: context.actor, action: "appset-sync", app: nil,
                                   detail: "application set \(name)\(body.forceDelete == true ? " forcing deletions" : "")")
                return APIResponse.json(status)
            }
        }
        api.get("/includes") { _, _ in
            APIResponse.json(await engine.includeStatuses())
        }
    }
}

/// `POST /applicationsets/{name}/sync`: `forceDelete` removes applications even beyond `maxDeletePercent`.
struct AppSetSyncBody: RequestBody {
    static let fields = ["forceDelete"]
    var forceDelete: Bool?
}
