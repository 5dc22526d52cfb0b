import BosunCore
import Foundation

/// Flux objects as Bosun config: `GitRepository` (a repository and a revision), `Kustomization`
/// (an application on the cluster Flux runs in), `HelmRelease` of a chart in a GitRepository.
/// Charts from `HelmRepository`/`OCIRepository`, SOPS decryption and post-build substitution
/// are listed as not mapped.
public enum FluxImport {
    struct GitSource {
        var repository: String
        var revision: JSONValue
    }

    public static func convert(_ objects: [JSONObject]) -> ImportedConfig {
        var config = ImportedConfig()
        // Sources first: Kustomizations and HelmReleases name them.
        var sources: [String: GitSource] = [:]
        for object in objects where object["kind"]?.stringValue == "GitRepository" {
            var notes: [String] = []
            let name = object["metadata"]?["name"]?.stringValue ?? "source"
            let spec = object["spec"]?.objectValue ?? JSONObject()
            guard let url = spec["url"]?.stringValue else {
                config.notMapped.append("\(describeObject(object)): spec.url missing")
                continue
            }
            let repository = config.repository(url: url)
            var revision: JSONValue = "HEAD"
            if let ref = spec["ref"]?.objectValue {
                if let commit = ref["commit"]?.stringValue { revision = .string(commit) }
                else if let semver = ref["semver"]?.stringValue { revision = .object(["semver": .string(semver)]) }
                else if let tag = ref["tag"]?.stringValue { revision = .string(tag) }
                else if let branch = ref["branch"]?.stringValue { revision = .string(branch) }
                else if let refName = ref["name"]?.stringValue { revision = .string(refName.replacingOccurrences(of: "refs/heads/", with: "").replacingOccurrences(of: "refs/tags/", with: "")) }
            }
            for key in spec.keys where !["url", "ref", "interval", "timeout"].contains(key) {
                switch key {
                case "secretRef": notes.append("spec.secretRef: Bosun reads credentials from the environment; add credentials: { usernameEnv, passwordEnv } or sshKeyFile to repository \(repository)")
                case "verify": notes.append("spec.verify: add verify: { mode: commit, gpgKeys: [...] } to repository \(repository) with the keys as files")
                default: notes.append("spec.\(key) has no Bosun equivalent")
                }
            }
            if let timeout = spec["timeout"]?.stringValue, var repo = config.repositories[repository] {
                repo["fetchTimeout"] = .string(timeout)
                config.repositories[repository] = repo
            }
            sources[name] = GitSource(repository: repository, revision: revision)
            config.notMapped += notes.map { "\(describeObject(object)): \($0)" }
        }
        for object in objects {
            let label = describeObject(object)
            let group = object["apiVersion"]?.stringValue?.split(separator: "/").first.map(String.init) ?? ""
            switch (group, object["kind"]?.stringValue) {
            case ("source.toolkit.fluxcd.io", "GitRepository"): continue
            case ("kustomize.toolkit.fluxcd.io", "Kustomization"):
                var notes: [String] = []
                if let app = kustomization(object, sources: sources, into: &config, notes: &notes) {
                    config.applications.append(ImportedConfig.Entry(value: app, notes: notes))
                }
                config.notMapped += notes.map { "\(label): \($0)" }
            case ("helm.toolkit.fluxcd.io", "HelmRelease"):
                var notes: [String] = []
                if let app = helmRelease(object, sources: sources, into: &config, notes: &notes) {
                    config.applications.append(ImportedConfig.Entry(value: app, notes: notes))
                }
                config.notMapped += notes.map { "\(label): \($0)" }
            case ("source.toolkit.fluxcd.io", "HelmRepository"), ("source.toolkit.fluxcd.io", "OCIRepository"), ("source.toolkit.fluxcd.io", "HelmChart"):
                config.notMapped.append("\(label): charts from Helm and OCI repositories have no Bosun equivalent yet (chart sources)")
            default:
                config.notMapped.append("\(label): not a Flux object Bosun maps (GitRepository, Kustomization, HelmRelease)")
            }
        }
        return config
    }

    static func inCluster(_ config: inout ImportedConfig) -> String {
        config.target("in-cluster", ["name": "in-cluster", "type": "kubernetes", "inCluster": true])
    }

