import BosunCore

/// A Bosun config built from another tool's objects, with what did not map. Pure values: the
/// CLI reads the input and prints `yaml` (a config that `bosun validate` accepts) and the
/// `notMapped` list on stderr.
public struct ImportedConfig: Sendable {
    /// One entry of the output (an application or a set), with the comments printed above it.
    public struct Entry: Sendable {
        public var value: JSONObject
        public var notes: [String]
    }

    public var targets: [String: JSONObject] = [:]
    public var targetOrder: [String] = []
    public var repositories: [String: JSONObject] = [:]
    public var repositoryOrder: [String] = []
    public var applications: [Entry] = []
    public var applicationSets: [Entry] = []
    /// `object: field: why`, one per field or object left out.
    public var notMapped: [String] = []
    /// URL schemes beyond https and ssh that the repositories use.
    public var schemes: Set<String> = []

    public init() {}

    /// The repository for `url`, named after its last path segment (made unique), added once.
    public mutating func repository(url: String) -> String {
        if let existing = repositoryOrder.first(where: { repositories[$0]?["url"]?.stringValue == url }) { return existing }
        let last = url.split(separator: "/").last.map(String.init) ?? "repo"
        var base = Parameters.normalized(last.hasSuffix(".git") ? String(last.dropLast(4)) : last).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
        if base.isEmpty || !(base.first?.isLetter ?? false) { base = "repo-" + base }
        var name = String(base.prefix(50))
        var n = 2
        while repositories[name] != nil {
            name = "\(base.prefix(50))-\(n)"
            n += 1
        }
        repositories[name] = ["name": .string(name), "url": .string(url)]
        repositoryOrder.append(name)
        if let scheme = RepositoryScheme(url: url), scheme != .https, scheme != .ssh { schemes.insert(scheme.rawValue) }
        return name
    }

    /// A Kubernetes target, added once.
    public mutating func target(_ name: String, _ value: JSONObject) -> String {
        if targets[name] == nil {
            targets[name] = value
            targetOrder.append(name)
        }
        return name
    }

    /// The config as YAML, each entry's notes as comments above it.
    public var yaml: String {
        var out = "# Imported by `bosun import`; check it with `bosun validate --config FILE`.\n"
        out += "apiVersion: bosun.dev/v1\nkind: Config\n"
        if !schemes.isEmpty {
            out += "security: { repositorySchemes: [\((["https", "ssh"] + schemes.sorted()).joined(separator: ", "))] }\n"
        }
        out += section("targets", targetOrder.compactMap { targets[$0] }.map { Entry(value: $0, notes: []) })
        out += section("repositories", repositoryOrder.compactMap { repositories[$0] }.map { Entry(value: $0, notes: []) })
        out += section("applications", applications)
        out += section("applicationSets", applicationSets)
        return out
    }

    func section(_ key: String, _ entries: [Entry]) -> String {
        guard !entries.isEmpty else { return "" }
        var out = "\(key):\n"
        for entry in entries {
            for note in entry.notes { out += "  # not mapped: \(note)\n" }
            let text = YAMLWriter.string(.array([.object(entry.value)]))
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) where !line.isEmpty { out += "  \(line)\n" }
        }
        return out
    }
}

/// Input that cannot be read at all (exit 2).
public struct ImportInputError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Objects from YAML or JSON text: several documents, and `kind: List` (as `kubectl get -o yaml` prints).
public func importObjects(_ text: String, file: String) throws(ImportInputError) -> [JSONObject] {
    let documents: [YAMLDocument]
    do {
        documents = try YAMLDecoder().documents(text)
    } catch {
        throw ImportInputError("\(file):\(error.line):\(error.column): \(error.message)")
    }
    var objects: [JSONObject] = []
    for document in documents {
        guard case .object(let object) = document.value else {
            throw ImportInputError("\(file):\(document.line): expected a Kubernetes object, found \(document.value.typeName)")
        }
        if object["kind"]?.stringValue == "List" || object["kind"]?.stringValue?.hasSuffix("List") == true, let items = object["items"]?.arrayValue {
            for item in items { if case .object(let o) = item { objects.append(o) } }
        } else {
            objects.append(object)
        }
    }
    return objects
}

import Foundation

/// A name fit for Bosun (lowercase letters, digits, `-`, starting with a letter, at most 63).
func bosunName(_ text: String) -> String {
    var name = Parameters.normalized(text).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
    if !(name.first?.isLetter ?? false) { name = "app-" + name }
    return String(name.prefix(63)).trimmingCharacters(in: CharacterSet(charactersIn: "-"))
}

/// The object's `kind/namespace/name`, for messages.
func describeObject(_ object: JSONObject) -> String {
    let kind = object["kind"]?.stringValue ?? "?"
    let namespace = object["metadata"]?["namespace"]?.stringValue
    let name = object["metadata"]?["name"]?.stringValue ?? "?"
    return "\(kind) \(namespace.map { "\($0)/" } ?? "")\(name)"
}
