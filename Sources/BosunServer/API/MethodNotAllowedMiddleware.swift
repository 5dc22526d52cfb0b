import BosunCore
import Hummingbird

/// A request whose path the API document knows, with a method it does not list for that path,
/// is answered `405 Method Not Allowed` with an `Allow` header (RFC 9110), not a 404. The table
/// comes from the OpenAPI document itself, so the answer and the document cannot disagree.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Path templates split in segments (`{name}` matches any one segment) and their methods.
    let table: [(segments: [String], methods: Set<String>)]

    init(document: String = OpenAPIDocument.yaml) {
        let paths = (try? YAMLDecoder().value(document))?["paths"]?.objectValue ?? JSONObject()
        table = paths.map { entry in
            let methods = Set((entry.value.objectValue?.keys ?? []).map { $0.uppercased() })
            return (Self.segments(entry.key), methods.union(methods.contains("GET") ? ["HEAD"] : []))
        }
    }

    static func segments(_ path: String) -> [String] { path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let parts = Self.segments(request.uri.path)
        let allowed = table.filter { Self.matches($0.segments, parts) }.reduce(into: Set<String>()) { $0.formUnion($1.methods) }
        if !allowed.isEmpty, !allowed.contains(request.method.rawValue) {
            var response = APIResponse.error(
                .methodNotAllowed, code: "MethodNotAllowed",
                "\(request.method.rawValue) is not allowed on \(request.uri.path); use \(allowed.sorted().joined(separator: ", "))")
            response.headers[.allow] = allowed.sorted().joined(separator: ", ")
            return response
        }
        return try await next(request, context)
    }

    static func matches(_ template: [String], _ parts: [String]) -> Bool {
        template.count == parts.count && zip(template, parts).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}
