import BosunCore

extension JSONObject {
    /// True when the member is missing or `null` (a nil Go pointer, slice or map).
    func isUnset(_ key: String) -> Bool { self[key].map(\.isNull) ?? true }

    /// Sets the member only when it is unset, the way Nomad's `Canonicalize` fills defaults.
    mutating func fill(_ key: String, _ value: JSONValue) {
        if isUnset(key) { self[key] = value }
    }

    func string(_ key: String) -> String? { self[key]?.stringValue }
    func int(_ key: String) -> Int? { self[key]?.intValue }
    func bool(_ key: String) -> Bool? { self[key]?.boolValue }
    func object(_ key: String) -> JSONObject? { self[key]?.objectValue }
    func array(_ key: String) -> [JSONValue] { self[key]?.arrayValue ?? [] }
    func objects(_ key: String) -> [JSONObject] { array(key).compactMap(\.objectValue) }

    /// Builds an object with exactly `keys`, in that order, taking each from `self` or `defaults`.
    func shaped(_ keys: [String], defaults: [String: JSONValue] = [:]) -> JSONObject {
        var out = JSONObject()
        for key in keys {
            if let value = self[key], !value.isNull {
                out[key] = value
            } else {
                out[key] = defaults[key] ?? .null
            }
        }
        return out
    }
}

extension JSONValue {
    /// An empty list or map counts as unset, as Nomad treats empty and nil alike.
    var isEmptyCollection: Bool {
        switch self {
        case .null: true
        case .array(let a): a.isEmpty
        case .object(let o): o.isEmpty
        default: false
        }
    }
}

/// Nanoseconds in common durations, for defaults written as Go `time.Duration`s.
enum Nanoseconds {
    static let second = 1_000_000_000
    static let minute = 60 * second
    static let hour = 60 * minute
}
