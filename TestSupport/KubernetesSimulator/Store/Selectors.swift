import BosunCore

/// A label selector in the query-string syntax (`app=web,tier!=db,env in (a,b),!legacy`) or
/// built from a `LabelSelector` object (`matchLabels`, `matchExpressions`).
public struct LabelSelector: Sendable, Equatable {
    public enum Operator: Sendable, Equatable { case equals, notEquals, inSet, notInSet, exists, doesNotExist }

    public struct Requirement: Sendable, Equatable {
        public var key: String
        public var op: Operator
        public var values: [String]
    }

    public var requirements: [Requirement]

    public var isEmpty: Bool { requirements.isEmpty }

    public init(requirements: [Requirement] = []) { self.requirements = requirements }

    /// Parses the query-string form; the error names the part that does not parse.
    public init(parsing text: String) throws(APIError) {
        requirements = []
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            let (requirement, remainder) = try Self.parseRequirement(rest, whole: text)
            requirements.append(requirement)
            rest = remainder.drop { $0 == " " }
            if rest.first == "," { rest = rest.dropFirst() } else if !rest.isEmpty {
                throw APIError.badRequest("unable to parse requirement: found '\(rest.prefix(1))', expected: ','")
            }
        }
    }

    private static func parseRequirement(_ text: Substring, whole: String) throws(APIError) -> (Requirement, Substring) {
        var rest = text
        var negated = false
        if rest.first == "!" {
            negated = true
            rest = rest.dropFirst().drop { $0 == " " }
        }
        let key = String(rest.prefix { !" ,=!()".contains($0) })
        rest = rest.dropFirst(key.count)
        guard !key.isEmpty else { throw APIError.badRequest("unable to parse requirement: found '\(rest.prefix(1))', expected: identifier") }
        try validateKey(key)
        if negated { return (Requirement(key: key, op: .doesNotExist, values: []), rest) }
        let afterKey = rest.drop { $0 == " " }
        if afterKey.isEmpty || afterKey.first == "," { return (Requirement(key: key, op: .exists, values: []), afterKey) }
        rest = afterKey
        let op: Operator
        if rest.hasPrefix("==") { op = .equals; rest = rest.dropFirst(2) }
        else if rest.hasPrefix("!=") { op = .notEquals; rest = rest.dropFirst(2) }
        else if rest.hasPrefix("=") { op = .equals; rest = rest.dropFirst() }
        else if rest.hasPrefix("notin") { op = .notInSet; rest = rest.dropFirst(5) }
        else if rest.hasPrefix("in") { op = .inSet; rest = rest.dropFirst(2) }
        else {
            throw APIError.badRequest(
                "unable to parse requirement: found '\(rest.prefix { $0 != " " })', expected: in, notin, =, ==, !=, gt, lt")
        }
        rest = rest.drop { $0 == " " }
        if op == .inSet || op == .notInSet {
            guard rest.first == "(" else { throw APIError.badRequest("unable to parse requirement: found '\(rest.prefix(1))', expected: '('") }
            rest = rest.dropFirst()
            guard let close = rest.firstIndex(of: ")") else {
                throw APIError.badRequest("unable to parse requirement: found '', expected: ')'")
            }
            let values = rest[..<close].split(separator: ",").map { $0.trimmingCharacters(in: " ") }
            return (Requirement(key: key, op: op, values: values), rest[rest.index(after: close)...])
        }
        let value = String(rest.prefix { $0 != "," && $0 != " " })
        return (Requirement(key: key, op: op, values: [value]), rest.dropFirst(value.count))
    }

    private static func validateKey(_ key: String) throws(APIError) {
        let allowed = key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_./".contains($0)) }
        if !allowed {
            throw APIError.badRequest(
                "unable to parse requirement: invalid label key \"\(key)\": name part must consist of alphanumeric characters, '-', '_' or '.'")
        }
    }

    /// The selector a `LabelSelector` object (`matchLabels`, `matchExpressions`) spells.
    public init(object: JSONObject) {
        requirements = []
        for entry in object["matchLabels"]?.objectValue ?? JSONObject() {
            requirements.append(Requirement(key: entry.key, op: .equals, values: [entry.value.stringValue ?? ""]))
        }
        for expression in object["matchExpressions"]?.arrayValue ?? [] {
            guard let key = expression["key"]?.stringValue else { continue }
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            switch expression["operator"]?.stringValue {
            case "In": requirements.append(Requirement(key: key, op: .inSet, values: values))
            case "NotIn": requirements.append(Requirement(key: key, op: .notInSet, values: values))
            case "Exists": requirements.append(Requirement(key: key, op: .exists, values: []))
            case "DoesNotExist": requirements.append(Requirement(key: key, op: .doesNotExist, values: []))
            default: continue
            }
        }
    }

    public func matches(_ labels: JSONObject) -> Bool {
        for requirement in requirements {
            let value = labels[requirement.key]?.stringValue
            switch requirement.op {
            case .equals, .inSet: if value == nil || !requirement.values.contains(value ?? "") { return false }
            case .notEquals, .notInSet: if let value, requirement.values.contains(value) { return false }
            case .exists: if value == nil { return false }
            case .doesNotExist: if value != nil { return false }
            }
        }
        return true
    }

    /// The query-string form, as `kubectl get -o wide` shows selectors.
    public var description: String {
        requirements.map { r in
            switch r.op {
            case .equals: "\(r.key)=\(r.values.first ?? "")"
            case .notEquals: "\(r.key)!=\(r.values.first ?? "")"
            case .inSet: "\(r.key) in (\(r.values.joined(separator: ",")))"
            case .notInSet: "\(r.key) notin (\(r.values.joined(separator: ",")))"
            case .exists: r.key
            case .doesNotExist: "!\(r.key)"
            }
        }.joined(separator: ",")
    }
}

