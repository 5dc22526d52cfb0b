import BosunCore
import Foundation

/// Every `*.yaml`, `*.yml` and `*.json` under a path, recursively, in a stable order.
/// Each resource remembers its file and line.
struct PlainRenderer {
    static let maxDocumentBytes = 10 << 20
    static let manifestExtensions: Set<String> = ["yaml", "yml", "json"]
    var options = DirectoryOptions()

    func render(path: String, from source: any ManifestSource) async throws -> RenderOutput {
        let files = options.selected(try await source.list(path: path), under: path)
        var notes: [String] = []
        var wanted: [(file: String, readFrom: String)] = []
        var ignored: [String] = []
        for file in files.sorted(by: { $0.path.utf8.lexicographicallyPrecedes($1.path.utf8) }) {
            guard let ext = file.path.split(separator: ".").last.map({ $0.lowercased() }),
                Self.manifestExtensions.contains(ext), file.path.split(separator: "/").last?.contains(".") == true
            else {
                ignored.append(file.path)
                continue
            }
            switch file.kind {
            case .regular:
                wanted.append((file.path, file.path))
            case .symlink(let target):
                wanted.append((file.path, try Self.resolveSymlink(file.path, target: target)))
            case .other:
                notes.append("\(file.path): skipped (not a regular file)")
            }
        }
        let contents = try await source.read(Array(Set(wanted.map(\.readFrom))), maxSize: Self.maxDocumentBytes)
        var resources: [Resource] = []
        var seen: [ResourceKey: SourceLocation] = [:]
        for (file, readFrom) in wanted {
            guard let data = contents[readFrom] else { throw RenderError(file: file, message: "could not be read") }
            if data.contains(0) {
                notes.append("\(file): skipped (binary file)")
                continue
            }
            guard let text = String(validating: data, as: UTF8.self) else {
                throw RenderError(file: file, message: "is not valid UTF-8 text; save it as UTF-8")
            }
            for resource in try Self.parse(text, file: file) {
                let key = resource.key
                if let first = seen[key] {
                    throw RenderError(
                        file: file, line: resource.source?.line,
                        message: "\(key.shortDescription) is declared twice: here and at \(first); keep one")
                }
                seen[key] = resource.source
                resources.append(resource)
            }
        }
        // A folder that yields nothing says what it passed over and why, never "0 resources" alone.
        if resources.isEmpty && !ignored.isEmpty {
            let shown = ignored.prefix(10).joined(separator: ", ") + (ignored.count > 10 ? " and \(ignored.count - 10) more" : "")
            notes.append("skipped \(ignored.count == 1 ? "1 file" : "\(ignored.count) files") that are not .yaml, .yml or .json manifests: \(shown)")
        }
        return RenderOutput(resources: resources, renderer: .plain, notes: notes)
    }

    /// The target of a symlink, as a path from the root; an error when it leaves the tree.
    static func resolveSymlink(_ path: String, target: String) throws -> String {
        if target.hasPrefix("/") {
            throw RenderError(file: path, message: "is a symlink to \(target), outside the repository")
        }
        var parts = path.split(separator: "/").dropLast().map(String.init)
        for component in target.split(separator: "/") {
            switch component {
            case ".": continue
            case "..":
                if parts.isEmpty { throw RenderError(file: path, message: "is a symlink to \(target), outside the repository") }
                parts.removeLast()
            default: parts.append(String(component))
            }
        }
        return parts.joined(separator: "/")
    }

    /// The manifests in one file: YAML (multi-document) or JSON; `kind: List` is expanded.
    static func parse(_ text: String, file: String) throws -> [Resource] {
        let documents: [YAMLDocument]
        if file.lowercased().hasSuffix(".json") {
            do {
                documents = [YAMLDocument(value: try JSONParser.parse(YAMLDecoder.withoutByteOrderMark(text)), line: 1)]
            } catch {
                throw RenderError(file: file, line: error.line, message: "invalid JSON: \(error.message) (column \(error.column))")
            }
        } else {
            do {
                documents = try YAMLDecoder().documents(text)
            } catch {
                throw RenderError(file: file, line: error.line > 0 ? error.line : nil, message: "invalid YAML: \(error.message)")
            }
        }
        var resources: [Resource] = []
        for document in documents {
            let location = SourceLocation(file: file, line: document.line)
            let items: [JSONValue]
            if case .array(let list) = document.value {
                items = list
            } else if document.value["kind"]?.stringValue == "List", let list = document.value["items"]?.arrayValue {
                items = list
            } else {
                items = [document.value]
            }
            for item in items {
                resources.append(try validated(item, at: location))
            }
        }
        return resources
    }

    static func validated(_ value: JSONValue, at location: SourceLocation) throws -> Resource {
        guard case .object = value, let resource = Resource(value, source: location) else {
            throw RenderError(file: location.file, line: location.line, message: "expected a manifest (a mapping), found a \(value.typeName)")
        }
        var missing: [String] = []
        if resource.body["apiVersion"]?.stringValue?.isEmpty != false { missing.append("apiVersion") }
        if resource.body["kind"]?.stringValue?.isEmpty != false { missing.append("kind") }
        let generated = resource.metadata["name"]?.stringValue?.isEmpty != false && resource.metadata["generateName"]?.stringValue?.isEmpty == false
        if generated {
            // A new object each run: only hooks are run that way; a kept resource needs a name to be kept by.
            let isHook = resource.annotation(Annotations.hook, or: Annotations.argoHook) != nil || resource.annotation("helm.sh/hook") != nil
            if !isHook {
                throw RenderError(
                    file: location.file, line: location.line,
                    message: "\(resource.kind) with metadata.generateName \"\(resource.metadata["generateName"]?.stringValue ?? "")\" is not a hook; only hooks (bosun.dev/hook, argocd.argoproj.io/hook, helm.sh/hook) may have a generated name: give it metadata.name, or make it a hook")
            }
        } else if resource.metadata["name"]?.stringValue?.isEmpty != false {
            missing.append("metadata.name")
        }
        if !missing.isEmpty {
            throw RenderError(
                file: location.file, line: location.line,
                message: "the document has no \(missing.joined(separator: ", ")); every manifest needs apiVersion, kind and metadata.name")
        }
        if resource.name.contains("/") {
            throw RenderError(file: location.file, line: location.line, message: "metadata.name \"\(resource.name)\" may not contain '/'")
        }
        return resource
    }
}

/// Manifests in a text, as the plain renderer reads a file: YAML (multi-document) or JSON,
/// `kind: List` expanded, each checked for apiVersion, kind and metadata.name.
public enum Manifests {
    public static func parse(_ text: String, file: String) throws -> [Resource] {
        try PlainRenderer.parse(text, file: file)
    }
}
