import Foundation

/// Health rules a user declares for one kind (`healthRules:` in `bosun.yaml`, and later in
/// Git): an ordered list of rules, the first that matches deciding, and a `default` for when
/// none does. Plain values, so they can come from any file and be handed to any target.
///
/// ```yaml
/// healthRules:
///   - group: cert-manager.io
///     kind: Certificate
///     rules:
///       - { when: { condition: Ready, status: "True" }, health: Healthy }
///       - { when: { field: /status/phase, in: [Failed] }, health: Degraded, message: "{{/status/message}}" }
///     default: Progressing
/// ```
public struct HealthRuleSet: Sendable, Hashable {
    /// The API group (`""` for the core group).
    public var group: String
    public var kind: String
    public var rules: [HealthRule]
    /// The health when no rule matches; nil leaves it to the built-in and generic rules.
    public var defaultHealth: HealthCode?
    /// Where the list was declared, so a message can point at it.
    public var source: SourceLocation?

    public init(group: String = "", kind: String, rules: [HealthRule], defaultHealth: HealthCode? = nil, source: SourceLocation? = nil) {
        self.group = group
        self.kind = kind
        self.rules = rules
        self.defaultHealth = defaultHealth
        self.source = source
    }

    /// `group/kind`, as health rules are looked up.
    public var kindKey: String { "\(group)/\(kind)" }
}

/// One rule: when every matcher of `when` holds, the object has `health`.
public struct HealthRule: Sendable, Hashable {
    /// All must hold (a `when:` mapping is one; a `when:` list is several).
    public var when: [HealthMatch]
    public var health: HealthCode
    /// A message template: `{{/json/pointer}}` is replaced by that field's value. nil: Bosun says
    /// what matched.
    public var message: String?
    public var source: SourceLocation?

    public init(when: [HealthMatch], health: HealthCode, message: String? = nil, source: SourceLocation? = nil) {
        self.when = when
        self.health = health
        self.message = message
        self.source = source
    }
}

/// One `when:` mapping: each part that is set must hold.
public struct HealthMatch: Sendable, Hashable {
    public var condition: ConditionMatch?
    public var field: FieldMatch?
    /// true: `status.observedGeneration` has caught up with `metadata.generation`; false: it has not.
    public var observedGenerationCurrent: Bool?

    public init(condition: ConditionMatch? = nil, field: FieldMatch? = nil, observedGenerationCurrent: Bool? = nil) {
        self.condition = condition
        self.field = field
        self.observedGenerationCurrent = observedGenerationCurrent
    }
}

/// An entry of `status.conditions` by type, with its status and reason.
public struct ConditionMatch: Sendable, Hashable {
    public var type: String
    /// `True`, `False` or `Unknown`; nil: any.
    public var status: String?
    public var reasonIn: [String]?
    public var reasonNotIn: [String]?

    public init(type: String, status: String? = nil, reasonIn: [String]? = nil, reasonNotIn: [String]? = nil) {
        self.type = type
        self.status = status
        self.reasonIn = reasonIn
        self.reasonNotIn = reasonNotIn
    }
}

/// A field by JSON pointer and a test of its value.
public struct FieldMatch: Sendable, Hashable {
    public enum Test: Sendable, Hashable {
        /// The field is this scalar (compared as text: `3` equals `"3"`).
        case equals(JSONValue)
        /// The field is one of these scalars.
        case oneOf([JSONValue])
        /// The field is present and not null (true), or absent or null (false).
        case exists(Bool)
        /// The field is a number below the number at another pointer (absent numbers read as 0,
        /// as Kubernetes omits zero counts).
        case lessThanField(FieldPointer)
    }

    public var pointer: FieldPointer
    public var test: Test

    public init(pointer: FieldPointer, test: Test) {
        self.pointer = pointer
        self.test = test
    }
}

/// An RFC 6901 JSON pointer to one field of an object (`/status/phase`,
/// `/status/conditions/0/type`), for reading.
public struct FieldPointer: Sendable, Hashable, CustomStringConvertible {
    /// The unescaped reference tokens.
    public var tokens: [String]
    /// The pointer as written.
    public var description: String

    /// Parses pointer text; nil with a reason when it is not a pointer to a field.
    public init(_ text: String) throws(FieldPointerError) {
        guard text.hasPrefix("/") else {
            throw FieldPointerError("\"\(text)\" is not a JSON pointer: it starts with \"/\", as /status/phase")
        }
        var tokens: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var escaped = false
            for character in raw {
                if escaped {
                    switch character {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default:
                        throw FieldPointerError("\"\(text)\" is not a JSON pointer: \"~\" must be followed by 0 (for \"~\") or 1 (for \"/\")")
                    }
                    escaped = false
                } else if character == "~" {
                    escaped = true
                } else {
                    token.append(character)
                }
            }
            if escaped { throw FieldPointerError("\"\(text)\" is not a JSON pointer: it ends with a lone \"~\"") }
            tokens.append(token)
        }
        self.tokens = tokens
        description = text
    }

    /// The value at this pointer in `value` (object keys, and list indexes on lists); nil when absent.
    public func read(_ value: JSONValue) -> JSONValue? {
        var current = value
        for token in tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let items):
                guard let index = Int(token), items.indices.contains(index) else { return nil }
                current = items[index]
            default:
                return nil
            }
        }
        return current
    }
}

/// Why a text is not a field pointer.
public struct FieldPointerError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A rule's message: literal text with `{{/pointer}}` holes filled from the object.
public enum HealthMessageTemplate {
    /// The pointers a template quotes; throws when a hole is not closed or not a pointer.
    public static func pointers(in template: String) throws(FieldPointerError) -> [FieldPointer] {
        var pointers: [FieldPointer] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw FieldPointerError("\"{{\" without a closing \"}}\"")
            }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            pointers.append(try FieldPointer(inner))
            rest = rest[close.upperBound...]
        }
        return pointers
    }

    /// `template` with each `{{/pointer}}` replaced by the field's text (empty when absent).
    public static func render(_ template: String, object: JSONValue) -> String {
        guard template.contains("{{") else { return template }
        var result = ""
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            result += rest[..<open.lowerBound]
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if let pointer = try? FieldPointer(inner), let value = pointer.read(object) {
                result += scalarText(value) ?? value.jsonString()
            }
            rest = rest[close.upperBound...]
        }
        return result + rest
    }

    /// A scalar as text (`"3"` and `3` both read 3); nil for null, lists and objects.
    public static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): d.rounded() == d && abs(d) < 9.0e15 ? String(Int(d)) : String(d)
        case .bool(let b): b ? "true" : "false"
        case .null, .array, .object: nil
        }
    }
}