/// A field selector (`metadata.name=web`), limited as on the server to the fields each kind
/// indexes: `metadata.name` and `metadata.namespace` everywhere, a few more on some kinds.
public struct FieldSelector: Sendable {
    public struct Requirement: Sendable {
        public var field: String
        public var equals: Bool
        public var value: String
    }

    public var requirements: [Requirement]

    static func supportedFields(_ type: ResourceType) -> [String] {
        var fields = ["metadata.name", "metadata.namespace"]
        switch (type.group, type.plural) {
        case ("", "pods"): fields += ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName", "status.phase", "status.podIP"]
        case ("", "secrets"): fields += ["type"]
        case ("", "events"):
            fields += [
                "involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid",
                "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
                "reportingComponent", "source", "type",
            ]
        case ("", "namespaces"): fields += ["status.phase"]
        case ("", "persistentvolumeclaims"): fields += []
        case ("batch", "jobs"): fields += ["status.successful"]
        default: break
        }
        return fields
    }

    public init(parsing text: String, for type: ResourceType) throws(APIError) {
        requirements = []
        for part in text.split(separator: ",") where !part.isEmpty {
            let equals: Bool
            let pieces: [Substring]
            if let range = part.range(of: "!=") {
                equals = false
                pieces = [part[..<range.lowerBound], part[range.upperBound...]]
            } else if let range = part.range(of: "==") {
                equals = true
                pieces = [part[..<range.lowerBound], part[range.upperBound...]]
            } else if let range = part.range(of: "=") {
                equals = true
                pieces = [part[..<range.lowerBound], part[range.upperBound...]]
            } else {
                throw APIError.badRequest("invalid selector: '\(text)'; can't understand '\(part)'")
            }
            let field = String(pieces[0])
            guard Self.supportedFields(type).contains(field) else {
                throw APIError.badRequest("field label not supported: \(field)")
            }
            requirements.append(Requirement(field: field, equals: equals, value: String(pieces[1])))
        }
    }

    public func matches(_ object: JSONObject) -> Bool {
        for requirement in requirements {
            let path = requirement.field.split(separator: ".").map(String.init)
            let actual: String
            switch JSONValue.object(object)[path: path] {
            case .string(let s): actual = s
            case .int(let i): actual = String(i)
            case .bool(let b): actual = b ? "true" : "false"
            default: actual = ""
            }
            if (actual == requirement.value) != requirement.equals { return false }
        }
        return true
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var start = startIndex
        var end = endIndex
        while start < end, set.contains(self[start]) { start = index(after: start) }
        while end > start, set.contains(self[index(before: end)]) { end = index(before: end) }
        return String(self[start..<end])
    }
}
