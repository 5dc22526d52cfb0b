import BosunCore
import Foundation

/// What to render from a tree: a path and how.
public struct RenderRequest: Sendable, Hashable {
    public var path: String
    /// nil: Kustomize when the path holds a kustomization, Helm when it holds a Chart.yaml, else plain.
    public var kind: RenderKind?
    public var helm: HelmOptions?
    /// Helm's release name (default: the application name) and namespace.
    public var releaseName: String
    public var namespace: String?
    /// HCL2 variable values for Nomad job files: a file relative to the repository root.
    public var varsFile: String?
    /// Helm values files from other repositories (`helm.valuesFrom`), in order.
    public var externalValues: [ExternalValues] = []
    /// What the cluster serves, for Helm's `.Capabilities` (`--api-versions`, `--kube-version`).
    public var capabilities: TargetCapabilities?
    public var jsonnet: JsonnetOptions?
    public var directory: DirectoryOptions?

    public init(path: String = ".", kind: RenderKind? = nil, helm: HelmOptions? = nil, releaseName: String = "release", namespace: String? = nil,
                varsFile: String? = nil) {
        self.path = path
        self.kind = kind
        self.helm = helm
        self.releaseName = releaseName
        self.namespace = namespace
        self.varsFile = varsFile
    }

    /// The parameters that change the output, as a stable string (part of the cache key).
    public var parameters: String {
        var parts = ["path=\(path)", "kind=\(kind?.rawValue ?? "auto")"]
        // Helm renders name the release (and so do charts with no helm options): never shared
        // between applications of one chart.
        if helm != nil || kind == .helm || kind == nil { parts.append("release=\(helm?.releaseName ?? releaseName)") }
        if let helm {
            parts.append("values=\(helm.valuesFiles.joined(separator: ","))")
            parts.append("inline=\(JSONValue.object(helm.values.sortedByKey()).jsonString())")
        }
        if let namespace { parts.append("namespace=\(namespace)") }
        if let varsFile { parts.append("varsFile=\(varsFile)") }
        // Labels name the file at a commit, so a new commit is a new key.
        if !externalValues.isEmpty { parts.append("valuesFrom=\(externalValues.map(\.label).joined(separator: ","))") }
        if let capabilities {
            // A stable digest (hashValue is seeded per process; the cache outlives it).
            var hash: UInt64 = 0xcbf29ce484222325
            for byte in capabilities.apiVersions.joined(separator: ",").utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
            parts.append("kube=\(capabilities.kubeVersion ?? "");apis=\(capabilities.apiVersions.count):\(String(hash, radix: 16))")
        }
        if let jsonnet {
            parts.append("jsonnet=\(jsonnet.extVars.sorted { $0.key < $1.key })|\(jsonnet.tlas.sorted { $0.key < $1.key })|\(jsonnet.libs)")
        }
        if let directory { parts.append("directory=\(directory.recurse)|\(directory.include ?? "")|\(directory.exclude ?? "")") }
        return parts.joined(separator: ";")
    }
}

/// Rendered manifests, with notes about what was skipped.
public struct RenderOutput: Sendable {
    public var resources: [Resource]
    public var renderer: RenderKind
    public var notes: [String]

    public init(resources: [Resource], renderer: RenderKind, notes: [String]) {
        self.resources = resources
        self.renderer = renderer
        self.notes = notes
    }
}

/// Turns a tree of files into manifests: plain YAML/JSON, Kustomize or Helm.
public struct Renderer: Sendable {
    /// Where tools get a private copy of the tree (under the data directory).
    public let workDirectory: URL
    /// Runs on a chart's folder before `helm template` (the engine places its dependencies in `charts/`).
    public var prepareChart: (@Sendable (URL) async throws -> Void)?
    /// Where to look for `helm`, `jsonnet`, `kustomize` (a PATH); nil: the process's PATH.
    public var toolPath: String?

    public init(workDirectory: URL) { self.workDirectory = workDirectory }

    public func render(_ request: RenderRequest, from source: any ManifestSource) async throws -> RenderOutput {
        let path = try Self.normalize(request.path)
        let kind: RenderKind
        if let requested = request.kind { kind = requested } else { kind = try await detect(path: path, in: source) }
        switch kind {
        case .plain:
            return try await PlainRenderer(options: request.directory ?? DirectoryOptions()).render(path: path, from: source)
        case .jsonnet:
            return try await JsonnetRenderer(toolPath: toolPath).render(path: path, options: request.jsonnet ?? JsonnetOptions(),
                                                      directory: request.directory ?? DirectoryOptions(), from: source,
                                                      workDirectory: workDirectory)
        case .kustomize, .helm:
            let scratch = workDirectory.appendingPathComponent("render-\(UUID().uuidString.prefix(12))")
            defer { try? FileManager.default.removeItem(at: scratch) }
            try await source.materialize(into: scratch)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: scratch.appendingPathComponent(path).path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RenderError(file: path, message: "no such folder in \(source.displayName)")
            }
            if kind == .kustomize {
                return try await KustomizeRenderer().render(directory: scratch, path: path, displayPath: path)
            }
            if let prepareChart { try await prepareChart(scratch.appendingPathComponent(path)) }
            return try await HelmRenderer(toolPath: toolPath).render(
                directory: scratch, path: path, options: request.helm ?? HelmOptions(), releaseName: request.releaseName,
                namespace: request.namespace, externalValues: request.externalValues, capabilities: request.capabilities)
        case .nomad:
            return try await NomadJobFileRenderer().render(path: path, varsFile: request.varsFile, from: source)
        }
    }

    /// Plain unless the folder itself holds a kustomization, a Helm chart or Nomad job files.
    func detect(path: String, in source: any ManifestSource) async throws -> RenderKind {
        let files = try await source.list(path: path)
        let prefix = path == "." ? "" : path + "/"
        let names = Set(files.compactMap { file -> String? in
            guard file.path.hasPrefix(prefix) else { return nil }
            let rest = file.path.dropFirst(prefix.count)
            return rest.contains("/") ? nil : String(rest)
        })
        if !names.isDisjoint(with: ["kustomization.yaml", "kustomization.yml", "Kustomization"]) { return .kustomize }
        if names.contains("Chart.yaml") { return .helm }
        if names.contains(where: { $0.hasSuffix(".jsonnet") }) { return .jsonnet }
        if names.contains(where: NomadJobFileRenderer.isJobFile) { return .nomad }
        return .plain
    }

    /// A path inside the tree, without `.` parts; `..` or an absolute path is an error.
    public static func normalize(_ path: String) throws -> String {
        if path.hasPrefix("/") { throw RenderError(file: path, message: "the path must be relative to the repository root") }
        var parts: [Substring] = []
        for component in path.split(separator: "/") {
            if component == "." { continue }
            if component == ".." { throw RenderError(file: path, message: "the path leaves the repository; remove the '..'") }
            parts.append(component)
        }
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
