import Foundation
import Yams

/// `applicationSets:` and `include:` in the local config, and files of `kind: Applications`
/// read from Git. Templates are checked when loaded (fields, placeholders the generators cannot
/// give); what only a listing tells (a file's keys, generated names) is checked when generated.
extension ConfigLoader {
    static let applicationSetFields = ["name", "generators", "template", "deleteApplications", "maxDeletePercent", "maxApplications"]
    /// The parameters every Git listing gives; `path.segments[N]` as well.
    static let pathParameters = ["path", "path.basename", "path.basenameNormalized"]

    static func readApplicationSet(_ node: Node, _ path: String, _ reader: ConfigReader, origin: DefinitionOrigin) -> ApplicationSetSpec? {
        guard let m = reader.mapping(node, path, known: applicationSetFields) else { return nil }
        let name = m.string("name", required: "services")
        if let name, !isDNSLabel(name), let n = m.value("name") {
            reader.report(n, m.childPath("name"), "\"\(name)\" is not a valid application set name",
                          fix: "use lowercase letters, digits and '-', starting with a letter, at most 63 characters")
        }
        var generators: [GeneratorSpec] = []
        var generatorCount = 0
        if m.require("generators", example: "[{ directories: { repository: deploy, revision: main, include: [\"apps/*\"] } }]") != nil {
            let entries = m.list("generators")
            generatorCount = entries.count
            if entries.isEmpty, let n = m.value("generators") {
                reader.report(n, m.childPath("generators"), "no generators given", fix: "add `- directories: { repository: deploy, include: [\"apps/*\"] }`")
            }
            generators = entries.compactMap { readGenerator($0.node, $0.path, reader, depth: 0) }
        }
        var template = JSONObject()
        if let t = m.require("template", example: "{ name: \"{{path.basename}}\", source: { repository: deploy, path: \"{{path}}\" }, destination: { target: local } }") {
            template = readTemplate(t, m.childPath("template"), generators: generators, reader) ?? JSONObject()
        }
        guard let name, !generators.isEmpty, !template.isEmpty, generators.count == generatorCount else { return nil }
        return ApplicationSetSpec(
            name: name, generators: generators, template: template, deleteApplications: m.bool("deleteApplications") ?? false,
            maxDeletePercent: m.int("maxDeletePercent", range: 0...100) ?? ApplicationSetSpec.defaultMaxDeletePercent,
            maxApplications: m.int("maxApplications", range: 1...100_000) ?? ApplicationSetSpec.defaultMaxApplications,
            origin: origin.at(node))
    }

    static func readGenerator(_ node: Node, _ path: String, _ reader: ConfigReader, depth: Int) -> GeneratorSpec? {
        let kinds = ["directories", "files", "list", "matrix"]
        guard let m = reader.mapping(node, path, known: kinds) else { return nil }
        guard m.pairs.count == 1, let pair = m.pairs.first else {
            reader.report(node, path, m.pairs.isEmpty ? "a generator names its kind" : "one generator per entry, found \(m.pairs.map(\.key).joined(separator: " and "))",
                          fix: "write one of \(kinds.joined(separator: ", ")) per `- ` entry (matrix combines several)")
            return nil
        }
        let childPath = m.childPath(pair.key)
        switch pair.key {
        case "directories", "files":
            guard let g = readGitGenerator(pair.value, childPath, reader, files: pair.key == "files") else { return nil }
            return pair.key == "files" ? .files(g) : .directories(g)
        case "list":
            guard case .sequence(let seq) = pair.value else {
                reader.report(pair.value, childPath, "expected a list of entries, found \(ConfigReader.describe(pair.value))",
                              fix: "write `list: [{ name: a, env: prod }, { name: b, env: staging }]`")
                return nil
            }
            var entries: [[String: String]] = []
            for (i, element) in seq.enumerated() {
                guard case .mapping = element else {
                    reader.report(element, "\(childPath)[\(i)]", "expected a mapping of parameters, found \(ConfigReader.describe(element))")
                    continue
                }
                let decoder = YAMLDecoder()
                var budget = 100_000
                do {
                    entries.append(Parameters.flatten(try decoder.convert(element, depth: 0, budget: &budget)))
                } catch {
                    reader.report(element, "\(childPath)[\(i)]", "cannot read the entry: \(error)")
                }
            }
            return entries.count == seq.count ? .list(entries) : nil
        default:
            guard depth < 2 else {
                reader.report(pair.value, childPath, "a matrix inside a matrix inside a matrix is too deep", fix: "combine at most two levels")
                return nil
            }
            guard case .sequence(let seq) = pair.value, seq.count >= 2 else {
                reader.report(pair.value, childPath, "a matrix combines two or more generators", fix: "write `matrix: [{ list: [...] }, { directories: {...} }]`")
                return nil
            }
            let children = seq.enumerated().compactMap { readGenerator($0.element, "\(childPath)[\($0.offset)]", reader, depth: depth + 1) }
            return children.count == seq.count ? .matrix(children) : nil
        }
    }

