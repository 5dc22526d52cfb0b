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
        // Which live members desired also has, so the removal pass below looks only at the rest.
        var matched = MatchedPositions(count: liveEntries.count)
        for (position, entry) in desired.entries.enumerated() {
            path.append(.key(entry.key))
            if let livePosition = Self.position(of: entry.key, in: liveEntries, near: position) {
                matched.insert(livePosition)
                compareValues(entry.value, liveEntries[livePosition].value, last?[entry.key])
            } else if !equivalent(entry.value, nil) {
                record(.added, old: nil, new: entry.value)
            }
            path.removeLast()
        }
        guard let last, matched.count < liveEntries.count else { return }
        for (position, entry) in liveEntries.enumerated() where !matched.contains(position) && last[entry.key] != nil {
            path.append(.key(entry.key))
            if !equivalent(nil, entry.value) { record(.removed, old: entry.value, new: nil) }
            path.removeLast()
        }
    }

    /// The position of `key` in `entries`, looking at `position` first: both sides usually list
    /// keys in the same order.
    static func position(of key: String, in entries: [JSONObject.Entry], near position: Int) -> Int? {
        if position < entries.count, entries[position].key == key { return position }
        return entries.firstIndex { $0.key == key }
    }

    static func member(_ key: String, of entries: [JSONObject.Entry], near position: Int) -> JSONValue? {
        self.position(of: key, in: entries, near: position).map { entries[$0].value }
    }

    mutating func compareLists(_ desired: [JSONValue], _ live: [JSONValue], _ last: [JSONValue]?) {
        if let match = ListKeys.match(forField: path.lastKey, desired: desired, live: live) {
            compareKeyedLists(match, desired, live, last)
        } else if desired.count == live.count, desired.allSatisfy(ListKeys.isObject), live.allSatisfy(ListKeys.isObject) {
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
        _ match: ListKeys.Match, _ desired: [JSONValue], _ live: [JSONValue], _ last: [JSONValue]?
    ) {
        let lastItems = ListKeys.lastItems(last, by: match.field)
        var matched = MatchedPositions(count: match.live.count)
        var inOrder = true
        var previousLivePosition = -1
        for (position, (key, item)) in match.desired.enumerated() {
            path.append(.item(field: match.field, value: key))
            if let livePosition = ListKeys.position(of: key, in: match.live, near: position) {
                matched.insert(livePosition)
                if livePosition < previousLivePosition { inOrder = false }
                previousLivePosition = livePosition
                compareValues(item, match.live[livePosition].item, ListKeys.item(key, in: lastItems, near: position))
            } else {
                record(.added, old: nil, new: item)
            }
            path.removeLast()
        }
        if !lastItems.isEmpty && matched.count < match.live.count {
            for (position, (key, item)) in match.live.enumerated()
            where !matched.contains(position) && ListKeys.item(key, in: lastItems, near: position) != nil {
                path.append(.item(field: match.field, value: key))
                record(.removed, old: item, new: nil)
                path.removeLast()
            }
        }
        if !inOrder { record(.changed, old: .array(live), new: .array(desired)) }
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

/// Which positions of a list were matched; a bit set for up to 64, a set beyond.
struct MatchedPositions {
    private var bits: UInt64 = 0
    private var overflow: Set<Int> = []
    private(set) var count = 0

    init(count: Int) {}

    mutating func insert(_ position: Int) {
        guard !contains(position) else { return }
        count += 1
        if position < 64 { bits |= 1 << UInt64(position) } else { overflow.insert(position) }
    }

    func contains(_ position: Int) -> Bool {
        position < 64 ? bits & (1 << UInt64(position)) != 0 : overflow.contains(position)
    }
}
