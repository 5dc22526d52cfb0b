import BosunCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

/// The parts of a running simulator the HTTP layer needs.
final class SimulatorCore: Sendable {
    let api: KubernetesAPI
    let faults: FaultInjector
    let options: SimulatorOptions
    let boundPort = Mutex(0)

    init(api: KubernetesAPI, faults: FaultInjector, options: SimulatorOptions) {
        self.api = api
        self.faults = faults
        self.options = options
    }

    var serverAddress: String { "\(options.host):\(boundPort.withLock { $0 })" }
}

/// Answers every HTTP request: authentication, injected faults and latency, then discovery,
/// the resource endpoints, or the simulator's control endpoints.
struct SimulatorResponder: HTTPResponder {
    typealias Context = SimulatorRequestContext
    let core: SimulatorCore

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let response = await answer(request, context: context)
        if core.options.logRequests {
            let elapsed = ContinuousClock.now - started
            let line = "\(request.method.rawValue) \(request.uri.string) -> \(response.status.code) (\(elapsed.formatted(.units(allowed: [.milliseconds]))))\n"
            FileHandle.standardError.write(Data(line.utf8))
        }
        return response
    }

    private func answer(_ request: Request, context: Context) async -> Response {
        let route = APIPath(request.uri.path)
        let query = QueryParameters(request.uri.query)
        if case .simulator(let endpoint) = route {
            return await ControlEndpoints(core: core).answer(endpoint, request: request)
        }
        if case .health = route { return plainText("ok") }
        if core.options.token != nil, !(route == .version), await !isAuthenticated(request, context: context) {
            return Responses.error(APIError.unauthorized())
        }
        let isWatch = query.bool("watch")
        let (delay, injected) = core.faults.decide(method: request.method.rawValue, path: request.uri.path, isWatch: isWatch)
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }
        if let injected { return Responses.error(injected) }
        do {
            return try await dispatch(route, request: request, query: query)
        } catch let error as APIError {
            return Responses.error(error)
        } catch {
            return Responses.error(APIError.internalError("\(error)"))
        }
    }

    private func isAuthenticated(_ request: Request, context: Context) async -> Bool {
        if let header = request.headers[.authorization], let token = core.options.token, header == "Bearer \(token)" {
            return true
        }
        if core.options.clientCAPath != nil { return await context.hasVerifiedClientCertificate() }
        return false
    }

    private func plainText(_ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private func dispatch(_ route: APIPath, request: Request, query: QueryParameters) async throws -> Response {
        let accept = request.headers[.accept] ?? ""
        let registry = core.api.registry
        switch route {
        case .version:
            return Responses.json(Discovery.version)
        case .legacyRoot:
            if let version = Discovery.aggregatedVersion(accept: accept) {
                return aggregated(legacy: true, version: version)
            }
            return Responses.json(Discovery.legacyVersions(serverAddress: core.serverAddress))
        case .groupsRoot:
            if let version = Discovery.aggregatedVersion(accept: accept) {
                return aggregated(legacy: false, version: version)
            }
            return Responses.json(Discovery.groupList(registry))
        case .group(let name):
            guard let group = Discovery.group(registry, name: name) else { throw APIError.pathNotFound() }
            return Responses.json(group)
        case .groupVersion(let group, let version):
            guard let list = Discovery.resourceList(registry, group: group, version: version) else { throw APIError.pathNotFound() }
            return Responses.json(list)
        case .resource(let path):
            return try await ResourceHandler(core: core).handle(path, request: request, query: query)
        case .openAPI(let path):
            if path == "v3" { return Responses.json(OpenAPI.index(registry)) }
            if path == "v2" { return Responses.json(OpenAPI.swagger(registry)) }
            if path.hasPrefix("v3/"), let document = OpenAPI.groupVersion(registry, path: String(path.dropFirst(3))) {
                return Responses.json(document)
            }
            throw APIError.pathNotFound()
        case .health, .simulator, .unknown:
            throw APIError.pathNotFound()
        }
    }

    private func aggregated(legacy: Bool, version: String) -> Response {
        let body = Discovery.aggregated(core.api.registry, legacy: legacy, version: version)
        var response = Responses.json(
            body, contentType: "application/json;g=apidiscovery.k8s.io;v=\(version);as=APIGroupDiscoveryList")
        response.headers[.eTag] = "\"\(core.api.registry.revision)\""
        response.headers[.vary] = "Accept"
        return response
    }
}
