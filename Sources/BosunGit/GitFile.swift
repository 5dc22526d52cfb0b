/// A file in a commit's tree, without its content.
public struct GitFile: Sendable, Hashable {
    /// Relative to the repository root, "/"-separated.
    public var path: String
    public var kind: Kind
    /// Bytes of content; for a symlink the length of its target; 0 for a submodule.
    public var size: Int

    public enum Kind: Sendable, Hashable {
        case regular, executable
        case symlink(target: String)
        case submodule
    }

    public init(path: String, kind: Kind, size: Int) {
        self.path = path
        self.kind = kind
        self.size = size
    }
}
