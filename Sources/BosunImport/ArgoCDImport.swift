import BosunCore
import Foundation

/// Argo CD `Application` and `ApplicationSet` objects (argoproj.io/v1alpha1) as Bosun config.
/// What has no Bosun equivalent (or one that another change brings: chart repositories, SOPS,
/// Jsonnet, directory options, several sources) is listed, never silently dropped.
public enum ArgoCDImport {
    static let inClusterServer = "https://kubernetes.default.svc"

    public static func convert(_ objects: [JSONObject]) -> ImportedConfig {
        var config = ImportedConfig()
        var waves: [(name: String, wave: Int)] = []
        for object in objects {
            let label = describeObject(object)
            guard object["apiVersion"]?.stringValue?.hasPrefix("argoproj.io/") == true else {
                config.notMapped.append("\(label): not an Argo CD object (apiVersion \(object["apiVersion"]?.stringValue ?? "none"))")
                continue
            }
            switch object["kind"]?.stringValue {
            case "Application":
                var notes: [String] = []
                let metadata = object["metadata"]?.objectValue ?? JSONObject()
                let rawName = metadata["name"]?.stringValue ?? "app"
                var app = application(object["spec"]?.objectValue ?? JSONObject(), name: rawName, finalizers: metadata["finalizers"], into: &config, notes: &notes)
                if let wave = metadata["annotations"]?["argocd.argoproj.io/sync-wave"]?.stringValue, let n = Int(wave) {
                    waves.append((app["name"]?.stringValue ?? rawName, n))
                }
                if app["name"] == nil { app["name"] = .string(bosunName(rawName)) }
                config.notMapped += notes.map { "\(label): \($0)" }
                config.applications.append(ImportedConfig.Entry(value: app, notes: notes))
            case "ApplicationSet":
                var notes: [String] = []
                if let set = applicationSet(object, into: &config, notes: &notes) {
                    config.applicationSets.append(ImportedConfig.Entry(value: set, notes: notes))
                }
                config.notMapped += notes.map { "\(label): \($0)" }
            default:
                config.notMapped.append("\(label): kind \(object["kind"]?.stringValue ?? "none") has no Bosun equivalent")
            }
        }
        addWaveDependencies(waves, &config)
        return config
    }

    /// Applications with a sync wave (app of apps) depend on those of the wave before theirs.
    static func addWaveDependencies(_ waves: [(name: String, wave: Int)], _ config: inout ImportedConfig) {
        let ordered = Set(waves.map(\.wave)).sorted()
        guard ordered.count > 1 else { return }
        for (i, entry) in config.applications.enumerated() {
            guard let name = entry.value["name"]?.stringValue, let wave = waves.first(where: { $0.name == name })?.wave,
                let index = ordered.firstIndex(of: wave), index > 0
            else { continue }
            let before = waves.filter { $0.wave == ordered[index - 1] }.map { JSONValue.string($0.name) }
            var value = entry.value
            value["dependsOn"] = .array((value["dependsOn"]?.arrayValue ?? []) + before)
            config.applications[i].value = value
        }
    }

    // MARK: Application

