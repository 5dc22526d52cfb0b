import BosunCore

/// Where a field sits inside a resource, as Bosun reports changed paths.
///
/// The string form is an RFC 6901 JSON pointer (`~0` for `~`, `~1` for `/`) extended with one
/// segment form for items of keyed lists: `<field>=<value>` addresses the item whose `field`
/// equals `value`, so `/spec/template/spec/containers/name=web/image` is the image of the
/// container named `web`, and `/spec/template/spec/containers/name=web/volumeMounts/mountPath=~1data`
/// the mount at `/data`. Items of lists that are not keyed are addressed by index (`/args/0`).
/// A segment is read as an object key when it meets an object, so keys that contain `=` stay usable.
public struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    /// One step down into a value.
    public enum Segment: Sendable, Hashable {
        /// A member of an object.
        case key(String)
        /// The item of a keyed list whose `field` has the scalar `value` (as text).
        case item(field: String, value: String)
        /// The item at a position of a list that is not keyed.
        case index(Int)

        /// The segment as written in a pointer (escaped).
        public var pointerText: String {
            switch self {
            case .key(let key): JSONPointer.escape(key)
            case .item(let field, let value): "\(JSONPointer.escape(field))=\(JSONPointer.escape(value))"
            case .index(let index): String(index)
            }
        }
    }

    /// The steps from the resource root.
    public var segments: [Segment]

    /// The path of `segments`; none is the resource itself.
    public init(_ segments: [Segment] = []) { self.segments = segments }

    /// The JSON pointer text; the empty string is the whole resource.
    public var pointer: String {
        var out = ""
        for segment in segments {
            out += "/"
            out += segment.pointerText
        }
        return out
    }

    public var description: String { pointer }

    /// The object key of the last segment, if it is one.
    public var lastKey: String? {
        if case .key(let key) = segments.last { key } else { nil }
    }

    /// The object key `offset` segments above the end (0 is the last segment).
    public func key(fromEnd offset: Int) -> String? {
        let index = segments.count - 1 - offset
        guard index >= 0, case .key(let key) = segments[index] else { return nil }
        return key
    }

    /// This path one step deeper.
    public func appending(_ segment: Segment) -> FieldPath { FieldPath(segments + [segment]) }

    /// Goes one step deeper.
    public mutating func append(_ segment: Segment) { segments.append(segment) }

    /// Goes one step back up.
    public mutating func removeLast() { segments.removeLast() }

    /// Whether this path starts with `prefix` (a path is a prefix of itself).
    public func hasPrefix(_ prefix: FieldPath) -> Bool {
        prefix.segments.count <= segments.count && Array(segments.prefix(prefix.segments.count)) == prefix.segments
    }
}
