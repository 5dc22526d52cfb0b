import BosunCore
import Foundation

/// Jsonnet: every `*.jsonnet` file of the folder through the `jsonnet` binary, with
/// `extVars` (`--ext-str`), `tlas` (`--tla-str`) and `libs` (`--jpath`), as Argo CD offers;
/// YAML and JSON manifests beside them render as plain files do. Each file may yield a
/// manifest, a `List`, or an array of manifests; a file that yields none is named in the notes
/// with the reason, so a folder never renders "0 resources" without a word.
struct JsonnetRenderer {
    var toolPath: String?

    func render(path: String, options: JsonnetOptions, directory: DirectoryOptions, from source: any ManifestSource,
                workDirectory: URL) async throws -> RenderOutput {
        let files = directory.selected(try await source.list(path: path), under: path)
            .filter { $0.path.hasSuffix(".jsonnet") }
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var plain = try await PlainRenderer(options: directory).render(path: path, from: source)
        plain.notes.removeAll { $0.hasPrefix("skipped ") && $0.contains("not .yaml") }
        guard !files.isEmpty else { return RenderOutput(resources: plain.resources, renderer: .jsonnet, notes: plain.notes) }
        guard let jsonnet = ExternalTool.find(["jsonnet"], path: toolPath ?? ProcessInfo.processInfo.environment["PATH"]) else {
            throw RenderError(file: path, message: "rendering Jsonnet needs the `jsonnet` binary on PATH (Debian and Ubuntu: apt-get install jsonnet)")
        }
        let scratch = workDirectory.appendingPathComponent("jsonnet-\(UUID().uuidString.prefix(12))")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try await source.materialize(into: scratch)
        var base: [String] = []
        for lib in options.libs {
            let normalized = try Renderer.normalize(lib)
            base += ["--jpath", scratch.appendingPathComponent(normalized).path]
        }
        for (name, value) in options.extVars.sorted(by: { $0.key < $1.key }) { base += ["--ext-str", "\(name)=\(value)"] }
        for (name, value) in options.tlas.sorted(by: { $0.key < $1.key }) { base += ["--tla-str", "\(name)=\(value)"] }
        var resources = plain.resources
        var notes = plain.notes
        var seen = Dictionary(resources.map { ($0.key, $0.source) }, uniquingKeysWith: { a, _ in a })
        for file in files {
            let output = try await jsonnet.run(base + [scratch.appendingPathComponent(file.path).path], in: scratch.path)
            guard output.status == 0 else {
                throw RenderError(file: file.path, message: "jsonnet failed: \(KustomizeRenderer.clean(output.stderr, root: scratch.path))")
            }
            let value: JSONValue
            do { value = try JSONParser.parse(output.stdout) } catch {
                throw RenderError(file: file.path, message: "jsonnet printed something that is not JSON: \(error)")
            }
            let items: [JSONValue]
            switch value {
            case .array(let list): items = list
            case .object where value["kind"]?.stringValue == "List": items = value["items"]?.arrayValue ?? []
            case .object(let object) where object.isEmpty: items = []
            case .object where value["kind"] == nil && value["apiVersion"] == nil:
                notes.append("\(file.path): skipped (it yields an object that is not a manifest (no apiVersion or kind); return a manifest, a List or an array of manifests)")
                continue
            case .object: items = [value]
            default:
                notes.append("\(file.path): skipped (it yields a \(value.typeName), not a manifest)")
                continue
            }
            if items.isEmpty {
                notes.append("\(file.path): skipped (it yields no manifest: an empty \(value.arrayValue != nil ? "array" : "object"))")
                continue
            }
            for item in items {
                let resource = try PlainRenderer.validated(item, at: SourceLocation(file: file.path, line: 1))
                if let first = seen[resource.key] {
                    throw RenderError(file: file.path, message: "\(resource.key.shortDescription) is declared twice: here and at \(first.map(\.description) ?? "another file"); keep one")
                }
                seen[resource.key] = resource.source
                resources.append(resource)
            }
        }
        return RenderOutput(resources: resources, renderer: .jsonnet, notes: notes)
    }
}
