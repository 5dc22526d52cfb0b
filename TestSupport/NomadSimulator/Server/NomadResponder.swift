import BosunCore
import Foundation
import HTTPTypes
import Hummingbird

/// One API request as the handlers see it: method, path, Go-style decoded query, token, body.
struct APIRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var token: String?
    var body: String

    func value(_ name: String) -> String? { query[name] }

    var namespace: String {
        if let ns = query["namespace"], !ns.isEmpty { return ns }
        return "default"
    }

    /// Go's `url.ParseQuery`: `+` is a space, then percent-decoding; the first value wins.
    static func parseQuery(_ raw: String?) -> [String: String] {
        var out: [String: String] = [:]
        for pair in (raw ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.removingPercentEncoding ?? spaced
            }
            let key = decode(parts[0])
            if out[key] == nil { out[key] = parts.count > 1 ? decode(parts[1]) : "" }
        }
        return out
    }

    /// The token from `X-Nomad-Token`, else from `Authorization: Bearer`, as Nomad reads them.
    static func token(_ headers: HTTPFields) -> String? {
        if let name = HTTPField.Name("X-Nomad-Token"), let value = headers[name], !value.isEmpty {
            return value.trimmingCharacters(in: .whitespaces)
        }
        if let value = headers[.authorization] {
            let parts = value.split(separator: " ")
            if parts.count > 1, parts[0].lowercased() == "bearer" { return String(parts[1]) }
        }
        return nil
    }

    /// The body as a JSON object; Nomad answers a body it cannot decode with a 400.
    func jsonBody() throws(NomadAPIError) -> JSONObject {
        guard !body.isEmpty else { throw NomadAPIError(400, "Request body is empty") }
        do {
            guard case .object(let object) = try JSONParser.parse(body) else {
                throw NomadAPIError(400, "json: cannot unmarshal non-object into Go value of type api.Request")
            }
            return object
        } catch let error as NomadAPIError {
            throw error
        } catch {
            throw NomadAPIError(400, "invalid JSON body: \(error)")
        }
    }
}

/// A handler's answer: JSON with the index for `X-Nomad-Index`; `query` answers also carry
/// `X-Nomad-KnownLeader` and `X-Nomad-LastContact`, as Nomad's `setMeta` does.
struct APIResponse: Sendable {
    var body: JSONValue
    var index: Int?
    var isQuery: Bool
    var status = 200
}

