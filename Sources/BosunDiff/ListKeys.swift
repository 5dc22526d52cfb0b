import BosunCore

/// Which field identifies the items of a list, so lists are diffed item by item instead of whole.
///
/// - `volumeMounts` are matched by `mountPath` (one volume may be mounted at several paths).
/// - Lists whose items all carry a unique `name` (containers, env, volumes, named ports, ...) by `name`.
/// - `ports` without names by `containerPort` (containers) or `port` (Services).
/// A candidate field qualifies only when every item of both sides has it as a scalar and
/// neither side repeats a value; otherwise the list compares whole.
enum ListKeys {
    typealias Item = (key: String, item: JSONValue)

    /// Both sides' items under their keys, with the key field chosen.
    struct Match {
        var field: String
        var desired: [Item]
        var live: [Item]
    }

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
        return candidates(forField: field).first { candidate in sides.allSatisfy { index($0, by: candidate) != nil } }
    }

    /// Desired's and live's items by key, when the list under `field` is keyed.
    static func match(forField field: String?, desired: [JSONValue], live: [JSONValue]) -> Match? {
        guard !desired.isEmpty || !live.isEmpty, desired.allSatisfy(isObject), live.allSatisfy(isObject) else { return nil }
        for candidate in candidates(forField: field) {
            if let desiredItems = index(desired, by: candidate), let liveItems = index(live, by: candidate) {
                return Match(field: candidate, desired: desiredItems, live: liveItems)
            }
        }
        return nil
    }

    static func isObject(_ value: JSONValue) -> Bool {
        if case .object = value { true } else { false }
    }

    /// Items under their key, in list order; nil when an item lacks the key or a key repeats.
    static func index(_ items: [JSONValue], by field: String) -> [Item]? {
        var result: [Item] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let key = item[field].flatMap(keyText) else { return nil }
            result.append((key, item))
        }
        if result.count <= 16 {
            // Small lists are the rule: comparing pairs beats building a set.
            for i in result.indices {
                for j in result.indices where j < i && result[j].key == result[i].key { return nil }
            }
        } else if Set(result.map(\.key)).count != result.count {
            return nil
        }
        return result
    }

    /// The items of `last` by key, or none when it cannot be keyed the same way.
    static func lastItems(_ last: [JSONValue]?, by field: String) -> [Item] {
        last.flatMap { index($0, by: field) } ?? []
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

    /// The position of `key` in `items`, looking at `position` first (both sides usually agree).
    static func position(of key: String, in items: [Item], near position: Int) -> Int? {
        if position < items.count, items[position].key == key { return position }
        return items.firstIndex { $0.key == key }
    }

    static func item(_ key: String, in items: [Item], near position: Int) -> JSONValue? {
        self.position(of: key, in: items, near: position).map { items[$0].item }
    }
}