    static func readGitGenerator(_ node: Node, _ path: String, _ reader: ConfigReader, files: Bool) -> GitGeneratorSpec? {
        guard let g = reader.mapping(node, path, known: ["repository", "revision", "include", "exclude"]),
            let repository = g.string("repository", required: "deploy")
        else { return nil }
        let example = files ? "[\"clusters/*/config.yaml\"]" : "[\"apps/*\"]"
        guard g.require("include", example: example) != nil, let include = g.strings("include") else { return nil }
        if include.isEmpty, let n = g.value("include") {
            reader.report(n, g.childPath("include"), "no patterns given", fix: "add `include: \(example)`")
            return nil
        }
        let exclude = g.strings("exclude") ?? []
        var valid = true
        for (key, patterns) in [("include", include), ("exclude", exclude)] {
            for (i, pattern) in patterns.enumerated() {
                if let problem = PathGlob.problem(pattern) {
                    reader.report(g.value(key), "\(g.childPath(key))[\(i)]", problem, fix: "write a pattern relative to the repository root, as apps/*")
                    valid = false
                }
            }
        }
        guard valid, let revision = readRevision(g) else { return nil }
        return GitGeneratorSpec(repository: repository, revision: revision, include: include, exclude: exclude)
    }

    /// A `revision:` field (branch, tag, commit, `semver: RANGE`); HEAD when absent, nil when invalid.
    static func readRevision(_ m: MappingView) -> RevisionSpec? {
        guard let node = m.value("revision") else { return .ref("HEAD") }
        if case .mapping = node {
            guard let r = m.reader.mapping(node, m.childPath("revision"), known: ["semver"]),
                let text = r.string("semver", required: "\">=1.4 <2\"")
            else { return nil }
            do { return .semver(try SemVerRange(text)) } catch {
                m.reader.report(node, r.childPath("semver"), "bad semver range: \(error)", fix: "write a range like \">=1.4 <2\"")
                return nil
            }
        }
        guard let text = m.string("revision") else { return nil }
        if text.hasPrefix("semver:") {
            do { return .semver(try SemVerRange(String(text.dropFirst("semver:".count)))) } catch {
                m.reader.report(node, m.childPath("revision"), "bad semver range: \(error)", fix: "write a range like \">=1.4 <2\"")
                return nil
            }
        }
        if text.isEmpty || text.contains("..") || text.contains(" ") || text.hasPrefix("-") {
            m.reader.report(node, m.childPath("revision"), "\"\(text)\" is not a branch, tag or commit", fix: "name a branch (main), a tag (v1.4.0) or a commit SHA")
            return nil
        }
        return .ref(text)
    }

    /// Checks the template as an application (placeholders stood in for by a sample value) and
    /// that every placeholder names a parameter the generators give; returns it as JSON.
    static func readTemplate(_ node: Node, _ path: String, generators: [GeneratorSpec], _ reader: ConfigReader) -> JSONObject? {
        guard case .mapping = node else {
            reader.report(node, path, "expected the application's fields, found \(ConfigReader.describe(node))",
                          fix: "write the template as an application: name, source, destination, sync")
            return nil
        }
        let before = reader.diagnostics.count
        let given = generators.map(Parameters.known).reduce(Parameters.Known(names: [], open: false)) { $0.merged($1) }
        let sample = withSamples(node, path, given: given, generators: generators, reader)
        _ = readApplication(sample, path, reader)
        guard reader.diagnostics.count == before else { return nil }
        let decoder = YAMLDecoder()
        var budget = decoder.maxNodes
        guard case .object(let object)? = try? decoder.convert(node, depth: 0, budget: &budget) else {
            reader.report(node, path, "the template cannot be read as JSON")
            return nil
        }
        return object
    }

