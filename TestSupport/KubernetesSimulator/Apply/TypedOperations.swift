import BosunCore

/// A problem found while walking an object with its schema (a list item without its key, a
/// duplicate key), worded as structured-merge-diff words it.
struct SchemaError: Error, Sendable, CustomStringConvertible {
    var path: FieldPath
    var message: String
    var description: String { path.elements.isEmpty ? message : "\(path): \(message)" }
}

/// What changed between two versions of an object, field by field.
struct Comparison: Sendable {
    var added = FieldSet()
    var modified = FieldSet()
    var removed = FieldSet()
}

/// The schema-aware walks server-side apply is made of: the fields a configuration sets,
/// merging a configuration into a live object, comparing two objects, and removing fields.
/// The semantics follow structured-merge-diff (`typed/tofieldset.go`, `merge.go`, `compare.go`,
/// `remove.go`); the code is this project's own.
enum TypedOperations {
    // MARK: List items

    /// The path element naming `item`, the `index`th item of a list with `schema`.
    static func element(of item: JSONValue, at index: Int, in schema: FieldSchema, path: [PathElement]) throws(SchemaError) -> PathElement {
        switch schema {
        case .associativeList(let keys, let defaults, _):
            guard let object = item.objectValue else {
                throw SchemaError(path: FieldPath(path), message: "element \(index): expected a map, got \(item.typeName)")
            }
            var fields: [KeyField] = []
            for key in keys {
                if let value = object[key] {
                    fields.append(KeyField(name: key, value: value))
                } else if let value = defaults[key] {
                    fields.append(KeyField(name: key, value: value))
                } else {
                    throw SchemaError(
                        path: FieldPath(path),
                        message: "element \(index): associative list with keys has an element that omits key field \"\(key)\" (and doesn't have default value)")
                }
            }
            return .key(fields.sorted { $0.name < $1.name })
        case .set:
            return .value(item)
        default:
            return .index(index)
        }
    }

    static func elementSchema(_ schema: FieldSchema) -> FieldSchema {
        if case .associativeList(_, _, let element) = schema { return element }
        return .scalar
    }

    static func isList(_ schema: FieldSchema) -> Bool {
        switch schema {
        case .associativeList, .set: true
        default: false
        }
    }

    // MARK: The fields a configuration sets

    /// Every field `value` sets, as an applier comes to own them: leaves, atomic values, list
    /// items, map entries, and empty or null struct fields.
    static func fieldSet(_ value: JSONValue, schema: FieldSchema) throws(SchemaError) -> FieldSet {
        var set = FieldSet()
        var path: [PathElement] = []
        try collect(value, schema, &path, &set)
        return set
    }

    private static func collect(_ value: JSONValue, _ schema: FieldSchema, _ path: inout [PathElement], _ set: inout FieldSet) throws(SchemaError) {
        let schema = schema.resolved(for: value)
        switch value {
        case .array(let items) where isList(schema):
            var seen = Set<PathElement>()
            for (i, item) in items.enumerated() {
                let element = try element(of: item, at: i, in: schema, path: path)
                guard seen.insert(element).inserted else {
                    throw SchemaError(path: FieldPath(path), message: "duplicate entries for key \(element)")
                }
                path.append(element)
                if case .associativeList = schema { try collect(item, elementSchema(schema), &path, &set) }
                set.insert(path)
                path.removeLast()
            }
        case .object(let object) where !isAtomic(schema):
            for entry in object {
                path.append(.field(entry.key))
                try collect(entry.value, schema.child(entry.key), &path, &set)
                if entry.value.isNull || entry.value.objectValue?.isEmpty == true || schema.ownsEntries {
                    set.insert(path)
                }
                path.removeLast()
            }
        default:
            set.insert(path)
        }
    }

    static func isAtomic(_ schema: FieldSchema) -> Bool {
        switch schema {
        case .atomic, .scalar: true
        default: false
        }
    }

    // MARK: Merge

