/// A failed Git operation: what went wrong (`code`) and a message a person can act on.
///
/// Messages name the remote (with credentials stripped), the revision or the path, and never
/// contain a password, a token or an askpass value.
public struct GitError: Error, Sendable, CustomStringConvertible {
    /// The kind of failure, for callers that decide between retrying and giving up.
    public enum Code: String, Sendable {
        case unknownRevision, ambiguousRevision, unreachable, authentication, timeout, invalidPath, notFound
        case verification, failed
    }

    public var code: Code
    /// Never contains credentials; names the revision, path or URL (credentials stripped).
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// Whether trying again later may succeed without anyone changing the configuration or the
    /// repository (the network came back, the remote was slow).
    public var isTransient: Bool {
        switch code {
        case .unreachable, .timeout: true
        default: false
        }
    }
}
