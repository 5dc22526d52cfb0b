import Hummingbird

/// Errors the router itself raises (no such route, wrong method) as the API's JSON error
/// shape under `/api/`, so scripts parse one shape for every failure.
struct APIErrorMiddleware: RouterMiddleware {
    typealias Context = BosunRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where request.uri.path.hasPrefix("/api/") {
            let message = error.status == .notFound
                ? "no API route \(request.method) \(request.uri.path); see /api/v1/openapi.yaml"
                : (error.body ?? "\(error.status)")
            return APIResponse.error(error.status, code: error.status == .notFound ? "NotFound" : "HTTP\(error.status.code)", message)
        }
    }
}
