import BosunCore

/// The health rules users declared (`healthRules:`), indexed by kind. For its kind a rule list
/// comes before the built-in and generic rules: the first rule that matches decides, then the
/// list's `default`; with neither, the built-in or generic rules decide.
public struct DeclaredHealthRules: Sendable, Hashable {
    /// Rule lists by `group/kind`.
    let byKind: [String: HealthRuleSet]

    /// No declared rules.
    public init() { byKind = [:] }

    public init(_ sets: [HealthRuleSet]) {
        // Validation refuses two lists for one kind; should it happen anyway, the first wins.
        byKind = Dictionary(sets.map { ($0.kindKey, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public var isEmpty: Bool { byKind.isEmpty }

    /// What decided an object's health under declared rules.
    public enum Decision: Sendable, Hashable {
        case rule(HealthRule)
        case defaultOf(HealthRuleSet)
    }

    /// The declared health of `object`, and what decided it; nil when no rule list covers its
    /// kind, or none of its rules matched and it has no default.
    public func evaluate(_ object: Resource) -> (health: HealthStatus, decision: Decision)? {
        evaluate(object, kind: "\(object.group)/\(object.kind)")
    }

    /// The same, for a caller that has the object's `group/kind` at hand.
    func evaluate(_ object: Resource, kind: String) -> (health: HealthStatus, decision: Decision)? {
        guard !byKind.isEmpty, let set = byKind[kind] else { return nil }
        let context = MatchContext(object)
        for rule in set.rules {
            guard let said = context.matches(rule.when) else { continue }
            var message = rule.message.map { HealthMessageTemplate.render($0, object: object.value) } ?? ""
            if message.isEmpty { message = said }
            return (HealthStatus(rule.health, message), .rule(rule))
        }
        guard let fallback = set.defaultHealth else { return nil }
        let place = set.source.map { " (\($0))" } ?? ""
        return (HealthStatus(fallback, "no health rule for \(set.kind) matched\(place): its default is \(fallback.rawValue)"), .defaultOf(set))
    }
}

/// An object as matchers read it, its conditions parsed once.
struct MatchContext {
    let object: Resource
    let value: JSONValue
    let conditions: [Condition]

    init(_ object: Resource) {
        self.object = object
        value = object.value
        conditions = object.conditions
    }

    /// What matched, said for a message, when every matcher holds; nil when one does not.
    func matches(_ all: [HealthMatch]) -> String? {
        var said: [String] = []
        for match in all {
            guard let text = matches(match) else { return nil }
            said.append(contentsOf: text)
        }
        return said.joined(separator: "; ")
    }

    func matches(_ match: HealthMatch) -> [String]? {
        var said: [String] = []
        if let wanted = match.condition {
            guard let text = matches(wanted) else { return nil }
            said.append(text)
        }
        if let wanted = match.field {
            guard let text = matches(wanted) else { return nil }
            said.append(text)
        }
        if let wanted = match.observedGenerationCurrent {
            let generation = object.generation
            let observed = object.observedGeneration
            let current = observed.map { $0 >= generation } ?? (object.int("metadata", "generation") == nil)
            guard current == wanted else { return nil }
            let shown = observed.map(String.init) ?? "absent"
            said.append(current
                ? "status.observedGeneration \(shown) is current (metadata.generation \(generation))"
                : "status.observedGeneration \(shown) is behind metadata.generation \(generation)")
        }
        return said
    }

    func matches(_ wanted: ConditionMatch) -> String? {
        guard let condition = conditions.first(where: { $0.type == wanted.type }) else { return nil }
        if let status = wanted.status, condition.status != status { return nil }
        if let reasons = wanted.reasonIn, !reasons.contains(condition.reason) { return nil }
        if let reasons = wanted.reasonNotIn, reasons.contains(condition.reason) { return nil }
        return condition.summary
    }

    func matches(_ wanted: FieldMatch) -> String? {
        let field = wanted.pointer.read(value)
        let text = field.flatMap(HealthMessageTemplate.scalarText)
        switch wanted.test {
        case .equals(let expected):
            guard let text, text == HealthMessageTemplate.scalarText(expected) else { return nil }
            return "\(wanted.pointer) is \(text)"
        case .oneOf(let expected):
            guard let text, expected.contains(where: { HealthMessageTemplate.scalarText($0) == text }) else { return nil }
            return "\(wanted.pointer) is \(text)"
        case .exists(let wantPresent):
            let present = field.map { !$0.isNull } ?? false
            guard present == wantPresent else { return nil }
            return present ? "\(wanted.pointer) is set" : "\(wanted.pointer) is not set"
        case .lessThanField(let other):
            let left = Self.number(field)
            let right = Self.number(other.read(value))
            guard let left, let right, left < right else { return nil }
            return "\(wanted.pointer) (\(Self.shown(left))) is below \(other) (\(Self.shown(right)))"
        }
    }

    /// A number, or a string of one; absent reads as 0 (Kubernetes omits zero counts).
    static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case nil, .null?: 0
        case .string(let text)?: Double(text)
        case let other?: other.doubleValue
        }
    }

    static func shown(_ number: Double) -> String {
        number.rounded() == number && abs(number) < 9.0e15 ? String(Int(number)) : String(number)
    }
}
