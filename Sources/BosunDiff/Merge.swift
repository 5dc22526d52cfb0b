import BosunCore

/// What an object looks like after Bosun applies desired over live: live's fields, with every
/// field desired manages set to desired's value, and fields Git removed (present in
/// last-applied, absent from desired) dropped. It follows the same rules as `ThreeWayDiff`, so
/// applying the reported changes to live gives this object.
struct Merge {
    let normalizers: [any Normalizer]
    private var path = FieldPath()

    init(normalizers: [any Normalizer]) { self.normalizers = normalizers }

    static func merged(live: JSONObject, desired: JSONObject, lastApplied: JSONObject?, normalizers: [any Normalizer]) -> JSONObject {
        var merge = Merge(normalizers: normalizers)
        return merge.mergeObjects(live, desired, lastApplied)
    }

    private func equivalent(_ desired: JSONValue?, _ live: JSONValue?) -> Bool {
        Normalizers.equivalent(desired: desired, live: live, at: path, with: normalizers)
    }

    mutating func mergeValues(_ live: JSONValue, _ desired: JSONValue, _ last: JSONValue?) -> JSONValue {
        switch (live, desired) {
        case (.object(let l), .object(let d)):
            return .object(mergeObjects(l, d, last?.objectValue))
        case (.array(let l), .array(let d)):
            return .array(mergeLists(l, d, last?.arrayValue))
        default:
            // Keep live's spelling of a value that means the same, so it does not read as a change.
            return live == desired || equivalent(desired, live) ? live : desired
        }
    }

    mutating func mergeObjects(_ live: JSONObject, _ desired: JSONObject, _ last: JSONObject?) -> JSONObject {
        var result: [JSONObject.Entry] = []
        result.reserveCapacity(max(live.count, desired.count))
        for (position, entry) in live.entries.enumerated() {
            path.append(.key(entry.key))
            defer { path.removeLast() }
            if let desiredValue = ThreeWayDiff.member(entry.key, of: desired.entries, near: position) {
                result.append(.init(key: entry.key, value: mergeValues(entry.value, desiredValue, last?[entry.key])))
            } else if last?[entry.key] != nil && !equivalent(nil, entry.value) {
                continue  // Git removed it.
            } else {
                result.append(entry)
            }
        }
        for entry in desired.entries where live[entry.key] == nil {
            path.append(.key(entry.key))
            defer { path.removeLast() }
            if !equivalent(entry.value, nil) { result.append(entry) }
        }
        return JSONObject(result)
    }

    mutating func mergeLists(_ live: [JSONValue], _ desired: [JSONValue], _ last: [JSONValue]?) -> [JSONValue] {
        if let match = ListKeys.match(forField: path.lastKey, desired: desired, live: live) {
            return mergeKeyedLists(match, last)
        }
        if desired.count == live.count, desired.allSatisfy(ListKeys.isObject), live.allSatisfy(ListKeys.isObject) {
            let lastItems = last?.count == desired.count ? last : nil
            return desired.indices.map { index in
                path.append(.index(index))
                defer { path.removeLast() }
                return mergeValues(live[index], desired[index], lastItems?[index])
            }
        }
        return ThreeWayDiff.sameList(desired, live, path: path, normalizers: normalizers) ? live : desired
    }

    /// Desired's items in desired's order, each merged with its live item; items only live has
    /// stay (after the live item they followed) unless last-applied had them.
    private mutating func mergeKeyedLists(_ match: ListKeys.Match, _ last: [JSONValue]?) -> [JSONValue] {
        let keyField = match.field
        let liveItems = match.live
        let desiredItems = match.desired
        let lastItems = ListKeys.lastItems(last, by: keyField)
        var result: [(key: String, item: JSONValue)] = []
        for (position, (key, item)) in desiredItems.enumerated() {
            path.append(.item(field: keyField, value: key))
            defer { path.removeLast() }
            if let liveItem = ListKeys.item(key, in: liveItems, near: position) {
                result.append((key, mergeValues(liveItem, item, ListKeys.item(key, in: lastItems, near: position))))
            } else {
                result.append((key, item))
            }
        }
        var anchor = 0  // where the next kept live-only item goes: after the live item before it
        for (position, (key, item)) in liveItems.enumerated() {
            if let index = result.firstIndex(where: { $0.key == key }) {
                anchor = index + 1
            } else if ListKeys.item(key, in: lastItems, near: position) == nil {
                result.insert((key, item), at: anchor)
                anchor += 1
            }
        }
        return result.map(\.item)
    }
}
