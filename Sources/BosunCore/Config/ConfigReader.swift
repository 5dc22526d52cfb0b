import Yams

/// Walks a YAML node tree, collecting every problem instead of stopping at the first.
final class ConfigReader {
    let file: String
    var diagnostics: [ConfigDiagnostic] = []

    init(file: String) { self.file = file }

    func report(_ node: Node?, _ path: String, _ message: String, fix: String? = nil) {
        let mark = node?.mark
        diagnostics.append(
            ConfigDiagnostic(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, path: path, message: message, fix: fix))
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .scalar(let s):
            let v = YAMLDecoder.resolve(s)
            return v.typeName == "string" ? "string \"\(s.string)\"" : "\(v.typeName) \(s.string)"
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    func mapping(_ node: Node, _ path: String, known: [String]) -> MappingView? {
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping, found \(Self.describe(node))",
                   fix: "write fields as `key: value` lines under \(path.isEmpty ? "the top level" : path)")
            return nil
        }
        var pairs: [MappingView.Pair] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report(keyNode, path, "a field name must be a plain word")
                continue
            }
            let key = keyScalar.string
            if !known.contains(key) {
                let suggestion = closestMatch(to: key, in: known)
                report(keyNode, path.isEmpty ? key : "\(path).\(key)", "unknown field \"\(key)\"",
                       fix: suggestion.map { "did you mean \"\($0)\"?" } ?? "known fields: \(known.joined(separator: ", "))")
                continue
            }
            pairs.append(MappingView.Pair(key: key, keyNode: keyNode, value: value))
        }
        return MappingView(reader: self, node: node, path: path, pairs: pairs)
    }
}

struct MappingView {
    struct Pair {
        var key: String
        var keyNode: Node
        var value: Node
    }

    let reader: ConfigReader
    let node: Node
    let path: String
    let pairs: [Pair]

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    func value(_ key: String) -> Node? { pairs.first { $0.key == key }?.value }

    func has(_ key: String) -> Bool { value(key) != nil }

    func require(_ key: String, example: String) -> Node? {
        if let v = value(key) { return v }
        reader.report(node, childPath(key), "missing required field \"\(key)\"", fix: "add `\(key): \(example)`")
        return nil
    }

    func string(_ key: String, required example: String? = nil) -> String? {
        guard let node = example.map({ require(key, example: $0) }) ?? value(key) else { return nil }
        guard case .scalar(let s) = node else {
            reader.report(node, childPath(key), "expected a string, found \(ConfigReader.describe(node))")
            return nil
        }
        if case .null = YAMLDecoder.resolve(s), s.style == .plain {
            reader.report(node, childPath(key), "expected a string, found nothing", fix: "give \(key) a value or remove the line")
            return nil
        }
        return s.string
    }

    func bool(_ key: String) -> Bool? {
        guard let node = value(key) else { return nil }
        if case .scalar(let s) = node, case .bool(let b) = YAMLDecoder.resolve(s) { return b }
        reader.report(node, childPath(key), "expected true or false, found \(ConfigReader.describe(node))")
        return nil
    }

    func int(_ key: String, range: ClosedRange<Int>) -> Int? {
        guard let node = value(key) else { return nil }
        guard case .scalar(let s) = node, case .int(let i) = YAMLDecoder.resolve(s) else {
            reader.report(node, childPath(key), "expected a whole number, found \(ConfigReader.describe(node))")
            return nil
        }
        guard range.contains(i) else {
            reader.report(node, childPath(key), "\(i) is out of range", fix: "use a number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return i
    }

    func duration(_ key: String) -> Duration? {
        guard let text = string(key), let node = value(key) else { return nil }
        do {
            return try DurationText.parse(text)
        } catch {
            reader.report(node, childPath(key), "bad duration: \(error)")
            return nil
        }
    }

    func oneOf<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key), let node = value(key) else { return nil }
        if let v = T(rawValue: text) { return v }
        let names = T.allCases.map(\.rawValue)
        let suggestion = closestMatch(to: text, in: names)
        reader.report(node, childPath(key), "\"\(text)\" is not one of \(names.joined(separator: ", "))",
                      fix: suggestion.map { "did you mean \"\($0)\"?" })
        return nil
    }

    func strings(_ key: String) -> [String]? {
        guard let node = value(key) else { return nil }
        guard case .sequence(let seq) = node else {
            reader.report(node, childPath(key), "expected a list of strings, found \(ConfigReader.describe(node))",
                          fix: "write it as [a, b] or as `- a` lines")
            return nil
        }
        var result: [String] = []
        for (i, element) in seq.enumerated() {
            if case .scalar(let s) = element { result.append(s.string) } else {
                reader.report(element, "\(childPath(key))[\(i)]", "expected a string, found \(ConfigReader.describe(element))")
            }
        }
        return result
    }

    func mapping(_ key: String, known: [String]) -> MappingView? {
        guard let node = value(key) else { return nil }
        return reader.mapping(node, childPath(key), known: known)
    }

    /// The elements of a list of mappings, each with its path.
    func list(_ key: String) -> [(node: Node, path: String)] {
        guard let node = value(key) else { return [] }
        if case .scalar(let s) = node, case .null = YAMLDecoder.resolve(s) { return [] }
        guard case .sequence(let seq) = node else {
            reader.report(node, childPath(key), "expected a list, found \(ConfigReader.describe(node))",
                          fix: "write each entry on a `- ` line")
            return []
        }
        return seq.enumerated().map { (node: $0.element, path: "\(childPath(key))[\($0.offset)]") }
    }
}
