import BosunCore
import Foundation

/// Argo CD `ApplicationSet`: git directory and file generators, list and matrix, the template.
extension ArgoCDImport {
    static func applicationSet(_ object: JSONObject, into config: inout ImportedConfig, notes: inout [String]) -> JSONObject? {
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let goTemplate = spec["goTemplate"]?.boolValue == true
        var set = JSONObject()
        set["name"] = .string(bosunName(object["metadata"]?["name"]?.stringValue ?? "set"))
        var generators: [JSONValue] = []
        for (i, generator) in (spec["generators"]?.arrayValue ?? []).enumerated() {
            if let converted = self.generator(generator.objectValue ?? JSONObject(), path: "spec.generators[\(i)]", goTemplate: goTemplate, into: &config, notes: &notes) {
                generators.append(.object(converted))
            }
        }
        guard !generators.isEmpty else {
            notes.append("no generator could be mapped; the set is left out")
            return nil
        }
        set["generators"] = .array(generators)
        let template = spec["template"]?.objectValue ?? JSONObject()
        let metadata = template["metadata"]?.objectValue ?? JSONObject()
        let name = placeholders(metadata["name"]?.stringValue ?? "{{path.basename}}", goTemplate: goTemplate, notes: &notes)
        var templateSpec = JSONObject()
        if case .object(let s) = rewrite(.object(template["spec"]?.objectValue ?? JSONObject()), goTemplate: goTemplate, notes: &notes) { templateSpec = s }
        var app = application(templateSpec, name: name, finalizers: nil, into: &config, notes: &notes)
        app["pruneOnDelete"] = nil
        set["template"] = .object(app)
        // Argo CD deletes a generated application's resources when its template carries the
        // resources finalizer, unless the set preserves them.
        let finalizer = metadata["finalizers"]?.arrayValue?.contains { $0.stringValue?.hasPrefix("resources-finalizer.argocd.argoproj.io") == true } == true
        let preserve = spec["syncPolicy"]?["preserveResourcesOnDeletion"]?.boolValue == true
        if finalizer && !preserve { set["deleteApplications"] = true }
        for key in spec.keys where !["generators", "template", "goTemplate", "goTemplateOptions", "syncPolicy"].contains(key) {
            notes.append("spec.\(key) has no Bosun equivalent")
        }
        if let policy = spec["syncPolicy"]?.objectValue {
            for key in policy.keys where key != "preserveResourcesOnDeletion" { notes.append("spec.syncPolicy.\(key) has no Bosun equivalent") }
        }
        return set
    }

    static func generator(_ generator: JSONObject, path: String, goTemplate: Bool, into config: inout ImportedConfig, notes: inout [String]) -> JSONObject? {
        if let git = generator["git"]?.objectValue {
            guard let url = git["repoURL"]?.stringValue else {
                notes.append("\(path).git.repoURL missing")
                return nil
            }
            var listing: JSONObject = ["repository": .string(config.repository(url: url))]
            listing["revision"] = revisionValue(git["revision"]?.stringValue ?? "HEAD")
            for key in git.keys where !["repoURL", "revision", "directories", "files", "pathParamPrefix", "requeueAfterSeconds"].contains(key) {
                notes.append("\(path).git.\(key) has no Bosun equivalent")
            }
            if let directories = git["directories"]?.arrayValue {
                let include = directories.filter { $0["exclude"]?.boolValue != true }.compactMap { $0["path"]?.stringValue }.map(cleanPath)
                let exclude = directories.filter { $0["exclude"]?.boolValue == true }.compactMap { $0["path"]?.stringValue }.map(cleanPath)
                listing["include"] = .array(include.map(JSONValue.string))
                if !exclude.isEmpty { listing["exclude"] = .array(exclude.map(JSONValue.string)) }
                return ["directories": .object(listing)]
            }
            if let files = git["files"]?.arrayValue {
                listing["include"] = .array(files.filter { $0["exclude"]?.boolValue != true }.compactMap { $0["path"]?.stringValue }.map { .string(cleanPath($0)) })
                let exclude = files.filter { $0["exclude"]?.boolValue == true }.compactMap { $0["path"]?.stringValue }.map(cleanPath)
                if !exclude.isEmpty { listing["exclude"] = .array(exclude.map(JSONValue.string)) }
                return ["files": .object(listing)]
            }
            notes.append("\(path).git names neither directories nor files")
            return nil
        }
        if let list = generator["list"]?.objectValue {
            if list["elementsYaml"] != nil { notes.append("\(path).list.elementsYaml has no Bosun equivalent; write the elements out") }
            let elements = (list["elements"]?.arrayValue ?? []).compactMap(\.objectValue).map { element -> JSONValue in
                .object(JSONObject(Parameters.flatten(.object(element)).sorted { $0.key < $1.key }.map { JSONObject.Entry(key: $0.key, value: .string($0.value)) }))
            }
            return ["list": .array(elements)]
        }
        if let matrix = generator["matrix"]?.objectValue {
            let children = (matrix["generators"]?.arrayValue ?? []).enumerated().compactMap {
                self.generator($0.element.objectValue ?? JSONObject(), path: "\(path).matrix.generators[\($0.offset)]", goTemplate: goTemplate, into: &config, notes: &notes)
            }
            guard children.count >= 2 else {
                notes.append("\(path).matrix: fewer than two generators could be mapped; left out")
                return nil
            }
            return ["matrix": .array(children.map(JSONValue.object))]
        }
        notes.append("\(path).\(generator.keys.first ?? "?") generator has no Bosun equivalent (Bosun generates from Git folders, Git files, lists and matrices)")
        return nil
    }

    /// Every string of a template with Argo CD's parameter spellings turned into Bosun's.
    static func rewrite(_ value: JSONValue, goTemplate: Bool, notes: inout [String]) -> JSONValue {
        switch value {
        case .string(let s): return .string(placeholders(s, goTemplate: goTemplate, notes: &notes))
        case .object(let o):
            var result = JSONObject()
            for entry in o { result[entry.key] = rewrite(entry.value, goTemplate: goTemplate, notes: &notes) }
            return .object(result)
        case .array(let items): return .array(items.map { rewrite($0, goTemplate: goTemplate, notes: &notes) })
        default: return value
        }
    }

    /// `{{path[0]}}` → `{{path.segments[0]}}`; with goTemplate, `{{.path.path}}` → `{{path}}`,
    /// `{{.path.basename}}` → `{{path.basename}}`, `{{index .path.segments 0}}` →
    /// `{{path.segments[0]}}`, `{{.cluster.name}}` → `{{cluster.name}}`.
    static func placeholders(_ text: String, goTemplate: Bool, notes: inout [String]) -> String {
        guard text.contains("{{") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                output += rest[open.lowerBound...]
                rest = ""
                break
            }
            var inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            if goTemplate {
                let parts = inner.split(separator: " ")
                if parts.count == 3, parts[0] == "index", parts[1] == ".path.segments", Int(parts[2]) != nil {
                    inner = "path.segments[\(parts[2])]"
                } else if inner.hasPrefix("."), !inner.contains(" ") {
                    inner = String(inner.dropFirst())
                    if inner == "path.path" { inner = "path" }
                } else {
                    notes.append("template expression {{\(inner)}} has no Bosun equivalent (Bosun fills parameters by name only)")
                }
            } else if let bracket = inner.range(of: "path["), inner.hasPrefix("path[") {
                inner = "path.segments[" + inner[bracket.upperBound...]
            }
            output += "{{\(inner)}}"
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
