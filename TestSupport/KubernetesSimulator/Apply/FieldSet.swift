import BosunCore

/// A set of field paths stored as a tree, as `managedFields[].fieldsV1` spells it: at each level
/// the elements that are members themselves, and the elements that lead to deeper members.
struct FieldSet: Sendable, Equatable {
    var members: Set<PathElement> = []
    var children: [PathElement: FieldSet] = [:]

    init() {}

    var isEmpty: Bool { members.isEmpty && children.isEmpty }

    mutating func insert(_ path: ArraySlice<PathElement>) {
        guard let first = path.first else { return }
        if path.count == 1 {
            members.insert(first)
        } else {
            children[first, default: FieldSet()].insert(path.dropFirst())
        }
    }

    mutating func insert(_ path: [PathElement]) { insert(path[...]) }

    func contains(_ path: ArraySlice<PathElement>) -> Bool {
        guard let first = path.first else { return false }
        if path.count == 1 { return members.contains(first) }
        return children[first]?.contains(path.dropFirst()) ?? false
    }

    func contains(_ path: [PathElement]) -> Bool { contains(path[...]) }

    /// Whether the set holds `path` itself or anything beneath it.
    func containsPrefix(_ path: ArraySlice<PathElement>) -> Bool {
        guard let first = path.first else { return !isEmpty }
        if path.count == 1 { return members.contains(first) || children[first] != nil }
        return children[first]?.containsPrefix(path.dropFirst()) ?? false
    }

    func child(_ element: PathElement) -> FieldSet? { children[element] }

    func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.formUnion(other)
        return result
    }

    mutating func formUnion(_ other: FieldSet) {
        members.formUnion(other.members)
        for (element, child) in other.children {
            if var mine = children[element] {
                children[element] = nil  // keep the child uniquely referenced while it grows
                mine.formUnion(child)
                children[element] = mine
            } else {
                children[element] = child
            }
        }
    }

    func subtracting(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.subtracting(other.members)
        for (element, child) in children {
            let rest = other.children[element].map { child.subtracting($0) } ?? child
            if !rest.isEmpty { result.children[element] = rest }
        }
        return result
    }

    func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet()
        result.members = members.intersection(other.members)
        for (element, child) in children {
            guard let theirs = other.children[element] else { continue }
            let both = child.intersection(theirs)
            if !both.isEmpty { result.children[element] = both }
        }
        return result
    }

    /// Every member path, members of a level before the levels beneath it, each level sorted:
    /// the order structured-merge-diff lists conflicts in.
    var paths: [FieldPath] {
        var out: [FieldPath] = []
        collect(prefix: [], into: &out)
        return out
    }

    private func collect(prefix: [PathElement], into out: inout [FieldPath]) {
        for member in members.sorted() { out.append(FieldPath(prefix + [member])) }
        for element in children.keys.sorted() {
            children[element]?.collect(prefix: prefix + [element], into: &out)
        }
    }

    /// Whether some path of this set may also be in the stored `fieldsV1` (conservative: true
    /// means "decode and look"), without decoding it.
    func mayOverlap(fieldsV1 value: JSONValue) -> Bool {
        guard let object = value.objectValue, !object.isEmpty else { return false }
        for member in members where object[member.serialized] != nil { return true }
        for (element, child) in children {
            if let inner = object[element.serialized], child.mayOverlap(fieldsV1: inner) {
                return true
            }
        }
        return false
    }

    // MARK: FieldsV1

    /// The `fieldsV1` object: `{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}`.
    var fieldsV1: JSONValue {
        var object = JSONObject()
        let elements = members.union(children.keys).sorted()
        for element in elements {
            if let child = children[element] {
                var inner = JSONObject()
                if members.contains(element) { inner["."] = .object(JSONObject()) }
                if case .object(let rest) = child.fieldsV1 {
                    for entry in rest { inner[entry.key] = entry.value }
                }
                object[element.serialized] = .object(inner)
            } else {
                object[element.serialized] = .object(JSONObject())
            }
        }
        return .object(object)
    }

    /// Reads a `fieldsV1` object; nil when it is not one.
    init?(fieldsV1 value: JSONValue) {
        guard let object = value.objectValue else { return nil }
        self.init()
        for entry in object {
            if entry.key == "." { continue }
            guard let element = PathElement(serialized: entry.key), let inner = entry.value.objectValue else { return nil }
            if inner.isEmpty {
                members.insert(element)
                continue
            }
            if inner["."] != nil { members.insert(element) }
            guard let child = FieldSet(fieldsV1: entry.value) else { return nil }
            if !child.isEmpty { children[element] = child }
        }
    }
}
