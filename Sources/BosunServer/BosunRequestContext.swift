import BosunCore
import Hummingbird

/// Hummingbird's request context plus who is asking, once `AuthMiddleware` has looked.
public struct BosunRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The caller, when the request carried a valid token (or the server is open).
    public var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        identity = nil
    }

    /// The actor named in the audit log.
    var actor: String { identity?.name ?? "anonymous" }
}
