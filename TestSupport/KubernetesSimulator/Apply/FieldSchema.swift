import BosunCore

/// How server-side apply (and strategic merge patch) sees a part of an object: which lists are
/// keyed, which values are replaced whole, which maps are free-form. It is the slice of the
/// OpenAPI schema (`x-kubernetes-list-type`, `x-kubernetes-list-map-keys`, `x-kubernetes-map-type`,
/// struct vs map) that decides merging and the shape of `managedFields`.
indirect enum FieldSchema: Sendable {
    /// A leaf value.
    case scalar
    /// Replaced whole and owned as one field (`+structType=atomic`, `+listType=atomic`, `+mapType=atomic`).
    case atomic
    /// A struct with declared fields; `alwaysPresent` structs exist (empty) in every object of the
    /// kind, so creating them is not a change. Undeclared fields behave as `.looseStructure`.
    case structure([String: FieldSchema], alwaysPresent: Bool)
    /// A struct whose fields are not listed: objects below are structs too, lists are atomic.
    case looseStructure
    /// A map from free-form keys to values of one schema (labels, data, resource limits).
    case map(FieldSchema)
    /// An untyped value (a CRD without schema, `x-kubernetes-preserve-unknown-fields`): maps
    /// are granular with every entry owned, lists atomic.
    case deduced
    /// A list whose items are identified by the values of `keys` (`+listType=map`).
    /// `defaults` fills a key an item leaves out (a container port's protocol is TCP).
    case associativeList(keys: [String], defaults: [String: JSONValue], element: FieldSchema)
    /// A list of distinct scalars (`+listType=set`).
    case set

    /// The schema of the member `key` of an object with this schema.
    func child(_ key: String) -> FieldSchema {
        switch self {
        case .structure(let fields, _): fields[key] ?? .looseStructure
        case .looseStructure: .looseStructure
        case .map(let element): element
        case .deduced: .deduced
        default: .atomic
        }
    }

    /// Whether the entries of this object are owned one by one even when they hold objects
    /// (map entries are; struct fields are not).
    var ownsEntries: Bool {
        switch self {
        case .map, .deduced: true
        default: false
        }
    }

    /// Whether an object with this schema exists, empty, in every object of its kind.
    var isAlwaysPresent: Bool {
        if case .structure(_, let always) = self { return always }
        return false
    }

    /// The schema for a value of this schema that turned out to be a list: lists under
    /// untyped or loosely typed parts are atomic.
    func resolved(for value: JSONValue) -> FieldSchema {
        switch (self, value) {
        case (.associativeList, .array), (.set, .array), (.atomic, _): self
        case (_, .array): .atomic
        case (.structure, .object), (.looseStructure, .object), (.map, .object), (.deduced, .object): self
        case (_, .object): .atomic
        default: .scalar
        }
    }

    static func structure(_ fields: [String: FieldSchema]) -> FieldSchema { .structure(fields, alwaysPresent: false) }

    static func keyed(_ keys: String..., element: FieldSchema = .looseStructure, defaults: [String: JSONValue] = [:]) -> FieldSchema {
        .associativeList(keys: keys, defaults: defaults, element: element)
    }
}