    /// `config` merged into `live`: maps field by field, keyed lists item by item, everything
    /// else replaced. Null values in the configuration clear the field.
    static func merge(_ live: JSONValue?, _ config: JSONValue?, _ schema: FieldSchema, path: [PathElement] = []) throws(SchemaError) -> JSONValue? {
        guard let config else { return live }
        guard let live else { return config.isNull ? JSONValue?.none : config }
        if config.isNull { return nil }
        let schema = schema.resolved(for: config)
        switch (live, config) {
        case (.object(let l), .object(let r)) where !isAtomic(schema):
            if l.isEmpty && r.isEmpty { return config }
            var out = JSONObject()
            for entry in l {
                let merged = try merge(entry.value, r[entry.key], schema.child(entry.key), path: path + [.field(entry.key)])
                if let merged { out[entry.key] = merged }
            }
            for entry in r where l[entry.key] == nil {
                if let merged = try merge(nil, entry.value, schema.child(entry.key), path: path + [.field(entry.key)]) {
                    out[entry.key] = merged
                }
            }
            return .object(out)
        case (.array(let l), .array(let r)) where isList(schema):
            if l.isEmpty && r.isEmpty { return config }
            return .array(try mergeLists(l, r, schema, path: path))
        default:
            return config
        }
    }

    /// Keyed lists keep the configuration's order for the items it names, and the live items it
    /// does not name where they were.
    private static func mergeLists(_ lhs: [JSONValue], _ rhs: [JSONValue], _ schema: FieldSchema, path: [PathElement]) throws(SchemaError) -> [JSONValue] {
        let (lOrder, lItems) = try index(lhs, schema, path: path, rejectDuplicates: false)
        let (rOrder, rItems) = try index(rhs, schema, path: path, rejectDuplicates: true)
        var shared = rOrder.filter { lItems[$0] != nil }[...]
        var out: [JSONValue] = []
        let element = elementSchema(schema)
        func mergeItem(_ pe: PathElement) throws(SchemaError) {
            if let merged = try merge(lItems[pe], rItems[pe], element, path: path + [pe]) { out.append(merged) }
        }
        var l = 0
        var r = 0
        while l < lOrder.count || r < rOrder.count {
            if l < lOrder.count && r < rOrder.count {
                let pe = lOrder[l]
                if pe == rOrder[r] {
                    try mergeItem(pe)
                    l += 1
                    r += 1
                    if shared.first == pe { shared = shared.dropFirst() }
                    continue
                }
                if rItems[pe] != nil, let next = shared.first, next != pe {
                    l += 1  // a shared item the configuration places later
                    continue
                }
            }
            if l < lOrder.count, rItems[lOrder[l]] == nil {
                try mergeItem(lOrder[l])
                l += 1
                continue
            }
            if r < rOrder.count {
                let pe = rOrder[r]
                try mergeItem(pe)
                r += 1
                if shared.first == pe { shared = shared.dropFirst() }
                if lItems[pe] != nil, l < lOrder.count, lOrder[l] == pe { l += 1 }
            } else {
                l += 1
            }
        }
        return out
    }

    private static func index(_ items: [JSONValue], _ schema: FieldSchema, path: [PathElement], rejectDuplicates: Bool) throws(SchemaError) -> ([PathElement], [PathElement: JSONValue]) {
        var order: [PathElement] = []
        var byElement: [PathElement: JSONValue] = [:]
        for (i, item) in items.enumerated() {
            let pe = try element(of: item, at: i, in: schema, path: path)
            if byElement[pe] != nil {
                if rejectDuplicates { throw SchemaError(path: FieldPath(path), message: "duplicate entries for key \(pe)") }
                continue
            }
            byElement[pe] = item
            order.append(pe)
        }
        return (order, byElement)
    }

    // MARK: Compare

    /// The fields added, modified and removed going from `old` to `new`. A map or list item that
    /// appears (or disappears) whole is itself added (or removed), besides its fields.
    static func compare(_ old: JSONValue?, _ new: JSONValue?, _ schema: FieldSchema, at prefix: [PathElement] = []) -> Comparison {
        var result = Comparison()
        var path = prefix
        compare(old, new, schema, &path, &result)
        return result
    }