/// Routes requests the way Nomad's HTTP agent does, with ACL checks, injected faults and latency.
struct NomadResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let state: NomadState
    let faults: FaultInjector
    let options: NomadSimulatorOptions

    func respond(to request: Request, context: BasicRequestContext) async throws -> Response {
        let buffer = try await request.body.collect(upTo: 64 << 20)
        let api = APIRequest(
            method: request.method.rawValue, path: request.uri.path, query: APIRequest.parseQuery(request.uri.query),
            token: APIRequest.token(request.headers), body: String(buffer: buffer))
        if api.path.hasPrefix("/_simulator/") {
            return render(await simulatorControl(api))
        }
        let latency = options.latency + (await faults.faults.latency)
        if latency > .zero { try? await Task.sleep(for: latency) }
        if let failure = await faults.failure(method: api.method, path: api.path) {
            return plain(failure.status, failure.message)
        }
        do {
            return render(.success(try await route(api)))
        } catch {
            return render(.failure(error))
        }
    }

    private func render(_ result: Result<APIResponse, NomadAPIError>) -> Response {
        switch result {
        case .failure(let error):
            return plain(error.status, error.message)
        case .success(let answer):
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            if let index = answer.index, let name = HTTPField.Name("X-Nomad-Index") { headers[name] = String(index) }
            if answer.isQuery {
                if let name = HTTPField.Name("X-Nomad-KnownLeader") { headers[name] = "true" }
                if let name = HTTPField.Name("X-Nomad-LastContact") { headers[name] = "0" }
            }
            return Response(
                status: .init(code: answer.status), headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: answer.body.jsonString())))
        }
    }

    private func plain(_ status: Int, _ message: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain"
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: message)))
    }

    // MARK: ACL

    enum Capability { case read, write }

    /// With ACLs on: no token is anonymous (denied), an unknown one is not found, a read-only
    /// token may only read.
    func authorize(_ request: APIRequest, _ capability: Capability) throws(NomadAPIError) {
        guard options.acl else { return }
        guard let token = request.token else { throw NomadAPIError.permissionDenied }
        if token == options.managementToken { return }
        if let read = options.readToken, token == read {
            if capability == .read { return }
            throw NomadAPIError.permissionDenied
        }
        throw NomadAPIError.tokenNotFound
    }

    // MARK: Routing

    private func route(_ request: APIRequest) async throws(NomadAPIError) -> APIResponse {
        let path = request.path
        switch path {
        case "/v1/jobs":
            switch request.method {
            case "GET": return try await listJobs(request)
            case "PUT", "POST": return try await register(request, jobID: nil)
            default: throw NomadAPIError(405, "Invalid method")
            }
        case "/v1/jobs/parse":
            guard request.method == "PUT" || request.method == "POST" else { throw NomadAPIError(405, "Invalid method") }
            return try parse(request)
        case "/v1/namespaces":
            try authorize(request, .read)
            let (index, list) = await state.namespaceList()
            return APIResponse(body: list, index: index, isQuery: true)
        case "/v1/status/leader":
            return APIResponse(body: "127.0.0.1:4647", index: nil, isQuery: false)
        default: break
        }
        if path.hasPrefix("/v1/namespace/") {
            return try await namespace(request, name: String(path.dropFirst("/v1/namespace/".count)))
        }
        if path.hasPrefix("/v1/deployment/") {
            try authorize(request, .read)
            let id = String(path.dropFirst("/v1/deployment/".count))
            let (index, body) = try await blocking(request) { await state.readDeployment(id) }
            guard let body else { throw NomadAPIError(404, "deployment not found") }
            return APIResponse(body: body, index: index, isQuery: true)
        }
        if path.hasPrefix("/v1/allocation/") {
            try authorize(request, .read)
            let id = String(path.dropFirst("/v1/allocation/".count))
            let (index, body) = try await blocking(request) { await state.readAllocation(id) }
            guard let body else { throw NomadAPIError(404, "alloc not found") }
            return APIResponse(body: body, index: index, isQuery: true)
        }
        guard path.hasPrefix("/v1/job/") else { throw NomadAPIError(404, "404 page not found") }
        let rest = String(path.dropFirst("/v1/job/".count))
        // Sub-resources of /v1/job/:id are matched by suffix, as Nomad's agent matches them.
        for suffix in ["/allocations", "/plan", "/summary", "/versions", "/revert", "/deployments", "/deployment"]
        where rest.hasSuffix(suffix) {
            let id = String(rest.dropLast(suffix.count))
            switch suffix {
            case "/allocations": return try await allocations(request, id: id)
            case "/plan": return try await plan(request, id: id)
            case "/summary": return try await summary(request, id: id)
            case "/versions": return try await versions(request, id: id)
            case "/revert": return try await revert(request, id: id)
            case "/deployments": return try await deployments(request, id: id)
            default: return try await latestDeployment(request, id: id)
            }
        }
        switch request.method {
        case "GET": return try await readJob(request, id: rest)
        case "PUT", "POST": return try await register(request, jobID: rest)
        case "DELETE": return try await deregister(request, id: rest)
        default: throw NomadAPIError(405, "Invalid method")
        }
    }

    // MARK: Blocking queries

    /// Runs `query` until its index passes `?index=` or `?wait=` (default 5m, at most 10m, plus
    /// up to 1/16 jitter as Nomad adds) elapses.
    func blocking<T: Sendable>(
        _ request: APIRequest, _ query: @Sendable () async -> (Int, T)
    ) async throws(NomadAPIError) -> (Int, T) {
        var minIndex = 0
        if let text = request.value("index") {
            guard let value = Int(text), value >= 0 else { throw NomadAPIError(400, "Invalid index") }
            minIndex = value
        }
        var wait = Duration.seconds(300)
        if let text = request.value("wait") {
            do {
                wait = .nanoseconds(try GoFormat.parseDuration(text))
            } catch {
                throw NomadAPIError(400, "Invalid wait time")
            }
        }
        if wait > .seconds(600) { wait = .seconds(600) }
        let jitter = wait / 16
        if jitter > .zero { wait += jitter * Double.random(in: 0..<1) }
        let deadline = ContinuousClock.now + wait
        while true {
            let counter = await state.changeCounter
            let (index, value) = await query()
            let stopping = await state.isShutdown
            if minIndex == 0 || index > minIndex || ContinuousClock.now >= deadline || stopping {
                return (index, value)
            }
            await state.waitForChange(after: counter, until: deadline)
        }
    }

    // MARK: Simulator control

    private func simulatorControl(_ request: APIRequest) async -> Result<APIResponse, NomadAPIError> {
        switch (request.method, request.path) {
        case ("GET", "/_simulator/faults"):
            return .success(APIResponse(body: faultsJSON(await faults.faults), index: nil, isQuery: false))
        case ("DELETE", "/_simulator/faults"):
            await faults.set(NomadFaults())
            return .success(APIResponse(body: faultsJSON(NomadFaults()), index: nil, isQuery: false))
        case ("POST", "/_simulator/faults"), ("PUT", "/_simulator/faults"):
            do {
                let body = try request.jsonBody()
                var f = NomadFaults()
                f.failNext = body.int("FailNext") ?? 0
                f.failStatus = body.int("FailStatus") ?? 500
                f.failMessage = body.string("FailMessage") ?? f.failMessage
                f.failPathPrefix = body.string("FailPathPrefix") ?? ""
                f.failMethod = body.string("FailMethod") ?? ""
                f.latency = .milliseconds(body.int("LatencyMs") ?? 0)
                await faults.set(f)
                return .success(APIResponse(body: faultsJSON(f), index: nil, isQuery: false))
            } catch {
                return .failure(error)
            }
        case ("POST", "/_simulator/config"), ("PUT", "/_simulator/config"):
            do {
                let body = try request.jsonBody()
                if let ms = body.int("DeployDelayMs") { await state.setDeployDelay(.milliseconds(ms)) }
                return .success(APIResponse(body: ["DeployDelayMs": .int(body.int("DeployDelayMs") ?? 0)], index: nil, isQuery: false))
            } catch {
                return .failure(error)
            }
        default:
            return .failure(NomadAPIError(404, "unknown simulator control endpoint \(request.method) \(request.path); use /_simulator/faults or /_simulator/config"))
        }
    }

    private func faultsJSON(_ f: NomadFaults) -> JSONValue {
        let ms = f.latency.components.seconds * 1000 + f.latency.components.attoseconds / 1_000_000_000_000_000
        return [
            "FailNext": .int(f.failNext), "FailStatus": .int(f.failStatus), "FailMessage": .string(f.failMessage),
            "FailPathPrefix": .string(f.failPathPrefix), "FailMethod": .string(f.failMethod), "LatencyMs": .int(Int(ms)),
        ]
    }
}