    /// An Application's spec (or an ApplicationSet's template spec) as a Bosun application.
    static func application(_ spec: JSONObject, name: String, finalizers: JSONValue?, into config: inout ImportedConfig, notes: inout [String]) -> JSONObject {
        var app = JSONObject()
        app["name"] = .string(TemplateText.hasPlaceholders(name) ? name : bosunName(name))
        if !TemplateText.hasPlaceholders(name), bosunName(name) != name { notes.append("metadata.name \"\(name)\" renamed \"\(bosunName(name))\" (Bosun names are DNS labels)") }
        var sourceSpec = spec["source"]?.objectValue
        if let sources = spec["sources"]?.arrayValue {
            if sources.count == 1, let only = sources[0].objectValue {
                sourceSpec = only
            } else {
                notes.append("spec.sources: several sources (values from another repository) have no Bosun equivalent yet; the first is used")
                sourceSpec = sources.first?.objectValue
            }
        }
        var source = JSONObject()
        let sourceObject = sourceSpec ?? JSONObject()
        if let url = sourceObject["repoURL"]?.stringValue {
            source["repository"] = TemplateText.hasPlaceholders(url) ? .string(url) : .string(config.repository(url: url))
            if TemplateText.hasPlaceholders(url) { notes.append("spec.source.repoURL \"\(url)\" is templated; Bosun names repositories from the local config") }
        } else {
            notes.append("spec.source.repoURL missing")
        }
        if let revision = sourceObject["targetRevision"]?.stringValue {
            source["revision"] = revisionValue(revision)
        } else {
            source["revision"] = "HEAD"
        }
        if let chart = sourceObject["chart"]?.stringValue {
            notes.append("spec.source.chart \"\(chart)\": charts from a Helm or OCI repository have no Bosun equivalent yet (chart sources)")
        }
        source["path"] = .string(cleanPath(sourceObject["path"]?.stringValue ?? "."))
        if let helm = sourceObject["helm"]?.objectValue {
            source["render"] = "helm"
            source["helm"] = .object(helmOptions(helm, notes: &notes, prefix: "spec.source.helm"))
        } else if let kustomize = sourceObject["kustomize"]?.objectValue {
            source["render"] = "kustomize"
            for key in kustomize.keys { notes.append("spec.source.kustomize.\(key): Kustomize options have no Bosun equivalent; put them in the kustomization.yaml") }
        } else if let directory = sourceObject["directory"]?.objectValue {
            source["render"] = "plain"
            for key in directory.keys where key != "recurse" {
                notes.append("spec.source.directory.\(key): directory options (\(key == "jsonnet" ? "Jsonnet" : "include/exclude")) have no Bosun equivalent yet")
            }
            if directory["recurse"]?.boolValue != true {
                notes.append("spec.source.directory.recurse false: Bosun reads a folder's subfolders too")
            }
        } else if sourceObject["plugin"] != nil {
            notes.append("spec.source.plugin: config management plugins have no Bosun equivalent")
        }
        app["source"] = .object(source)

        let destination = spec["destination"]?.objectValue ?? JSONObject()
        var dest = JSONObject()
        dest["target"] = .string(target(destination, into: &config, notes: &notes))
        if let namespace = destination["namespace"]?.stringValue { dest["namespace"] = .string(namespace) }
        app["destination"] = .object(dest)

        var sync = JSONObject()
        let policy = spec["syncPolicy"]?.objectValue ?? JSONObject()
        if let automated = policy["automated"]?.objectValue {
            sync["auto"] = .bool(automated["enabled"]?.boolValue ?? true)
            if automated["prune"]?.boolValue == true { sync["prune"] = true }
            if automated["selfHeal"]?.boolValue == true { sync["selfHeal"] = true }
            if automated["allowEmpty"]?.boolValue == true { sync["allowEmpty"] = true }
        }
        for option in policy["syncOptions"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            switch option {
            case "CreateNamespace=true": sync["createNamespace"] = true
            case "Prune=false": sync["prune"] = false
            case "ServerSideApply=true": break  // Bosun always applies server-side on Kubernetes
            case "Replace=true", "Force=true": sync["force"] = true
            default: notes.append("spec.syncPolicy.syncOptions \(option) has no Bosun equivalent")
            }
        }
        if let retry = policy["retry"]?.objectValue {
            var r = JSONObject()
            if let limit = retry["limit"]?.intValue { r["limit"] = .int(limit) }
            if let duration = retry["backoff"]?["duration"]?.stringValue { r["backoff"] = .string(duration) }
            if let maxDuration = retry["backoff"]?["maxDuration"]?.stringValue { r["maxBackoff"] = .string(maxDuration) }
            if let factor = retry["backoff"]?["factor"]?.intValue, factor != 2 { notes.append("spec.syncPolicy.retry.backoff.factor \(factor): Bosun doubles the backoff") }
            if !r.isEmpty { sync["retry"] = .object(r) }
        }
        for key in policy.keys where !["automated", "syncOptions", "retry"].contains(key) {
            notes.append("spec.syncPolicy.\(key) has no Bosun equivalent")
        }
        if !sync.isEmpty { app["sync"] = .object(sync) }

        var ignores: [JSONValue] = []
        for item in spec["ignoreDifferences"]?.arrayValue ?? [] {
            guard let object = item.objectValue, let kind = object["kind"]?.stringValue else { continue }
            var ignore: JSONObject = ["kind": .string(kind)]
            for key in ["group", "name", "namespace"] { if let v = object[key]?.stringValue, !v.isEmpty { ignore[key] = .string(v) } }
            let pointers = object["jsonPointers"]?.arrayValue ?? []
            for key in object.keys where !["group", "kind", "name", "namespace", "jsonPointers"].contains(key) {
                notes.append("spec.ignoreDifferences (\(kind)).\(key) has no Bosun equivalent; only jsonPointers")
            }
            guard !pointers.isEmpty else { continue }
            ignore["jsonPointers"] = .array(pointers)
            ignores.append(.object(ignore))
        }
        if !ignores.isEmpty { app["ignoreDifferences"] = .array(ignores) }
        if let limit = spec["revisionHistoryLimit"]?.intValue, limit >= 1 { app["historyLimit"] = .int(limit) }
        if finalizers?.arrayValue?.contains(where: { $0.stringValue?.hasPrefix("resources-finalizer.argocd.argoproj.io") == true }) == true {
            app["pruneOnDelete"] = true
        }
        for key in spec.keys where !["source", "sources", "destination", "syncPolicy", "ignoreDifferences", "revisionHistoryLimit", "project", "info"].contains(key) {
            notes.append("spec.\(key) has no Bosun equivalent")
        }
        if let project = spec["project"]?.stringValue, project != "default" {
            notes.append("spec.project \"\(project)\": Bosun has no projects; API tokens and roles govern access")
        }
        return app
    }

