import BosunCore

/// One field of a key that identifies an item of an associative list (`name: "web"`).
struct KeyField: Hashable, Sendable {
    var name: String
    var value: JSONValue
}

/// One step of a path into an object, as structured-merge-diff names it: a struct or map field,
/// an associative-list item by its key fields, a set item by its value, or a list index.
enum PathElement: Hashable, Sendable, Comparable, CustomStringConvertible {
    case field(String)
    /// Key fields sorted by name.
    case key([KeyField])
    case value(JSONValue)
    case index(Int)

    private var rank: Int {
        switch self {
        case .field: 0
        case .key: 1
        case .value: 2
        case .index: 3
        }
    }

    static func < (a: PathElement, b: PathElement) -> Bool {
        switch (a, b) {
        case (.field(let x), .field(let y)): return x < y
        case (.key(let x), .key(let y)):
            for (l, r) in zip(x, y) {
                if l.name != r.name { return l.name < r.name }
                let c = compare(l.value, r.value)
                if c != 0 { return c < 0 }
            }
            return x.count < y.count
        case (.value(let x), .value(let y)): return compare(x, y) < 0
        case (.index(let x), .index(let y)): return x < y
        default: return a.rank < b.rank
        }
    }

    /// A total order over scalar values: null, bool, number, string, then the rest by text.
    static func compare(_ a: JSONValue, _ b: JSONValue) -> Int {
        func rank(_ v: JSONValue) -> Int {
            switch v {
            case .null: 0
            case .bool: 1
            case .int, .double: 2
            case .string: 3
            case .array: 4
            case .object: 5
            }
        }
        let ra = rank(a)
        let rb = rank(b)
        if ra != rb { return ra < rb ? -1 : 1 }
        switch (a, b) {
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.string(let x), .string(let y)): return x == y ? 0 : (x < y ? -1 : 1)
        default:
            if let x = a.doubleValue, let y = b.doubleValue { return x == y ? 0 : (x < y ? -1 : 1) }
            let x = a.jsonString()
            let y = b.jsonString()
            return x == y ? 0 : (x < y ? -1 : 1)
        }
    }

    /// The human form used in conflict messages: `.spec`, `[name="web"]`, `[="x"]`, `[0]`.
    var description: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let fields): return "[" + fields.map { "\($0.name)=\(Self.render($0.value))" }.joined(separator: ",") + "]"
        case .value(let value): return "[=\(Self.render(value))]"
        case .index(let i): return "[\(i)]"
        }
    }

    /// Values as structured-merge-diff prints them: strings quoted, numbers and booleans bare.
    static func render(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return goQuoted(s)
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return JSONEncoding.format(d)
        case .array(let items): return "[" + items.map(render).joined(separator: ",") + "]"
        case .object(let object): return object.map { "\($0.key)=\(render($0.value))" }.joined()
        }
    }

    static func goQuoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    // MARK: FieldsV1 keys

    /// The key of this element in a `fieldsV1` object: `f:name`, `k:{"name":"web"}`, `v:"x"`, `i:0`.
    var serialized: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let fields):
            var object = JSONObject()
            for field in fields { object[field.name] = field.value }
            return "k:" + JSONValue.object(object).jsonString()
        case .value(let value): return "v:" + value.jsonString()
        case .index(let i): return "i:\(i)"
        }
    }

    init?(serialized text: String) {
        guard text.count >= 2 else { return nil }
        let body = String(text.dropFirst(2))
        switch text.prefix(2) {
        case "f:": self = .field(body)
        case "i:":
            guard let i = Int(body) else { return nil }
            self = .index(i)
        case "v:":
            guard let value = try? JSONParser.parse(body) else { return nil }
            self = .value(value)
        case "k:":
            guard let object = (try? JSONParser.parse(body))?.objectValue else { return nil }
            self = .key(object.map { KeyField(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name })
        default: return nil
        }
    }
}

/// A path from the object's root, printed as conflict messages print it: `.spec.replicas`,
/// `.spec.template.spec.containers[name="web"].image`.
struct FieldPath: Hashable, Sendable, CustomStringConvertible {
    var elements: [PathElement]
    init(_ elements: [PathElement]) { self.elements = elements }
    var description: String { elements.map(\.description).joined() }
}
