import BosunCore

/// A group and a resource (plural) name: how the API server names a collection in its messages
/// (`deployments.apps`, `configmaps`) and how the store files objects.
public struct GroupResource: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var resource: String

    public init(group: String, resource: String) {
        self.group = group
        self.resource = resource
    }

    /// `deployments.apps`, or `configmaps` for the core group, as in "deployments.apps \"web\" not found".
    public var description: String { group.isEmpty ? resource : "\(resource).\(group)" }
}

/// A group and a kind, as validation errors name them (`Deployment.apps`, `ConfigMap`).
public struct GroupKind: Sendable, Hashable, CustomStringConvertible {
    public var group: String
    public var kind: String

    public init(group: String, kind: String) {
        self.group = group
        self.kind = kind
    }

    public var description: String { group.isEmpty ? kind : "\(kind).\(group)" }
}

/// One kind the simulator serves: the names and flags discovery reports for it, the schema
/// server-side apply merges it with, and the server-side behaviour that differs between kinds.
public struct ResourceType: Sendable {
    /// The API group; empty for the core group.
    public var group: String
    /// Served versions, the storage (preferred) version first.
    public var versions: [String]
    public var kind: String
    public var listKind: String
    /// The resource name in URLs: `deployments`.
    public var plural: String
    public var singular: String
    public var namespaced: Bool
    public var shortNames: [String]
    public var categories: [String]
    public var verbs: [String]
    /// Whether `…/status` is a subresource (and the main resource then ignores status changes).
    public var hasStatusSubresource: Bool
    /// Paths of the scale subresource's fields, when the kind has one.
    public var scale: ScaleSubresource?
    /// Whether `metadata.generation` is kept (and bumped when the spec changes).
    public var tracksGeneration: Bool
    /// Whether a delete answers with the deleted object instead of a `Status` (pods do).
    public var returnsDeletedObject: Bool
    /// Columns a CRD declares for `kubectl get`; nil for built-in kinds (they have printers).
    public var printerColumns: [PrinterColumn]?
    /// True for kinds served because a CustomResourceDefinition declares them.
    public var isCustom: Bool
    /// A custom kind's OpenAPI v3 schema, which prunes and validates its objects.
    var validationSchema: JSONObject?
    /// How server-side apply and strategic merge patch see the object's fields.
    var schema: FieldSchema

    init(
        group: String, version: String, kind: String, plural: String, namespaced: Bool,
        shortNames: [String] = [], categories: [String] = [], verbs: [String] = ResourceType.allVerbs,
        status: Bool = false, scale: ScaleSubresource? = nil, generation: Bool = false,
        returnsDeletedObject: Bool = false, schema: FieldSchema
    ) {
        self.group = group
        self.versions = [version]
        self.kind = kind
        self.listKind = kind + "List"
        self.plural = plural
        self.singular = kind.lowercased()
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.verbs = verbs
        self.hasStatusSubresource = status
        self.scale = scale
        self.tracksGeneration = generation
        self.returnsDeletedObject = returnsDeletedObject
        self.printerColumns = nil
        self.isCustom = false
        self.validationSchema = nil
        self.schema = schema
    }

    /// Every verb a collection supports.
    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    public var version: String { versions.first ?? "v1" }
    public var groupResource: GroupResource { GroupResource(group: group, resource: plural) }
    public var groupKind: GroupKind { GroupKind(group: group, kind: kind) }
    /// `apps/v1`, or `v1` for the core group.
    public func apiVersion(_ version: String? = nil) -> String {
        let v = version ?? self.version
        return group.isEmpty ? v : "\(group)/\(v)"
    }
}

/// Where a kind keeps the numbers its `scale` subresource reads and writes.
public struct ScaleSubresource: Sendable {
    public var specReplicasPath: [String] = ["spec", "replicas"]
    public var statusReplicasPath: [String] = ["status", "replicas"]
    public var labelSelectorPath: [String]? = ["status", "selector"]
}

/// A column for `kubectl get`, as a CRD's `additionalPrinterColumns` declares it.
public struct PrinterColumn: Sendable {
    public var name: String
    public var type: String
    public var format: String
    public var description: String
    public var priority: Int
    /// A simple JSONPath such as `.spec.replicas`.
    public var jsonPath: String
}
