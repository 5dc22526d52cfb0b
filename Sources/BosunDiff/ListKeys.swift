import BosunCore

/// Which field identifies the items of a list, so lists are diffed item by item instead of whole.
///
/// - `volumeMounts` are matched by `mountPath` (one volume may be mounted at several paths).
/// - Lists whose items all carry a unique `name` (containers, env, volumes, named ports, ...) by `name`.
/// - `ports` without names by `containerPort` (containers) or `port` (Services).
/// A candidate field qualifies only when every item of every side has it as a scalar and no
/// side repeats a value; otherwise the list compares whole.
enum ListKeys {
    static func candidates(forField field: String?) -> [String] {
        switch field {
        case "volumeMounts": ["mountPath", "name"]
        case "ports": ["name", "containerPort", "port"]
        default: ["name"]
        }
    }

    /// The key field for a list found under `field`, or nil when it compares whole.
    static func keyField(forField field: String?, sides: [[JSONValue]]) -> String? {
        guard sides.contains(where: { !$0.isEmpty }) else { return nil }
        for candidate in candidates(forField: field) where sides.allSatisfy({ isKeyed($0, by: candidate) }) {
            return candidate
        }
        return nil
    }

    static func isKeyed(_ items: [JSONValue], by field: String) -> Bool {
        // Small lists are the rule: a quadratic uniqueness check beats building a set.
        var seen: [String] = []
        seen.reserveCapacity(items.count)
        for item in items {
            guard let key = item[field].flatMap(keyText) else { return false }
            if items.count <= 16 {
                if seen.contains(key) { return false }
            }
            seen.append(key)
        }
        return items.count <= 16 || Set(seen).count == seen.count
    }

    /// A scalar key as text: strings as they are, integral numbers in decimal.
    static func keyText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double: value.intValue.map { String($0) }
        default: nil
        }
    }

    /// Items by key, in list order.
    static func index(_ items: [JSONValue], by field: String) -> [(key: String, item: JSONValue)] {
        items.compactMap { item in item[field].flatMap(keyText).map { ($0, item) } }
    }
}
