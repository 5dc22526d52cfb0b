import BosunCore

/// One field that differs between what Git declares and what runs.
public struct FieldChange: Sendable, Hashable, CustomStringConvertible {
    /// How the field differs.
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Desired sets a field live lacks.
        case added
        /// Desired and live hold different values.
        case changed
        /// Bosun applied the field before, Git no longer has it, and live still does.
        case removed
    }

    /// Where the field is.
    public var path: FieldPath
    /// Added, changed or removed.
    public var kind: Kind
    /// The live value (nil when added); masked when it is a Secret value.
    public var old: JSONValue?
    /// The desired value (nil when removed); masked when it is a Secret value.
    public var new: JSONValue?

    /// A change at `path`; values as reported (already masked where secret).
    public init(path: FieldPath, kind: Kind, old: JSONValue?, new: JSONValue?) {
        self.path = path
        self.kind = kind
        self.old = old
        self.new = new
    }

    public var description: String { "\(kind.rawValue) \(path.pointer)" }
}