    /// A copy of the template with each placeholder replaced by a sample value (marks kept, so
    /// the application's checks point into the template); reports unknown and malformed ones.
    static func withSamples(_ node: Node, _ path: String, given: Parameters.Known, generators: [GeneratorSpec], _ reader: ConfigReader) -> Node {
        switch node {
        case .scalar(let s):
            guard TemplateText.hasPlaceholders(s.string) else { return node }
            do {
                for name in try TemplateText.placeholders(in: s.string) where !given.allows(name) {
                    let names = given.names.sorted() + (given.hasPath ? ["path.segments[N]"] : [])
                    reader.report(node, path, "unknown parameter \"\(name)\" in \(s.string.debugDescription): no generator of this set gives it",
                                  fix: closestMatch(to: name, in: Array(given.names)).map { "did you mean \"\($0)\"?" }
                                    ?? (names.isEmpty ? "these generators give no parameters" : "the generators give \(names.joined(separator: ", "))"))
                }
                let sample = try TemplateText.scan(s.string) { _ in "x" }
                return .scalar(Node.Scalar(sample, s.tag, s.style, s.mark))
            } catch {
                reader.report(node, path, "\(error)", fix: "write placeholders as {{path.basename}}")
                return node
            }
        case .mapping(let mapping):
            let pairs = mapping.map { (key, value) -> (Node, Node) in
                let name = key.scalar?.string ?? "?"
                return (key, withSamples(value, path.isEmpty ? name : "\(path).\(name)", given: given, generators: generators, reader))
            }
            return .mapping(Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            let nodes = sequence.enumerated().map { withSamples($0.element, "\(path)[\($0.offset)]", given: given, generators: generators, reader) }
            return .sequence(Node.Sequence(nodes, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    static func readInclude(_ node: Node, _ path: String, _ reader: ConfigReader) -> IncludeSpec? {
        guard let m = reader.mapping(node, path, known: ["repository", "revision", "path"]),
            let repository = m.string("repository", required: "platform"),
            let glob = m.string("path", required: "\"bosun/*.yaml\""), let revision = readRevision(m)
        else { return nil }
        if let problem = PathGlob.problem(glob) {
            reader.report(m.value("path"), m.childPath("path"), problem, fix: "give a path inside the repository, relative to its root, as bosun/*.yaml")
            return nil
        }
        return IncludeSpec(repository: repository, revision: revision, path: glob)
    }

    // MARK: Cross-references

    /// Sets and includes against the names the local config declares.
    static func crossCheckDeclarations(_ top: MappingView, targets: [String], repositories: [String], reader: ConfigReader) {
        checkSetReferences(top, key: "applicationSets", targets: targets, repositories: repositories, reader: reader)
        for (i, node) in top.list("include").enumerated() {
            if case .mapping(let m) = node.node, let r = m["repository"], case .scalar(let s) = r, !repositories.contains(s.string) {
                reader.report(r, "include[\(i)].repository", "no repository named \"\(s.string)\"",
                              fix: closestMatch(to: s.string, in: repositories).map { "did you mean \"\($0)\"?" } ?? "declare it under repositories: in the local config")
            }
        }
    }

    /// Generators' repositories, the template's repository and target (when not templated), and
    /// set names used twice.
    static func checkSetReferences(_ top: MappingView, key: String, targets: [String], repositories: [String], reader: ConfigReader) {
        var seen: [String: Int] = [:]
        for (i, entry) in top.list(key).enumerated() {
            guard case .mapping(let m) = entry.node else { continue }
            if let n = m["name"], case .scalar(let s) = n {
                if let first = seen[s.string] {
                    reader.report(n, "\(key)[\(i)].name", "duplicate name \"\(s.string)\" (also \(key)[\(first)])", fix: "give each set its own name")
                } else {
                    seen[s.string] = i
                }
            }
            func checkGenerators(_ node: Node?, _ path: String) {
                guard case .sequence(let seq)? = node else { return }
                for (j, g) in seq.enumerated() {
                    guard case .mapping(let gm) = g else { continue }
                    for kind in ["directories", "files"] {
                        if case .mapping(let spec)? = gm[kind], let r = spec["repository"], case .scalar(let s) = r, !repositories.contains(s.string) {
                            reader.report(r, "\(path)[\(j)].\(kind).repository", "no repository named \"\(s.string)\"",
                                          fix: closestMatch(to: s.string, in: repositories).map { "did you mean \"\($0)\"?" } ?? "declare it under repositories: in the local config")
                        }
                    }
                    checkGenerators(gm["matrix"], "\(path)[\(j)].matrix")
                }
            }
            checkGenerators(m["generators"], "\(key)[\(i)].generators")
            if case .mapping(let t)? = m["template"] {
                if case .mapping(let source)? = t["source"], let r = source["repository"], case .scalar(let s) = r,
                    !TemplateText.hasPlaceholders(s.string), !repositories.contains(s.string)
                {
                    reader.report(r, "\(key)[\(i)].template.source.repository", "no repository named \"\(s.string)\"",
                                  fix: closestMatch(to: s.string, in: repositories).map { "did you mean \"\($0)\"?" } ?? "declare it under repositories: in the local config")
                }
                if case .mapping(let destination)? = t["destination"], let r = destination["target"], case .scalar(let s) = r,
                    !TemplateText.hasPlaceholders(s.string), !targets.contains(s.string)
                {
                    reader.report(r, "\(key)[\(i)].template.destination.target", "no target named \"\(s.string)\"",
                                  fix: closestMatch(to: s.string, in: targets).map { "did you mean \"\($0)\"?" } ?? "declare it under targets: in the local config")
                }
            }
        }
    }
}

extension DefinitionOrigin {
    /// The same file, at the node's line and column.
    func at(_ node: Node) -> DefinitionOrigin {
        var copy = self
        copy.line = node.mark?.line ?? line
        copy.column = node.mark?.column ?? column
        return copy
    }
}

/// The parameters of generated entries.
public enum Parameters {
    /// YAML/JSON keys as parameters: nested keys joined with `.`, list items as `key[N]`.
    public static func flatten(_ value: JSONValue, prefix: String = "") -> [String: String] {
        var result: [String: String] = [:]
        func walk(_ value: JSONValue, _ key: String) {
            switch value {
            case .object(let object):
                for entry in object { walk(entry.value, key.isEmpty ? entry.key : "\(key).\(entry.key)") }
            case .array(let items):
                for (i, v) in items.enumerated() { walk(v, "\(key)[\(i)]") }
            case .string(let s): result[key] = s
            case .int(let i): result[key] = String(i)
            case .double(let d): result[key] = d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
            case .bool(let b): result[key] = b ? "true" : "false"
            case .null: result[key] = ""
            }
        }
        walk(value, prefix)
        return result
    }

    /// The parameters of a path: `path`, `path.basename`, `path.basenameNormalized`, `path.segments[N]`.
    public static func ofPath(_ path: String) -> [String: String] {
        let segments = path.split(separator: "/").map(String.init)
        let basename = segments.last ?? path
        var result = ["path": path, "path.basename": basename, "path.basenameNormalized": normalized(basename)]
        for (i, segment) in segments.enumerated() { result["path.segments[\(i)]"] = segment }
        return result
    }

    /// A name made fit for an application: lowercase, other characters as `-`.
    public static func normalized(_ text: String) -> String {
        String(text.lowercased().map { ($0.isASCII && ($0.isLetter || $0.isNumber)) || $0 == "-" ? $0 : "-" })
    }

    /// What a generator is known to give before anything is listed.
    public struct Known: Sendable {
        public var names: Set<String>
        /// A files generator gives its files' keys, known only once listed.
        public var open: Bool
        public var hasPath = false

        public func allows(_ name: String) -> Bool {
            open || names.contains(name) || (hasPath && name.hasPrefix("path.segments[") && name.hasSuffix("]")
                && Int(name.dropFirst("path.segments[".count).dropLast()) != nil)
        }

        func merged(_ other: Known) -> Known {
            Known(names: names.union(other.names), open: open || other.open, hasPath: hasPath || other.hasPath)
        }
    }

    public static func known(_ generator: GeneratorSpec) -> Known {
        switch generator {
        case .directories: return Known(names: Set(ConfigLoader.pathParameters), open: false, hasPath: true)
        case .files: return Known(names: Set(ConfigLoader.pathParameters + ["path.filename"]), open: true, hasPath: true)
        case .list(let entries):
            // A key every entry gives; one that some entries lack fails for those entries when generated.
            let common = entries.dropFirst().reduce(Set(entries.first?.keys ?? [:].keys)) { $0.intersection($1.keys) }
            return Known(names: common, open: false)
        case .matrix(let children):
            return children.map(known).reduce(Known(names: [], open: false)) { $0.merged($1) }
        }
    }
}
