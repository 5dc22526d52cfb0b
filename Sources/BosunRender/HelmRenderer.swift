import BosunCore
import Foundation

/// A Helm values file from another repository, named by repository, commit and path.
public struct ExternalValues: Sendable, Hashable {
    /// `config@3f2a9c1:envs/prod/podinfo.yaml`: names the file in messages and cache keys.
    public var label: String
    public var content: String
    public init(label: String, content: String) {
        self.label = label
        self.content = content
    }
}

/// Helm: `helm template` as it would run against the cluster: release name and namespace from
/// the application, values files (the chart's, then other repositories', then inline values),
/// `--api-versions`/`--kube-version` from the target's discovery, CRDs from `crds/` included
/// (kind order applies them first); Helm hooks become Bosun hooks as Argo CD maps them.
struct HelmRenderer {
    var toolPath: String?
    static let missingBinary = "rendering Helm charts needs the `helm` binary (Helm 3 or 4) on PATH; install it, or render with plain or kustomize"

    func render(directory: URL, path: String, options: HelmOptions, releaseName: String, namespace: String?,
                externalValues: [ExternalValues] = [], capabilities: TargetCapabilities? = nil) async throws -> RenderOutput {
        guard let helm = ExternalTool.find(["helm"], path: toolPath ?? ProcessInfo.processInfo.environment["PATH"]) else {
            throw RenderError(file: path, message: Self.missingBinary)
        }
        var arguments = ["template", options.releaseName ?? releaseName, directory.appendingPathComponent(path).path, "--include-crds"]
        if let namespace { arguments += ["--namespace", namespace] }
        if let capabilities {
            for version in capabilities.apiVersions { arguments += ["--api-versions", version] }
            if let kube = capabilities.kubeVersion { arguments += ["--kube-version", kube] }
        }
        for file in options.valuesFiles {
            let resolved = try Self.insideTree(file, chartPath: path)
            arguments += ["--values", directory.appendingPathComponent(resolved).path]
        }
        var written: [URL] = []
        defer { for url in written { try? FileManager.default.removeItem(at: url) } }
        for (i, values) in externalValues.enumerated() {
            let url = directory.appendingPathComponent(".bosun-values-from-\(i).yaml")
            try Data(values.content.utf8).write(to: url)
            arguments += ["--values", url.path]
            written.append(url)
        }
        if !options.values.isEmpty {
            let url = directory.appendingPathComponent(".bosun-inline-values.yaml")
            try Data(YAMLWriter.string(.object(options.values)).utf8).write(to: url)
            arguments += ["--values", url.path]
            written.append(url)
        }
        let output = try await helm.run(arguments)
        guard output.status == 0 else {
            var message = KustomizeRenderer.clean(output.stderr, root: directory.path)
            for (i, values) in externalValues.enumerated() {
                message = message.replacingOccurrences(of: ".bosun-values-from-\(i).yaml", with: values.label)
            }
            throw RenderError(file: path, message: "helm template failed: \(message)")
        }
        var notes: [String] = []
        let resources = try parseToolOutput(output.stdout, file: path + "/Chart.yaml").map { Self.mapHelmHook($0, notes: &notes) }
        return RenderOutput(resources: resources, renderer: .helm, notes: notes)
    }

    /// `helm.sh/hook` onto Bosun's hooks, as Argo CD maps them: pre-install/pre-upgrade →
    /// PreSync, post-install/post-upgrade → PostSync, `hook-weight` → sync wave, the delete
    /// policies by name; hooks Bosun does not run (test, delete, rollback) are kept out (Skip).
    /// A resource that already names a Bosun or Argo CD hook keeps it.
    static func mapHelmHook(_ resource: Resource, notes: inout [String]) -> Resource {
        guard let helmHook = resource.annotation("helm.sh/hook"),
            resource.annotation(Annotations.hook, or: Annotations.argoHook) == nil
        else { return resource }
        var mapped = resource
        var phases: [String] = []
        for word in helmHook.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            let phase: String? = switch word {
            case "pre-install", "pre-upgrade", "crd-install": "PreSync"
            case "post-install", "post-upgrade": "PostSync"
            default: nil
            }
            if let phase, !phases.contains(phase) { phases.append(phase) }
        }
        if phases.isEmpty {
            notes.append("\(resource.key.shortDescription): Helm hook \"\(helmHook)\" is not run by Bosun (skipped)")
            mapped.setAnnotation(Annotations.hook, "Skip")
            return mapped
        }
        mapped.setAnnotation(Annotations.hook, phases.joined(separator: ","))
        if let weight = resource.annotation("helm.sh/hook-weight"), resource.annotation(Annotations.syncWave, or: Annotations.argoSyncWave) == nil {
            mapped.setAnnotation(Annotations.syncWave, weight)
        }
        if let policy = resource.annotation("helm.sh/hook-delete-policy") {
            let policies = policy.split(separator: ",").compactMap { word -> String? in
                switch word.trimmingCharacters(in: .whitespaces) {
                case "before-hook-creation": "BeforeHookCreation"
                case "hook-succeeded": "HookSucceeded"
                case "hook-failed": "HookFailed"
                default: nil
                }
            }
            if !policies.isEmpty { mapped.setAnnotation(Annotations.hookDeletePolicy, policies.joined(separator: ",")) }
        }
        return mapped
    }

    /// Values files are named relative to the chart; they may not leave the repository.
    static func insideTree(_ file: String, chartPath: String) throws -> String {
        var parts = file.hasPrefix("/") ? [] : chartPath.split(separator: "/").map(String.init).filter { $0 != "." }
        for component in file.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                if parts.isEmpty { throw RenderError(file: file, message: "values file leaves the repository") }
                parts.removeLast()
            default: parts.append(String(component))
            }
        }
        return parts.joined(separator: "/")
    }
}