    static func kustomization(_ object: JSONObject, sources: [String: GitSource], into config: inout ImportedConfig, notes: inout [String]) -> JSONObject? {
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let name = object["metadata"]?["name"]?.stringValue ?? "app"
        guard let sourceName = spec["sourceRef"]?["name"]?.stringValue, let source = sources[sourceName],
            (spec["sourceRef"]?["kind"]?.stringValue ?? "GitRepository") == "GitRepository"
        else {
            notes.append("spec.sourceRef \(spec["sourceRef"]?["kind"]?.stringValue ?? "?")/\(spec["sourceRef"]?["name"]?.stringValue ?? "?") is not a GitRepository given in the input; left out")
            return nil
        }
        var app: JSONObject = ["name": .string(bosunName(name))]
        if bosunName(name) != name { notes.append("metadata.name \"\(name)\" renamed \"\(bosunName(name))\"") }
        app["source"] = .object(["repository": .string(source.repository), "revision": source.revision,
                                 "path": .string(ArgoCDImport.cleanPath(spec["path"]?.stringValue ?? "."))])
        var destination: JSONObject = ["target": .string(inCluster(&config))]
        if let namespace = spec["targetNamespace"]?.stringValue { destination["namespace"] = .string(namespace) }
        app["destination"] = .object(destination)
        // Flux applies and corrects drift at every interval.
        var sync: JSONObject = ["auto": .bool(spec["suspend"]?.boolValue != true), "selfHeal": true]
        if let prune = spec["prune"]?.boolValue { sync["prune"] = .bool(prune) }
        if let interval = spec["interval"]?.stringValue { sync["interval"] = .string(interval) }
        if let timeout = spec["timeout"]?.stringValue { sync["healthTimeout"] = .string(timeout) }
        if spec["force"]?.boolValue == true { sync["force"] = true }
        if let retry = spec["retryInterval"]?.stringValue { sync["retry"] = .object(["backoff": .string(retry)]) }
        app["sync"] = .object(sync)
        let dependsOn = (spec["dependsOn"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.map { JSONValue.string(bosunName($0)) }
        if !dependsOn.isEmpty { app["dependsOn"] = .array(dependsOn) }
        for key in spec.keys where !["sourceRef", "path", "targetNamespace", "prune", "interval", "timeout", "force", "retryInterval", "dependsOn", "suspend", "wait"].contains(key) {
            switch key {
            case "decryption": notes.append("spec.decryption: SOPS decryption has no Bosun equivalent yet")
            case "postBuild": notes.append("spec.postBuild: variable substitution has no Bosun equivalent")
            case "kubeConfig": notes.append("spec.kubeConfig: declare the remote cluster as a target in the local config")
            default: notes.append("spec.\(key) has no Bosun equivalent")
            }
        }
        return app
    }

    static func helmRelease(_ object: JSONObject, sources: [String: GitSource], into config: inout ImportedConfig, notes: inout [String]) -> JSONObject? {
        let spec = object["spec"]?.objectValue ?? JSONObject()
        let name = object["metadata"]?["name"]?.stringValue ?? "release"
        let chart = spec["chart"]?["spec"]?.objectValue
        guard let chart, chart["sourceRef"]?["kind"]?.stringValue == "GitRepository",
            let sourceName = chart["sourceRef"]?["name"]?.stringValue, let source = sources[sourceName]
        else {
            let kind = chart?["sourceRef"]?["kind"]?.stringValue ?? (spec["chartRef"] != nil ? spec["chartRef"]?["kind"]?.stringValue ?? "chartRef" : "?")
            notes.append("a chart from a \(kind) has no Bosun equivalent yet (chart sources); left out")
            return nil
        }
        var app: JSONObject = ["name": .string(bosunName(name))]
        var helm = JSONObject()
        if let release = spec["releaseName"]?.stringValue { helm["releaseName"] = .string(release) } else { helm["releaseName"] = .string(name) }
        if let files = chart["valuesFiles"]?.arrayValue { helm["valuesFiles"] = .array(files) }
        if case .object(let values)? = spec["values"] { helm["values"] = .object(values) }
        app["source"] = .object(["repository": .string(source.repository), "revision": source.revision,
                                 "path": .string(ArgoCDImport.cleanPath(chart["chart"]?.stringValue ?? ".")), "render": "helm", "helm": .object(helm)])
        var destination: JSONObject = ["target": .string(inCluster(&config))]
        if let namespace = spec["targetNamespace"]?.stringValue ?? object["metadata"]?["namespace"]?.stringValue { destination["namespace"] = .string(namespace) }
        app["destination"] = .object(destination)
        var sync: JSONObject = ["auto": .bool(spec["suspend"]?.boolValue != true), "selfHeal": true, "prune": true]
        if let interval = spec["interval"]?.stringValue { sync["interval"] = .string(interval) }
        if spec["install"]?["createNamespace"]?.boolValue == true { sync["createNamespace"] = true }
        if let timeout = spec["timeout"]?.stringValue { sync["healthTimeout"] = .string(timeout) }
        app["sync"] = .object(sync)
        let dependsOn = (spec["dependsOn"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }.map { JSONValue.string(bosunName($0)) }
        if !dependsOn.isEmpty { app["dependsOn"] = .array(dependsOn) }
        for key in chart.keys where !["chart", "sourceRef", "valuesFiles", "reconcileStrategy", "interval"].contains(key) {
            notes.append("spec.chart.spec.\(key) has no Bosun equivalent yet")
        }
        for key in spec.keys where !["chart", "releaseName", "values", "targetNamespace", "interval", "install", "timeout", "dependsOn", "suspend", "storageNamespace"].contains(key) {
            notes.append(key == "valuesFrom" ? "spec.valuesFrom: values from ConfigMaps and Secrets have no Bosun equivalent yet" : "spec.\(key) has no Bosun equivalent")
        }
        return app
    }
}