    private static func compare(_ old: JSONValue?, _ new: JSONValue?, _ schema: FieldSchema, _ path: inout [PathElement], _ result: inout Comparison) {
        var old = old
        if old == nil, schema.isAlwaysPresent, new?.objectValue != nil { old = .object(JSONObject()) }
        // A null map or list is there, just empty: filling it adds its entries, not itself.
        if old?.isNull == true, let new, new.objectValue != nil || new.arrayValue != nil, !isAtomic(schema.resolved(for: new)) {
            old = new.objectValue != nil ? .object(JSONObject()) : .array([])
        }
        guard old != nil || new != nil else { return }
        let schema = schema.resolved(for: new ?? old ?? .null)
        func leaf() {
            guard !path.isEmpty else { return }
            if old == nil {
                result.added.insert(path)
            } else if new == nil {
                result.removed.insert(path)
            } else if old != new {
                result.modified.insert(path)
            }
        }
        switch (old ?? new, new ?? old) {
        case (.object(let l), .object(let r)) where !isAtomic(schema):
            let lhs = old == nil ? JSONObject() : l
            let rhs = new == nil ? JSONObject() : r
            if lhs.isEmpty && rhs.isEmpty { leaf(); return }
            for entry in lhs {
                path.append(.field(entry.key))
                compare(entry.value, rhs[entry.key], schema.child(entry.key), &path, &result)
                path.removeLast()
            }
            for entry in rhs where lhs[entry.key] == nil {
                path.append(.field(entry.key))
                compare(nil, entry.value, schema.child(entry.key), &path, &result)
                path.removeLast()
            }
        case (.array(let l), .array(let r)) where isList(schema):
            let lhs = old == nil ? [] : l
            let rhs = new == nil ? [] : r
            if lhs.isEmpty && rhs.isEmpty { leaf(); return }
            guard let (lOrder, lItems) = try? index(lhs, schema, path: path, rejectDuplicates: false),
                let (rOrder, rItems) = try? index(rhs, schema, path: path, rejectDuplicates: false)
            else { leaf(); return }
            let element = elementSchema(schema)
            for pe in lOrder {
                path.append(pe)
                compare(lItems[pe], rItems[pe], element, &path, &result)
                path.removeLast()
            }
            for pe in rOrder where lItems[pe] == nil {
                path.append(pe)
                compare(nil, rItems[pe], element, &path, &result)
                path.removeLast()
            }
        default:
            leaf()
            return
        }
        // The container itself appeared or disappeared.
        guard !path.isEmpty else { return }
        if old == nil { result.added.insert(path) } else if new == nil { result.removed.insert(path) }
    }

    // MARK: Remove

    /// `value` without the members of `set` (whole fields, whole list items). Objects left empty
    /// by the removal disappear too, unless every object of the kind has them.
    static func removing(_ set: FieldSet, from value: JSONValue, _ schema: FieldSchema, path: [PathElement] = []) -> JSONValue {
        guard !set.isEmpty else { return value }
        let schema = schema.resolved(for: value)
        switch value {
        case .object(let object) where !isAtomic(schema):
            var out = JSONObject()
            for entry in object {
                let pe = PathElement.field(entry.key)
                if set.members.contains(pe) { continue }
                guard let child = set.children[pe] else {
                    out[entry.key] = entry.value
                    continue
                }
                let childSchema = schema.child(entry.key)
                let pruned = removing(child, from: entry.value, childSchema, path: path + [pe])
                // A map or list the removal emptied goes too (the server's typed objects omit them).
                let emptied = (pruned.objectValue?.isEmpty == true && entry.value.objectValue?.isEmpty == false)
                    || (pruned.arrayValue?.isEmpty == true && entry.value.arrayValue?.isEmpty == false)
                if emptied && !childSchema.isAlwaysPresent { continue }
                out[entry.key] = pruned
            }
            return .object(out)
        case .array(let items) where isList(schema):
            var out: [JSONValue] = []
            let element = elementSchema(schema)
            for (i, item) in items.enumerated() {
                guard let pe = try? self.element(of: item, at: i, in: schema, path: path) else {
                    out.append(item)
                    continue
                }
                if set.members.contains(pe) { continue }
                if let child = set.children[pe] {
                    out.append(removing(child, from: item, element, path: path + [pe]))
                } else {
                    out.append(item)
                }
            }
            return .array(out)
        default:
            return value
        }
    }
}
