import BosunCore

/// An empty map, empty list or null on one side is the same as the field being absent on the
/// other: the API server drops or adds them freely (`annotations: {}`, `env: []`).
public struct EmptyValueNormalizer: Normalizer {
    public var name: String { "empty-values" }

    public init() {}

    public func equivalent(desired: JSONValue?, live: JSONValue?, at path: FieldPath) -> Bool {
        switch (desired, live) {
        case (nil, let value?), (let value?, nil): Self.isEmpty(value)
        case (let a?, let b?): Self.isEmpty(a) && Self.isEmpty(b)
        default: true
        }
    }

    static func isEmpty(_ value: JSONValue) -> Bool {
        switch value {
        case .null: true
        case .object(let o): o.isEmpty
        case .array(let a): a.isEmpty
        default: false
        }
    }
}
