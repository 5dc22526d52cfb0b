import Foundation
import Yams

/// The fields of chart repositories, chart sources, values from other repositories, Jsonnet
/// and directory options (issue 12), kept apart from the loader's older sections.
extension ConfigLoader {
    static func readChartRepositoryFields(_ m: MappingView, into repo: inout RepositorySpec) {
        if m.has("type") { repo.type = m.oneOf("type", RepositoryType.self) ?? .git }
        repo.caFile = m.string("caFile")
        repo.plainHTTP = m.bool("plainHTTP") ?? false
        let lower = repo.url.lowercased()
        switch repo.type {
        case .oci where !lower.hasPrefix("oci://"):
            m.reader.report(m.value("url"), m.childPath("url"), "a repository of type oci needs an oci:// URL",
                            fix: "write it as oci://registry.example.com/charts")
        case .helm where !(lower.hasPrefix("https://") || lower.hasPrefix("http://")):
            m.reader.report(m.value("url"), m.childPath("url"), "a chart repository (type helm) is read over http(s)",
                            fix: "give the URL its index.yaml sits under, as https://charts.example.com")
        case .git where lower.hasPrefix("oci://"):
            m.reader.report(m.value("url"), m.childPath("url"), "an oci:// URL holds charts, not Git", fix: "add `type: oci`")
        default: break
        }
        if repo.plainHTTP && repo.type != .oci {
            m.reader.report(m.value("plainHTTP"), m.childPath("plainHTTP"), "plainHTTP is for OCI registries",
                            fix: "write the URL with http:// instead")
        }
        if repo.type != .git {
            for field in ["webhook", "verify"] where m.has(field) {
                m.reader.report(m.value(field), m.childPath(field), "\(field) is for Git repositories", fix: "remove it")
            }
        }
    }

    /// A revision field as Git sources write it: a branch, tag, commit, version or semver range.
    static func readRevision(_ node: Node, _ path: String, _ reader: ConfigReader) -> RevisionSpec? {
        if case .mapping = node {
            guard let r = reader.mapping(node, path, known: ["semver"]), let text = r.string("semver", required: "\">=1.4 <2\""),
                let n = r.value("semver")
            else { return nil }
            do { return .semver(try SemVerRange(text)) } catch {
                reader.report(n, r.childPath("semver"), "bad semver range: \(error)", fix: "write a range like \">=1.4 <2\" or \"^1.4\"")
                return nil
            }
        }
        guard case .scalar(let scalar) = node else {
            reader.report(node, path, "expected a revision, found \(ConfigReader.describe(node))")
            return nil
        }
        let text = scalar.string
        if text.hasPrefix("semver:") {
            do { return .semver(try SemVerRange(String(text.dropFirst("semver:".count)))) } catch {
                reader.report(node, path, "bad semver range: \(error)", fix: "write a range like \">=1.4 <2\"")
                return nil
            }
        }
        if text.isEmpty || text.contains("..") || text.hasPrefix("-") {
            reader.report(node, path, "\"\(text)\" is not a branch, tag or commit", fix: "name a branch (main), a tag (v1.4.0) or a commit SHA")
            return nil
        }
        return .ref(text)
    }

    static func readValuesFrom(_ h: MappingView) -> [ValuesSource] {
        h.list("valuesFrom").compactMap { node, path -> ValuesSource? in
            guard let v = h.reader.mapping(node, path, known: ["repository", "revision", "path"]),
                let repository = v.string("repository", required: "config"), let file = v.string("path", required: "envs/prod/values.yaml")
            else { return nil }
            if file.hasPrefix("/") || file.split(separator: "/").contains("..") {
                h.reader.report(v.value("path"), v.childPath("path"), "values file \"\(file)\" leaves its repository",
                                fix: "give a path inside the repository, relative to its root")
                return nil
            }
            var source = ValuesSource(repository: repository, path: file)
            if let r = v.value("revision") {
                guard let revision = readRevision(r, v.childPath("revision"), h.reader) else { return nil }
                source.revision = revision
            }
            return source
        }
    }

    static func readSourceOptions(_ s: MappingView, into source: inout SourceSpec) {
        source.chart = s.string("chart")
        if let j = s.mapping("jsonnet", known: ["extVars", "tlas", "libs"]) {
            source.jsonnet = JsonnetOptions(extVars: stringMap(j, "extVars"), tlas: stringMap(j, "tlas"), libs: j.strings("libs") ?? [])
        }
        if let d = s.mapping("directory", known: ["recurse", "include", "exclude"]) {
            source.directory = DirectoryOptions(recurse: d.bool("recurse") ?? true, include: d.string("include"), exclude: d.string("exclude"))
        }
    }

    static func stringMap(_ m: MappingView, _ key: String) -> [String: String] {
        guard let node = m.value(key) else { return [:] }
        guard case .mapping(let mapping) = node else {
            m.reader.report(node, m.childPath(key), "expected a mapping of names to strings, found \(ConfigReader.describe(node))")
            return [:]
        }
        var result: [String: String] = [:]
        for (k, v) in mapping {
            guard case .scalar(let name) = k else { continue }
            if case .scalar(let s) = v { result[name.string] = s.string } else {
                m.reader.report(v, "\(m.childPath(key)).\(name.string)", "expected a string value", fix: "quote it")
            }
        }
        return result
    }

    /// A chart only comes from a chart repository; values only from Git.
    static func crossCheckSources(_ config: Config, repositoryNodes: [Node], applicationNodes: [Node], _ reader: ConfigReader) {
        for (i, app) in config.applications.enumerated() {
            let node = applicationNodes.indices.contains(i) ? applicationNodes[i] : nil
            let path = "applications[\(i)].source"
            guard let repo = config.repository(named: app.source.repository) else { continue }
            if repo.type == .git, app.source.chart != nil {
                reader.report(node, "\(path).chart", "chart is only for repositories of type helm or oci; \(repo.name) is Git",
                              fix: "give the chart's folder as path (and render: helm), or point repository at a chart repository")
            }
            if repo.type != .git, app.source.chart == nil {
                reader.report(node, "\(path).chart", "\(repo.name) is a \(repo.type == .oci ? "OCI registry" : "chart repository"); name the chart",
                              fix: "add `chart: NAME`")
            }
            if repo.type != .git, let render = app.source.render, render != .helm {
                reader.report(node, "\(path).render", "a chart renders with helm, not \(render.rawValue)", fix: "remove render, or write render: helm")
            }
            for (j, values) in (app.source.helm?.valuesFrom ?? []).enumerated() {
                guard let from = config.repository(named: values.repository) else {
                    reader.report(node, "\(path).helm.valuesFrom[\(j)].repository", "no repository named \"\(values.repository)\"",
                                  fix: "declared repositories: \(config.repositories.map(\.name).joined(separator: ", "))")
                    continue
                }
                if from.type != .git {
                    reader.report(node, "\(path).helm.valuesFrom[\(j)].repository", "values come from Git; \(from.name) is of type \(from.type.rawValue)")
                }
            }
        }
        _ = repositoryNodes
    }
}
