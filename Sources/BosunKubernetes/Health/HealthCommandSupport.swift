import BosunCore
import Foundation

/// One object's health, as `bosun health -f FILE` prints it.
public struct HealthReport: Sendable, Hashable {
    public var key: ResourceKey
    public var health: HealthStatus
    /// Which rule decided: `bosun.yaml:14` (a declared rule), `built-in`, `generic`…
    public var rule: String

    public init(key: ResourceKey, health: HealthStatus, rule: String = "") {
        self.key = key
        self.health = health
        self.rule = rule
    }
}

/// What `bosun health -f FILE [-o json]` calls: runs the health rules on the objects of a file
/// as `kubectl get -o yaml` (or `-o json`) prints them, to debug a rule or to test one.
public enum HealthCommandSupport {
    /// The health of every object in the file at `path`, under the declared `rules` (a
    /// config's `healthRules`) and the built-in and generic ones.
    public static func evaluate(file path: String, rules: [HealthRuleSet] = []) throws -> [HealthReport] {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TargetError(.invalid, "cannot read \(path): \(error.localizedDescription)")
        }
        return try evaluate(text: text, file: path, rules: rules)
    }

    /// The health of every object in `text`: YAML (several documents allowed) or JSON;
    /// `kind: List` (and `*List`) documents contribute their `items`.
    public static func evaluate(text: String, file: String = "input", rules: [HealthRuleSet] = []) throws -> [HealthReport] {
        let declared = DeclaredHealthRules(rules)
        return try objects(in: text, file: file).map { object in
            let (health, origin) = HealthRules.evaluate(object, declared: declared)
            return HealthReport(key: object.key, health: health, rule: origin.description)
        }
    }

    /// The objects in a file, lists unwrapped.
    public static func objects(in text: String, file: String = "input") throws -> [Resource] {
        let documents: [(value: JSONValue, line: Int)]
        do {
            documents = try YAMLDecoder().documents(text).map { ($0.value, $0.line) }
        } catch {
            throw TargetError(.invalid, "\(file): not YAML or JSON: \(error)")
        }
        var result: [Resource] = []
        for document in documents {
            guard let object = document.value.objectValue else {
                throw TargetError(.invalid, "\(file):\(document.line): expected an object with apiVersion and kind, found a \(document.value.typeName)")
            }
            let kind = object["kind"]?.stringValue ?? ""
            if kind == "List" || (kind.hasSuffix("List") && object["items"] != nil) {
                for (index, item) in (object["items"]?.arrayValue ?? []).enumerated() {
                    guard let resource = Resource(item, source: SourceLocation(file: file, line: document.line)), !resource.kind.isEmpty else {
                        throw TargetError(.invalid, "\(file):\(document.line): items[\(index)] has no kind")
                    }
                    result.append(resource)
                }
                continue
            }
            guard !kind.isEmpty else {
                throw TargetError(.invalid, "\(file):\(document.line): the object has no kind")
            }
            result.append(Resource(object, source: SourceLocation(file: file, line: document.line)))
        }
        return result
    }

    /// `-o json`: an array of `{"key", "status", "message", "rule"}`.
    public static func json(_ reports: [HealthReport]) -> String {
        let entries: [JSONValue] = reports.map { report in
            ["key": .string(report.key.description), "status": .string(report.health.status.rawValue),
             "message": .string(report.health.message), "rule": .string(report.rule)]
        }
        return JSONValue.array(entries).prettyJSONString()
    }
}
