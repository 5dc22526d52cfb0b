import BosunCore
import Foundation

/// Kustomize: `kustomize build` when on PATH, else `kubectl kustomize`.
struct KustomizeRenderer {
    func render(directory: URL, path: String, displayPath: String) async throws -> RenderOutput {
        let target = directory.appendingPathComponent(path).path
        let output: ExternalTool.Output
        if let kustomize = ExternalTool.find(["kustomize"]) {
            output = try await kustomize.run(["build", target])
        } else if let kubectl = ExternalTool.find(["kubectl"]) {
            output = try await kubectl.run(["kustomize", target])
        } else {
            throw RenderError(file: displayPath, message: "rendering Kustomize needs `kustomize` or `kubectl` on PATH; install one of them")
        }
        guard output.status == 0 else {
            let message = Self.clean(output.stderr, root: directory.path)
            throw RenderError(file: displayPath, message: "kustomize failed: \(message)")
        }
        return RenderOutput(resources: try parseToolOutput(output.stdout, file: displayPath + "/kustomization.yaml"), renderer: .kustomize, notes: [])
    }

    /// Tool messages mention our temporary folder; show repository paths instead.
    static func clean(_ text: String, root: String) -> String {
        text.replacingOccurrences(of: root + "/", with: "").replacingOccurrences(of: root, with: ".")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Helm: `helm template` with values files and inline values.
struct HelmRenderer {
    func render(directory: URL, path: String, options: HelmOptions, releaseName: String, namespace: String?) async throws -> RenderOutput {
        guard let helm = ExternalTool.find(["helm"]) else {
            throw RenderError(file: path, message: "rendering Helm charts needs the `helm` binary (Helm 3) on PATH; install it, or render with plain or kustomize")
        }
        var arguments = ["template", options.releaseName ?? releaseName, directory.appendingPathComponent(path).path]
        if let namespace { arguments += ["--namespace", namespace] }
        for file in options.valuesFiles {
            let resolved = try Self.insideTree(file, chartPath: path)
            arguments += ["--values", directory.appendingPathComponent(resolved).path]
        }
        var inlineFile: URL?
        if !options.values.isEmpty {
            let url = directory.appendingPathComponent(".bosun-inline-values.yaml")
            try Data(YAMLWriter.string(.object(options.values)).utf8).write(to: url)
            arguments += ["--values", url.path]
            inlineFile = url
        }
        defer { if let inlineFile { try? FileManager.default.removeItem(at: inlineFile) } }
        let output = try await helm.run(arguments)
        guard output.status == 0 else {
            throw RenderError(file: path, message: "helm template failed: \(KustomizeRenderer.clean(output.stderr, root: directory.path))")
        }
        return RenderOutput(resources: try parseToolOutput(output.stdout, file: path + "/Chart.yaml"), renderer: .helm, notes: [])
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

/// Manifests printed by a tool: a YAML stream; empty documents skipped; each must be a manifest.
func parseToolOutput(_ text: String, file: String) throws -> [Resource] {
    let documents: [YAMLDocument]
    do {
        documents = try YAMLDecoder().documents(text)
    } catch {
        throw RenderError(file: file, message: "the tool printed invalid YAML: \(error)")
    }
    return try documents.flatMap { document -> [Resource] in
        let items = document.value["kind"]?.stringValue == "List" ? (document.value["items"]?.arrayValue ?? []) : [document.value]
        return try items.map { try PlainRenderer.validated($0, at: SourceLocation(file: file, line: document.line)) }
    }
}
