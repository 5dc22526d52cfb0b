import AsyncHTTPClient
import BosunCore
import NIOHTTP1

/// One request to the API server, with what errors need to name: the Kubernetes verb, the
/// resource (`deployments.apps`) and the namespace.
struct APIRequest: Sendable, CustomStringConvertible {
    var method: HTTPMethod
    var path: String
    var query: [(String, String)] = []
    var body: [UInt8]?
    var contentType: String?
    /// get, list, watch, patch, delete, create, discovery.
    var verb: String
    var resourceName: String?
    var namespace: String?
    var objectName: String?
    var key: ResourceKey?

    var url: String { path + URLPath.query(query) }

    /// `patch deployments.apps "web" in namespace "prod"`, as errors say it.
    var description: String {
        guard let resourceName else { return "\(verb) \(path)" }
        var text = "\(verb) \(resourceName)"
        if let objectName { text += " \"\(objectName)\"" }
        if let namespace, !namespace.isEmpty {
            text += " in namespace \"\(namespace)\""
        } else if verb == "list" || verb == "watch" {
            text += " in all namespaces"
        }
        return text
    }

    static func discovery(_ path: String) -> APIRequest {
        APIRequest(method: .GET, path: path, verb: "discovery")
    }
}

/// Tuning of the client: timeouts, retries, identity.
public struct KubernetesClientOptions: Sendable {
    /// How long one request may wait for the server to answer.
    public var requestTimeout: Duration = .seconds(30)
    /// How long connecting (TCP and TLS handshake) may take. A certificate the client does not
    /// trust shows up only when this passes, as the connection pool keeps trying until then.
    public var connectTimeout: Duration = .seconds(10)
    /// Retries of transient failures (5xx, 429, timeouts, refused connections) before giving up.
    public var maxRetries = 3
    public var initialBackoff: Duration = .milliseconds(200)
    public var maxBackoff: Duration = .seconds(5)
    /// The longest `Retry-After` honoured; longer waits are left to the engine's retry.
    public var maxRetryAfter: Duration = .seconds(30)
    /// The server-side apply field manager.
    public var fieldManager = "bosun"
    public var userAgent = "bosun"
    /// How long the server keeps a watch open before Bosun resumes it.
    public var watchTimeout: Duration = .seconds(300)

    /// The defaults: 30 s requests, 3 retries, field manager `bosun`.
    public init() {}
}
