import BosunCore

/// A pointer that is not valid RFC 6901 text, with what to write instead.
public struct JSONPointerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The pointer text as given.
    public var pointer: String
    /// What is wrong and what to write instead.
    public var message: String
    public var description: String { "invalid JSON pointer \"\(pointer)\": \(message)" }
}

/// An RFC 6901 JSON pointer, read the way `FieldPath` writes it: on a list a token is an index
/// (`0`) or a keyed-item selector (`name=web`); on an object it is always a key.
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens.
    public var tokens: [String]

    /// Parses pointer text. The empty string points at the whole document.
    public init(_ text: String) throws(JSONPointerError) {
        if text.isEmpty {
            tokens = []
            return
        }
        guard text.hasPrefix("/") else {
            throw JSONPointerError(pointer: text, message: "a pointer starts with \"/\", e.g. \"/spec/replicas\"")
        }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard let token = JSONPointer.unescape(raw) else {
                throw JSONPointerError(
                    pointer: text, message: "\"~\" must be followed by 0 (for \"~\") or 1 (for \"/\") in \"\(raw)\"")
            }
            tokens.append(token)
        }
        self.tokens = tokens
    }

    /// A pointer of unescaped tokens.
    public init(tokens: [String]) { self.tokens = tokens }

    /// The pointer that addresses `path`.
    public init(_ path: FieldPath) {
        tokens = path.segments.map { segment in
            switch segment {
            case .key(let key): key
            case .item(let field, let value): "\(field)=\(value)"
            case .index(let index): String(index)
            }
        }
    }

    public var description: String { tokens.map { "/" + JSONPointer.escape($0) }.joined() }

    /// `~` as `~0` and `/` as `~1`.
    public static func escape(_ token: String) -> String {
        guard token.contains("~") || token.contains("/") else { return token }
        return token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }

    static func unescape(_ raw: Substring) -> String? {
        guard raw.contains("~") else { return String(raw) }
        var out = ""
        var iterator = raw.makeIterator()
        while let character = iterator.next() {
            guard character == "~" else {
                out.append(character)
                continue
            }
            switch iterator.next() {
            case "0": out.append("~")
            case "1": out.append("/")
            default: return nil
            }
        }
        return out
    }

    // MARK: Reading and writing values

    /// The value the pointer addresses, or nil when it does not exist.
    public func value(in root: JSONValue) -> JSONValue? {
        var current = root
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let items):
                guard let index = JSONPointer.itemIndex(token, in: items) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }

    /// `root` without the addressed value; unchanged when it does not exist.
    public func removing(from root: JSONValue) -> JSONValue {
        guard !tokens.isEmpty else { return .null }
        return JSONPointer.update(root, tokens[...]) { _ in nil } ?? root
    }

    /// `root` with the addressed value set to `newValue`, creating missing objects on the way
    /// and appending a missing keyed item (`name=web` creates `{name: web}`) or index `count`/`-`.
    /// Nil when the way down meets a scalar or an index past the end.
    public func setting(_ newValue: JSONValue, in root: JSONValue) -> JSONValue? {
        guard !tokens.isEmpty else { return newValue }
        return JSONPointer.update(root, tokens[...], create: true) { _ in newValue }
    }

    /// Rewrites the value at `tokens` inside `value`; `change` returns nil to remove it.
    static func update(
        _ value: JSONValue, _ tokens: ArraySlice<String>, create: Bool = false,
        _ change: (JSONValue?) -> JSONValue?
    ) -> JSONValue? {
        guard let token = tokens.first else { return change(value) }
        let rest = tokens.dropFirst()
        switch value {
        case .object(var object):
            let child = object[token]
            if child == nil && !create { return value }
            if rest.isEmpty {
                object[token] = change(child)
            } else {
                guard let updated = update(child ?? .object(JSONObject()), rest, create: create, change) else { return nil }
                object[token] = updated
            }
            return .object(object)
        case .array(var items):
            if let index = itemIndex(token, in: items) {
                if rest.isEmpty {
                    if let replacement = change(items[index]) { items[index] = replacement } else { items.remove(at: index) }
                } else {
                    guard let updated = update(items[index], rest, create: create, change) else { return nil }
                    items[index] = updated
                }
                return .array(items)
            }
            guard create else { return value }
            var fresh: JSONValue
            if token == "-" || Int(token) == items.count {
                fresh = .object(JSONObject())
            } else if let (field, key) = itemSelector(token) {
                fresh = .object([field: .string(key)])
            } else {
                return nil
            }
            if rest.isEmpty {
                guard let replacement = change(nil) else { return value }
                fresh = replacement
            } else {
                guard let updated = update(fresh, rest, create: create, change) else { return nil }
                fresh = updated
            }
            items.append(fresh)
            return .array(items)
        default:
            // Spelled out: `create ? nil : value` would make `nil` a JSON null.
            if create { return nil }
            return value
        }
    }

    /// `name=web` as (`name`, `web`); nil for other tokens.
    static func itemSelector(_ token: String) -> (String, String)? {
        guard let equals = token.firstIndex(of: "=") else { return nil }
        return (String(token[..<equals]), String(token[token.index(after: equals)...]))
    }

    /// The position an index or keyed-item token selects in `items`.
    static func itemIndex(_ token: String, in items: [JSONValue]) -> Int? {
        if let index = Int(token), token.first != "+", token.first != "-" {
            return items.indices.contains(index) ? index : nil
        }
        guard let (field, key) = itemSelector(token) else { return nil }
        return items.firstIndex { item in item[field].flatMap(ListKeys.keyText) == key }
    }
}
