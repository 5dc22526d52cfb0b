import Foundation
import Yams

/// Reads `healthRules:` (see `HealthRuleSet`), reporting every problem at the line of the rule
/// it belongs to. A rule for a kind no cluster serves yet is fine: its CRD may come later.
extension ConfigLoader {
    static let healthWords: [HealthCode] = [.healthy, .progressing, .degraded, .suspended, .unknown]

    /// Every rule list of `entries` (the elements of a `healthRules:` list); two lists for one
    /// kind are refused, naming both lines.
    static func readHealthRules(_ entries: [(node: Node, path: String)], _ reader: ConfigReader) -> [HealthRuleSet] {
        var sets: [HealthRuleSet] = []
        var seen: [String: Int] = [:]
        for (node, path) in entries {
            guard let set = readHealthRuleSet(node, path, reader) else { continue }
            if let line = seen[set.kindKey] {
                reader.report(node, path, "a second rule list for \(describeKind(set)) (the first is at line \(line))",
                              fix: "merge the rules into one list: the first rule that matches decides")
                continue
            }
            seen[set.kindKey] = node.mark?.line ?? 0
            sets.append(set)
        }
        return sets
    }

    static func describeKind(_ set: HealthRuleSet) -> String {
        set.group.isEmpty ? "kind \(set.kind) (core group)" : "\(set.group)/\(set.kind)"
    }

    static func readHealthRuleSet(_ node: Node, _ path: String, _ reader: ConfigReader) -> HealthRuleSet? {
        guard let m = reader.mapping(node, path, known: ["group", "kind", "rules", "default"]) else { return nil }
        let group = m.string("group") ?? ""
        guard let kind = m.string("kind", required: "Certificate") else { return nil }
        if kind.isEmpty || kind.contains("/") || kind.contains(" "), let kindNode = m.value("kind") {
            reader.report(kindNode, m.childPath("kind"), "\"\(kind)\" is not a kind", fix: "write the kind as in the object, e.g. Certificate, with its API group under group:")
            return nil
        }
        if group.contains("/"), let groupNode = m.value("group") {
            reader.report(groupNode, m.childPath("group"), "\"\(group)\" is an apiVersion, not a group",
                          fix: "drop the version: group: \(group.split(separator: "/").first.map(String.init) ?? "")")
        }
        let defaultHealth = m.has("default") ? healthWord(m, "default") : nil
        let rules = m.list("rules").compactMap { readHealthRule($0.node, $0.path, reader) }
        if !m.has("rules") && !m.has("default") {
            reader.report(node, path, "the rule list for \(kind) has no rules and no default",
                          fix: "add `rules:` (the first that matches decides) or `default: Progressing`")
        }
        return HealthRuleSet(group: group, kind: kind, rules: rules, defaultHealth: defaultHealth,
                             source: SourceLocation(file: reader.file, line: node.mark?.line ?? 0))
    }

    static func readHealthRule(_ node: Node, _ path: String, _ reader: ConfigReader) -> HealthRule? {
        guard let m = reader.mapping(node, path, known: ["when", "health", "message"]) else { return nil }
        let whenNode = m.require("when", example: "{ condition: Ready, status: \"True\" }")
        var matches: [HealthMatch] = []
        var complete = true
        if let whenNode {
            switch whenNode {
            case .sequence(let items):
                if items.isEmpty {
                    reader.report(whenNode, m.childPath("when"), "an empty list of matchers", fix: "name at least one: condition, field or observedGenerationCurrent")
                    complete = false
                }
                for (i, item) in items.enumerated() {
                    if let match = readHealthMatch(item, "\(m.childPath("when"))[\(i)]", reader) { matches.append(match) } else { complete = false }
                }
            default:
                if let match = readHealthMatch(whenNode, m.childPath("when"), reader) { matches.append(match) } else { complete = false }
            }
        }
        var health: HealthCode?
        if m.has("health") {
            health = healthWord(m, "health")
        } else {
            reader.report(node, m.childPath("health"), "missing required field \"health\"", fix: "add `health: Healthy` (or Progressing, Degraded, Suspended, Unknown)")
        }
        let message = m.string("message")
        if let message, let messageNode = m.value("message") {
            do {
                _ = try HealthMessageTemplate.pointers(in: message)
            } catch {
                reader.report(messageNode, m.childPath("message"), "the message template is not valid: \(error)",
                              fix: "quote a field as {{/status/message}}")
            }
        }
        guard let health, whenNode != nil, complete else { return nil }
        return HealthRule(when: matches, health: health, message: message,
                          source: SourceLocation(file: reader.file, line: node.mark?.line ?? 0))
    }

    static let matcherFields = ["condition", "status", "reasonIn", "reasonNotIn", "field", "equals", "in", "exists", "lessThanField", "observedGenerationCurrent"]

