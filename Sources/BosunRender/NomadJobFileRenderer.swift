import BosunCore
import Foundation

/// Nomad job files under a path (`*.nomad.hcl`, `*.nomad`, `*.nomad.json`), recursively, as
/// intermediate `nomad.bosun.dev/v1` `JobFile` resources. HCL needs the cluster's parser
/// (`/v1/jobs/parse`), so the Nomad target's `prepare` turns each into the job it declares.
///
/// ```yaml
/// apiVersion: nomad.bosun.dev/v1
/// kind: JobFile
/// metadata: { name: web }                  # the file name without its extension
/// spec: { path: jobs/web.nomad.hcl, format: hcl, content: "job \"web\" { ... }", variables: "..." }
/// ```
public struct NomadJobFileRenderer: Sendable {
    /// The apiVersion of the intermediate resources.
    public static let apiVersion = "nomad.bosun.dev/v1"
    /// The kind of the intermediate resources.
    public static let kind = "JobFile"
    static let maxFileBytes = 4 << 20

    public init() {}

    /// Whether a file name is a Nomad job file.
    public static func isJobFile(_ name: String) -> Bool { format(of: name) != nil }

    /// `hcl` or `json` for a job file name; nil for anything else.
    static func format(of name: String) -> (format: String, stem: String)? {
        let lower = name.lowercased()
        for (suffix, format) in [(".nomad.json", "json"), (".nomad.hcl", "hcl"), (".nomad", "hcl")] where lower.hasSuffix(suffix) {
            let stem = String(name.dropLast(suffix.count))
            return stem.isEmpty ? nil : (format, stem)
        }
        return nil
    }

    public func render(path: String, varsFile: String?, from source: any ManifestSource) async throws -> RenderOutput {
        let files = try await source.list(path: path)
            .filter { $0.kind == .regular }
            .sorted { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }
        var wanted: [(path: String, format: String, stem: String)] = []
        for file in files {
            let name = file.path.split(separator: "/").last.map(String.init) ?? file.path
            if let (format, stem) = Self.format(of: name) { wanted.append((file.path, format, stem)) }
        }
        let contents = try await source.read(wanted.map(\.path), maxSize: Self.maxFileBytes)
        var variables: String?
        if let varsFile {
            let varsPath = try Renderer.normalize(varsFile)
            let data = try? await source.read([varsPath], maxSize: Self.maxFileBytes)[varsPath]
            guard let data, let text = String(validating: data, as: UTF8.self) else {
                throw RenderError(file: varsPath, message: "the varsFile named by the application does not exist in \(source.displayName) or is not UTF-8 text; fix source.varsFile")
            }
            variables = text
        }
        var resources: [Resource] = []
        var seen: [String: String] = [:]
        for file in wanted {
            guard let data = contents[file.path] else { throw RenderError(file: file.path, message: "could not be read") }
            guard !data.contains(0), let text = String(validating: data, as: UTF8.self) else {
                throw RenderError(file: file.path, message: "is not UTF-8 text; save the job file as UTF-8")
            }
            if let first = seen[file.stem] {
                throw RenderError(file: file.path, message: "has the same name \"\(file.stem)\" as \(first); rename one of the job files")
            }
            seen[file.stem] = file.path
            var spec: JSONObject = ["path": .string(file.path), "format": .string(file.format), "content": .string(text)]
            if let variables { spec["variables"] = .string(variables) }
            let body: JSONObject = [
                "apiVersion": .string(Self.apiVersion), "kind": .string(Self.kind), "metadata": ["name": .string(file.stem)],
                "spec": .object(spec),
            ]
            resources.append(Resource(body, source: SourceLocation(file: file.path, line: 1)))
        }
        return RenderOutput(resources: resources, renderer: .nomad, notes: [])
    }
}
