import Foundation
import Yams

/// Files of `kind: Applications`, read from Git by an `include:` entry: applications,
/// application sets and health rules per kind, that refer to what the local config names
/// (targets, repositories), and nothing that belongs to the machine (server, tokens, targets, credentials, key files).
extension ConfigLoader {
    public static let applicationsKind = "Applications"
    /// Included files larger than this are refused before they are parsed.
    public static let maxIncludedFileSize = 1 << 20

    static let includedFileFields = ["apiVersion", "kind", "applications", "applicationSets", "healthRules"]

    /// Parses an included file read from `repository` at `commit`. `local`: the local config,
    /// whose targets and repositories the definitions may name.
    public static func parseApplications(_ text: String, file: String, repository: String, commit: String, local: Config) throws(ConfigError) -> IncludedDefinitions {
        let label = "\(repository):\(file)"
        let reader = ConfigReader(file: label)
        let root: Node?
        do {
            root = try Yams.compose(yaml: YAMLDecoder.withoutByteOrderMark(text), .basic)
        } catch {
            let e = YAMLDecoder.describe(error)
            throw ConfigError([ConfigDiagnostic(file: label, line: e.line, column: e.column, path: "", message: "invalid YAML: \(e.message)")])
        }
        guard let root else { return IncludedDefinitions() }
        var result = IncludedDefinitions()
        let origin = DefinitionOrigin(file: file, line: 1, column: 1, repository: repository, commit: commit)
        if let top = reader.mapping(root, "", known: includedFileFields) {
            if let v = top.string("apiVersion", required: apiVersion), v != apiVersion, let node = top.value("apiVersion") {
                reader.report(node, "apiVersion", "unsupported apiVersion \"\(v)\"", fix: "use \(apiVersion)")
            }
            if let k = top.string("kind", required: applicationsKind), k != applicationsKind, let node = top.value("kind") {
                reader.report(node, "kind", "expected kind \(applicationsKind), found \"\(k)\"",
                              fix: k == "Config" ? "a file read from Git holds applications, applicationSets and healthRules only; keep targets, repositories and the server in the local config" : "write `kind: \(applicationsKind)`")
            }
            for entry in top.list("applications") {
                guard let app = readApplication(entry.node, entry.path, reader) else { continue }
                result.applications.append(app)
                result.origins[app.name] = origin.at(entry.node)
            }
            result.applicationSets = top.list("applicationSets").compactMap {
                readApplicationSet($0.node, $0.path, reader, origin: origin)
            }
            result.healthRules = readHealthRules(top.list("healthRules"), reader)
            let targets = local.targets.map(\.name)
            let repositories = local.repositories.map(\.name)
            var seen: [String: Int] = [:]
            for (i, entry) in top.list("applications").enumerated() {
                guard case .mapping(let m) = entry.node else { continue }
                if let n = m["name"], case .scalar(let s) = n {
                    if let first = seen[s.string] {
                        reader.report(n, "applications[\(i)].name", "duplicate name \"\(s.string)\" (also applications[\(first)])", fix: "give each entry its own name")
                    } else {
                        seen[s.string] = i
                    }
                }
                if case .mapping(let d)? = m["destination"], let t = d["target"], case .scalar(let s) = t, !targets.contains(s.string) {
                    reader.report(t, "applications[\(i)].destination.target", "no target named \"\(s.string)\" in the local config",
                                  fix: closestMatch(to: s.string, in: targets).map { "did you mean \"\($0)\"?" } ?? "targets belong to the local config; declared: \(targets.joined(separator: ", "))")
                }
                if case .mapping(let src)? = m["source"], let r = src["repository"], case .scalar(let s) = r, !repositories.contains(s.string) {
                    reader.report(r, "applications[\(i)].source.repository", "no repository named \"\(s.string)\" in the local config",
                                  fix: closestMatch(to: s.string, in: repositories).map { "did you mean \"\($0)\"?" } ?? "repositories (with their credentials) belong to the local config; declared: \(repositories.joined(separator: ", "))")
                }
            }
            checkSetReferences(top, key: "applicationSets", targets: targets, repositories: repositories, reader: reader)
            // Key names only: the keys themselves stay in the local config.
            let keys = local.decryptionKeys.map(\.name)
            checkDecryptionNames(top, "applications", declared: keys, reader)
            checkDecryptionNames(top, "applicationSets", declared: keys, reader)
        }
        if !reader.diagnostics.isEmpty {
            throw ConfigError(reader.diagnostics.sorted { ($0.line, $0.column) < ($1.line, $1.column) })
        }
        return result
    }
}

extension ConfigLoader {
    /// An application from JSON (a template filled with an entry's parameters), checked as a
    /// written one would be. Problems name `label` (the set and entry) and the field under `path`.
    public static func application(from object: JSONObject, label: String, path: String) throws(ConfigError) -> ApplicationSpec {
        let reader = ConfigReader(file: label)
        let app = readApplication(node(.object(object)), path, reader)
        if let app, reader.diagnostics.isEmpty { return app }
        throw ConfigError(reader.diagnostics.isEmpty
            ? [ConfigDiagnostic(file: label, line: 0, column: 0, path: path, message: "not an application")] : reader.diagnostics)
    }

    /// A YAML node for a JSON value: strings that plain YAML would read as another type are quoted.
    static func node(_ value: JSONValue) -> Node {
        switch value {
        case .string(let s):
            if case .string = YAMLDecoder.resolvePlain(s) { return .scalar(Node.Scalar(s, .implicit, .plain)) }
            return .scalar(Node.Scalar(s, .implicit, .doubleQuoted))
        case .int(let i): return .scalar(Node.Scalar(String(i), .implicit, .plain))
        case .double(let d): return .scalar(Node.Scalar(String(d), .implicit, .plain))
        case .bool(let b): return .scalar(Node.Scalar(b ? "true" : "false", .implicit, .plain))
        case .null: return .scalar(Node.Scalar("null", .implicit, .plain))
        case .array(let items): return .sequence(Node.Sequence(items.map(node)))
        case .object(let object): return .mapping(Node.Mapping(object.map { (Node.scalar(Node.Scalar($0.key)), node($0.value)) }))
        }
    }
}