    /// One `when:` mapping; nil (with problems reported) when it is not a valid matcher.
    static func readHealthMatch(_ node: Node, _ path: String, _ reader: ConfigReader) -> HealthMatch? {
        let before = reader.diagnostics.count
        guard let m = reader.mapping(node, path, known: matcherFields) else { return nil }
        if m.pairs.isEmpty {
            reader.report(node, path, "a matcher with no fields", fix: "name what to look at: condition, field or observedGenerationCurrent")
            return nil
        }
        var match = HealthMatch()

        // A condition of status.conditions, by type.
        let conditionParts = ["status", "reasonIn", "reasonNotIn"].filter(m.has)
        if let type = m.string("condition") {
            var condition = ConditionMatch(type: type)
            if let status = m.string("status"), let statusNode = m.value("status") {
                let words = ["True", "False", "Unknown"]
                if let word = words.first(where: { $0.lowercased() == status.lowercased() }) {
                    condition.status = word
                } else {
                    reader.report(statusNode, m.childPath("status"), "\"\(status)\" is not a condition status", fix: "use \"True\", \"False\" or \"Unknown\"")
                }
            }
            condition.reasonIn = m.strings("reasonIn")
            condition.reasonNotIn = m.strings("reasonNotIn")
            match.condition = condition
        } else if let first = conditionParts.first, let partNode = m.value(first) {
            reader.report(partNode, m.childPath(first), "\(first) needs a condition to look at", fix: "add `condition: Ready` (the condition's type)")
        }

        // A field by JSON pointer, with one test.
        let tests = ["equals", "in", "exists", "lessThanField"].filter(m.has)
        if let text = m.string("field"), let fieldNode = m.value("field") {
            var pointer: FieldPointer?
            do { pointer = try FieldPointer(text) } catch {
                reader.report(fieldNode, m.childPath("field"), "\(error)", fix: "write a JSON pointer such as /status/phase")
            }
            if tests.isEmpty {
                reader.report(fieldNode, m.childPath("field"), "a field matcher needs a test", fix: "add one of equals, in, exists or lessThanField")
            } else if tests.count > 1, let second = m.value(tests[1]) {
                reader.report(second, m.childPath(tests[1]), "a field matcher takes one test; found \(tests.joined(separator: " and "))",
                              fix: "split it into two matchers in a `when:` list")
            } else if let pointer, let test = readFieldTest(tests[0], m) {
                match.field = FieldMatch(pointer: pointer, test: test)
            }
        } else if let first = tests.first, let testNode = m.value(first) {
            reader.report(testNode, m.childPath(first), "\(first) needs a field to look at", fix: "add `field: /status/phase` (a JSON pointer)")
        }

        match.observedGenerationCurrent = m.bool("observedGenerationCurrent")
        guard reader.diagnostics.count == before else { return nil }
        return match
    }

    static func readFieldTest(_ name: String, _ m: MappingView) -> FieldMatch.Test? {
        guard let node = m.value(name) else { return nil }
        switch name {
        case "equals":
            guard let value = scalarValue(node) else {
                m.reader.report(node, m.childPath(name), "equals takes one value, found \(ConfigReader.describe(node))", fix: "use in: [a, b] for several")
                return nil
            }
            return .equals(value)
        case "in":
            guard case .sequence(let items) = node else {
                m.reader.report(node, m.childPath(name), "in takes a list, found \(ConfigReader.describe(node))", fix: "write it as [Failed, Error]")
                return nil
            }
            var values: [JSONValue] = []
            for (i, item) in items.enumerated() {
                guard let value = scalarValue(item) else {
                    m.reader.report(item, "\(m.childPath(name))[\(i)]", "expected a single value, found \(ConfigReader.describe(item))")
                    return nil
                }
                values.append(value)
            }
            return .oneOf(values)
        case "exists":
            return m.bool("exists").map { .exists($0) }
        default:
            guard let text = m.string(name) else { return nil }
            do {
                return .lessThanField(try FieldPointer(text))
            } catch {
                m.reader.report(node, m.childPath(name), "\(error)", fix: "write a JSON pointer such as /spec/replicas")
                return nil
            }
        }
    }

    static func scalarValue(_ node: Node) -> JSONValue? {
        guard case .scalar(let s) = node else { return nil }
        let value = YAMLDecoder.resolve(s)
        return value.isNull ? nil : value
    }

    /// A health word (Healthy, Progressing, Degraded, Suspended, Unknown) at `key`.
    static func healthWord(_ m: MappingView, _ key: String) -> HealthCode? {
        guard let text = m.string(key), let node = m.value(key) else { return nil }
        if let code = healthWords.first(where: { $0.rawValue == text }) { return code }
        if text == HealthCode.missing.rawValue {
            m.reader.report(node, m.childPath(key), "Missing is for objects that do not exist; a rule only sees objects that do",
                            fix: "use Healthy, Progressing, Degraded, Suspended or Unknown")
            return nil
        }
        let words = healthWords.map(\.rawValue)
        m.reader.report(node, m.childPath(key), "\"\(text)\" is not a health", fix: closestMatch(to: text, in: words).map { "did you mean \"\($0)\"?" }
            ?? "use \(words.joined(separator: ", "))")
        return nil
    }
}

extension ConfigLoader {
    /// The health rules of a file, for `bosun health --config`: a config (`kind: Config`, checked
    /// whole, as `bosun validate` does), or a file kept in Git for `include:` (`kind:
    /// Applications`; its rules checked here, its applications by `bosun validate --fetch`,
    /// which knows the local config they name).
    public static func healthRules(inFile file: String) throws(ConfigError) -> [HealthRuleSet] {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8),
              let root = try? Yams.compose(yaml: YAMLDecoder.withoutByteOrderMark(text), .basic),
              case .mapping(let top) = root, let kindNode = top["kind"], case .scalar(let kind) = kindNode,
              kind.string == applicationsKind
        else {
            return try load(file: file).healthRules  // a config, or a file whose problem load explains
        }
        let reader = ConfigReader(file: file)
        var rules: [HealthRuleSet] = []
        if let mapping = reader.mapping(root, "", known: includedFileFields) {
            rules = readHealthRules(mapping.list("healthRules"), reader)
        }
        if !reader.diagnostics.isEmpty {
            throw ConfigError(reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return rules
    }
}
