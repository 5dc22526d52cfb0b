/// A branch or a tag of a mirror.
public struct GitRef: Sendable, Hashable {
    /// The short name: `main`, `v1.4.0`.
    public var name: String
    public var kind: Kind
    /// The commit it points at (annotated tags are peeled to their commit).
    public var sha: String

    public enum Kind: Sendable {
        case branch, tag
    }

    public init(name: String, kind: Kind, sha: String) {
        self.name = name
        self.kind = kind
        self.sha = sha
    }

    /// The full ref name: `refs/heads/main`, `refs/tags/v1.4.0`.
    public var fullName: String { (kind == .branch ? "refs/heads/" : "refs/tags/") + name }
}
