/// A credential (token, password, key) that never shows up in logs, errors or dumps:
/// printing it prints `<redacted>`.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The secret itself; read it only to put it on the wire.
    public let reveal: String

    public init(_ value: String) { reveal = value }

    public var isEmpty: Bool { reveal.isEmpty }
    public var description: String { "<redacted>" }
    public var debugDescription: String { "<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
