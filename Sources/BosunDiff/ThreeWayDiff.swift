import BosunCore

/// Walks desired, live and last-applied together and collects the fields that are drift.
///
/// - A field desired sets that live lacks is added; one both hold with different values is changed.
/// - A field only live has is not drift (the server or another controller set it), unless
///   last-applied had it: then Git removed it and it is removed.
/// - Keyed lists (see `ListKeys`) are matched item by item, three-way inside each item; an item
///   only live has is ignored unless last-applied had it. Lists of objects that are not keyed but
///   keep their length are compared item by item too (so defaults the server fills in inside
///   items are not drift) and reported at the list's path; other lists compare whole.
/// - Keyed items in a different order than desired are a change of the list.
struct ThreeWayDiff {
    let normalizers: [any Normalizer]
    private(set) var changes: [FieldChange] = []
    private var path = FieldPath()

    init(normalizers: [any Normalizer]) { self.normalizers = normalizers }

    /// The changes that turn `live` into `desired` on the fields desired manages.
    static func changes(
        desired: JSONObject, live: JSONObject, lastApplied: JSONObject?, normalizers: [any Normalizer]
    ) -> [FieldChange] {
        var walker = ThreeWayDiff(normalizers: normalizers)
        walker.compareObjects(desired, live, lastApplied)
        return walker.changes
    }

    private func equivalent(_ desired: JSONValue?, _ live: JSONValue?) -> Bool {
        Normalizers.equivalent(desired: desired, live: live, at: path, with: normalizers)
    }

    private mutating func record(_ kind: FieldChange.Kind, old: JSONValue?, new: JSONValue?) {
        changes.append(FieldChange(path: path, kind: kind, old: old, new: new))
    }

    mutating func compareValues(_ desired: JSONValue, _ live: JSONValue, _ last: JSONValue?) {
        switch (desired, live) {
        case (.object(let d), .object(let l)):
            compareObjects(d, l, last?.objectValue)
        case (.array(let d), .array(let l)):
            compareLists(d, l, last?.arrayValue)
        default:
            if desired != live && !equivalent(desired, live) { record(.changed, old: live, new: desired) }
        }
    }

    mutating func compareObjects(_ desired: JSONObject, _ live: JSONObject, _ last: JSONObject?) {
        let liveEntries = live.entries
        for (position, entry) in desired.entries.enumerated() {
            path.append(.key(entry.key))
            if let liveValue = Self.member(entry.key, of: liveEntries, near: position) {
                compareValues(entry.value, liveValue, last?[entry.key])
            } else if !equivalent(entry.value, nil) {
                record(.added, old: nil, new: entry.value)
            }
            path.removeLast()
        }
        guard let last else { return }
        for entry in liveEntries where last[entry.key] != nil && desired[entry.key] == nil {
            path.append(.key(entry.key))
            if !equivalent(nil, entry.value) { record(.removed, old: entry.value, new: nil) }
            path.removeLast()
        }
    }

    /// Looks at the same position first: both sides usually list keys in the same order.
    static func member(_ key: String, of entries: [JSONObject.Entry], near position: Int) -> JSONValue? {
        if position < entries.count, entries[position].key == key { return entries[position].value }
        for entry in entries where entry.key == key { return entry.value }
        return nil
    }

    mutating func compareLists(_ desired: [JSONValue], _ live: [JSONValue], _ last: [JSONValue]?) {
        let field = path.lastKey
        if let keyField = ListKeys.keyField(forField: field, sides: [desired, live]) {
            compareKeyedLists(desired, live, last, by: keyField)
        } else if desired.count == live.count, desired.allSatisfy(Self.isObject), live.allSatisfy(Self.isObject) {
            var items = ThreeWayDiff(normalizers: normalizers)
            items.path = path
            let lastItems = last?.count == desired.count ? last : nil
            for index in desired.indices {
                items.path.append(.index(index))
                items.compareValues(desired[index], live[index], lastItems?[index])
                items.path.removeLast()
                if !items.changes.isEmpty { break }
            }
            if !items.changes.isEmpty { record(.changed, old: .array(live), new: .array(desired)) }
        } else if !Self.sameList(desired, live, path: path, normalizers: normalizers) {
            record(.changed, old: .array(live), new: .array(desired))
        }
    }

    private mutating func compareKeyedLists(
        _ desired: [JSONValue], _ live: [JSONValue], _ last: [JSONValue]?, by keyField: String
    ) {
        let desiredItems = ListKeys.index(desired, by: keyField)
        let liveItems = ListKeys.index(live, by: keyField)
        let lastItems = last.map { ListKeys.index($0, by: keyField) } ?? []
        var common: [String] = []
        for (position, (key, item)) in desiredItems.enumerated() {
            path.append(.item(field: keyField, value: key))
            if let liveItem = Self.item(key, in: liveItems, near: position) {
                common.append(key)
                compareValues(item, liveItem, Self.item(key, in: lastItems, near: position))
            } else {
                record(.added, old: nil, new: item)
            }
            path.removeLast()
        }
        for (position, (key, item)) in liveItems.enumerated()
        where Self.item(key, in: lastItems, near: position) != nil && Self.item(key, in: desiredItems, near: position) == nil
        {
            path.append(.item(field: keyField, value: key))
            record(.removed, old: item, new: nil)
            path.removeLast()
        }
        let liveOrder = liveItems.lazy.map(\.key).filter { common.contains($0) }
        if !liveOrder.elementsEqual(common) { record(.changed, old: .array(live), new: .array(desired)) }
    }

    static func item(_ key: String, in items: [(key: String, item: JSONValue)], near position: Int) -> JSONValue? {
        if position < items.count, items[position].key == key { return items[position].item }
        for entry in items where entry.key == key { return entry.item }
        return nil
    }

    static func isObject(_ value: JSONValue) -> Bool {
        if case .object = value { true } else { false }
    }

    /// Lists that compare whole: same length and every pair equal or equivalent.
    static func sameList(_ desired: [JSONValue], _ live: [JSONValue], path: FieldPath, normalizers: [any Normalizer]) -> Bool {
        guard desired.count == live.count else { return false }
        var itemPath = path
        for index in desired.indices where desired[index] != live[index] {
            itemPath.append(.index(index))
            defer { itemPath.removeLast() }
            if !Normalizers.equivalent(desired: desired[index], live: live[index], at: itemPath, with: normalizers) {
                return false
            }
        }
        return true
    }
}
