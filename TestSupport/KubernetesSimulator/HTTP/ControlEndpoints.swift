import BosunCore
import Hummingbird

/// `/_simulator/...`: what tests driving the executable use to inject faults and look at the
/// simulator's state. Never subject to authentication or injected faults.
///
/// - `GET /_simulator/faults`: the current faults.
/// - `POST /_simulator/faults`: add faults, e.g. `{"errors":[{"status":500,"count":2,"pathPrefix":"/apis/apps"}]}`,
///   `{"errors":[{"status":429,"retryAfterSeconds":2}]}`, `{"latencyMs":200}`,
///   `{"errors":[{"status":null,"delayMs":3000,"count":1}]}`, `{"dropWatches":true}`,
///   `{"watchLifetimeSeconds":5}`, `{"forbid":[{"verb":"patch","group":"apps","resource":"deployments"}]}`.
/// - `DELETE /_simulator/faults`: back to healthy.
/// - `GET /_simulator/stats`: object count, resourceVersion, open watches.
struct ControlEndpoints {
    let core: SimulatorCore

    func answer(_ endpoint: String, request: Request) async -> Response {
        do {
            switch (request.method, endpoint) {
            case (.get, "faults"):
                return Responses.json(core.faults.json)
            case (.post, "faults"):
                let buffer = try await request.body.collect(upTo: 1 << 20)
                guard let body = (try? JSONParser.parse(String(buffer: buffer)))?.objectValue else {
                    throw APIError.badRequest("the body must be a JSON object describing faults")
                }
                try core.faults.configure(body)
                return Responses.json(core.faults.json)
            case (.delete, "faults"):
                core.faults.clear(latencyMilliseconds: core.options.latencyMilliseconds)
                return Responses.json(core.faults.json)
            case (.get, "stats"):
                return Responses.json([
                    "objects": .int(core.api.store.totalCount), "resourceVersion": .int(core.api.store.revision),
                    "openWatches": .int(core.api.store.openWatchCount),
                ])
            default:
                throw APIError.pathNotFound()
            }
        } catch let error as APIError {
            return Responses.error(error)
        } catch {
            return Responses.error(APIError.badRequest("\(error)"))
        }
    }
}