    /// Helm options: release name, values files, inline values (string or object) and `--set` parameters.
    static func helmOptions(_ helm: JSONObject, notes: inout [String], prefix: String) -> JSONObject {
        var options = JSONObject()
        var values = JSONObject()
        for entry in helm {
            switch entry.key {
            case "releaseName": options["releaseName"] = entry.value
            case "valueFiles", "valuesFiles": options["valuesFiles"] = entry.value
            case "values":
                if let text = entry.value.stringValue, let parsed = try? YAMLDecoder().value(text), case .object(let object) = parsed {
                    values = merge(values, object)
                } else if case .object(let object) = entry.value {
                    values = merge(values, object)
                } else {
                    notes.append("\(prefix).values could not be read as YAML")
                }
            case "valuesObject":
                if case .object(let object) = entry.value { values = merge(values, object) }
            case "parameters":
                for parameter in entry.value.arrayValue ?? [] {
                    guard let name = parameter["name"]?.stringValue, let value = parameter["value"]?.stringValue else { continue }
                    let typed: JSONValue = parameter["forceString"]?.boolValue == true ? .string(value) : YAMLDecoder.resolvePlain(value)
                    values = setting(values, path: name.split(separator: ".").map(String.init), to: typed)
                }
            case "version", "passCredentials", "skipCrds", "ignoreMissingValueFiles", "fileParameters", "namespace", "kubeVersion", "apiVersions", "skipTests":
                notes.append("\(prefix).\(entry.key) has no Bosun equivalent yet")
            default:
                notes.append("\(prefix).\(entry.key) has no Bosun equivalent")
            }
        }
        if !values.isEmpty { options["values"] = .object(values) }
        return options
    }

    static func merge(_ base: JSONObject, _ overlay: JSONObject) -> JSONObject {
        var result = base
        for entry in overlay {
            if case .object(let a)? = result[entry.key], case .object(let b) = entry.value {
                result[entry.key] = .object(merge(a, b))
            } else {
                result[entry.key] = entry.value
            }
        }
        return result
    }

    static func setting(_ object: JSONObject, path: [String], to value: JSONValue) -> JSONObject {
        guard let first = path.first else { return object }
        var result = object
        if path.count == 1 {
            result[first] = value
        } else {
            result[first] = .object(setting(result[first]?.objectValue ?? JSONObject(), path: Array(path.dropFirst()), to: value))
        }
        return result
    }

    /// A branch, tag or commit; a semver constraint (`1.2.*`, `>=1.0`) as a range.
    static func revisionValue(_ revision: String) -> JSONValue {
        if revision.contains("*") || revision.contains(" ") || revision.hasPrefix(">") || revision.hasPrefix("<") || revision.hasPrefix("^") || revision.hasPrefix("~") {
            return .object(["semver": .string(revision.replacingOccurrences(of: ".*", with: ".x"))])
        }
        return .string(revision.isEmpty ? "HEAD" : revision)
    }

    static func cleanPath(_ path: String) -> String {
        var p = path
        while p.hasPrefix("./") { p.removeFirst(2) }
        while p.hasSuffix("/") && p.count > 1 { p.removeLast() }
        return p.isEmpty ? "." : p
    }

    /// The target for a destination: `in-cluster` for the cluster Argo CD runs in, else one
    /// named after the cluster (its kubeconfig context, to be checked).
    static func target(_ destination: JSONObject, into config: inout ImportedConfig, notes: inout [String]) -> String {
        let server = destination["server"]?.stringValue
        let name = destination["name"]?.stringValue
        if (server == nil && (name == nil || name == "in-cluster")) || server == inClusterServer {
            return config.target("in-cluster", ["name": "in-cluster", "type": "kubernetes", "inCluster": true])
        }
        if let value = name ?? server, TemplateText.hasPlaceholders(value) {
            notes.append("spec.destination \"\(value)\" is templated; Bosun targets are named in the local config")
            return value
        }
        let targetName: String
        if let name {
            targetName = bosunName(name)
        } else {
            let host = URL(string: server ?? "")?.host ?? server ?? "cluster"
            targetName = bosunName("cluster-" + host)
        }
        return config.target(targetName, ["name": .string(targetName), "type": "kubernetes", "context": .string(name ?? targetName)])
    }
}
