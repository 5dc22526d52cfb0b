/// The identity of a resource everywhere in Bosun: inventory, diff, history, API.
/// Its string form is `group/kind/namespace/name`; the core Kubernetes group is empty.
public struct ResourceKey: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var group: String
    public var kind: String
    /// Empty for cluster-scoped resources.
    public var namespace: String
    public var name: String

    public init(group: String, kind: String, namespace: String = "", name: String) {
        self.group = group
        self.kind = kind
        self.namespace = namespace
        self.name = name
    }

    /// Parses `group/kind/namespace/name`.
    public init?(_ string: String) {
        let parts = string.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, !parts[1].isEmpty, !parts[3].isEmpty else { return nil }
        self.init(group: String(parts[0]), kind: String(parts[1]), namespace: String(parts[2]), name: String(parts[3]))
    }

    public var description: String { "\(group)/\(kind)/\(namespace)/\(name)" }

    /// `kind/name` or `kind/namespace/name`, as people say it.
    public var shortDescription: String {
        namespace.isEmpty ? "\(kind)/\(name)" : "\(kind)/\(namespace)/\(name)"
    }

    public static func < (a: ResourceKey, b: ResourceKey) -> Bool {
        (a.group, a.kind, a.namespace, a.name) < (b.group, b.kind, b.namespace, b.name)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let key = ResourceKey(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a resource key: \(text)")
        }
        self = key
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
