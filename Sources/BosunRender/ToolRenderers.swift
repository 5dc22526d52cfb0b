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
