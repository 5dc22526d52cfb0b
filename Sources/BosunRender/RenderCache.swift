import BosunCore
import Crypto
import Foundation

/// Renders kept in memory and on disk, keyed by (source id, path, renderer, parameters), so the
/// same key never runs git or a renderer twice. The source id is a commit, or a tree id when
/// the render reads only its own folder (then a commit that leaves the folder alone hits).
public actor RenderCache {
    public struct Key: Sendable, Hashable, CustomStringConvertible {
        public var sourceID: String
        public var parameters: String
        public init(sourceID: String, request: RenderRequest) {
            self.sourceID = sourceID
            parameters = request.parameters
        }
        public var description: String { "\(sourceID)|\(parameters)" }
        var fileName: String {
            SHA256.hash(data: Data(description.utf8)).map { String(format: "%02x", $0) }.joined() + ".json"
        }
    }

    let directory: URL?
    var memory: [Key: RenderOutput] = [:]
    var order: [Key] = []
    let memoryLimit: Int
    public private(set) var hits = 0
    public private(set) var misses = 0

    /// `directory` nil keeps renders in memory only.
    public init(directory: URL?, memoryLimit: Int = 512) {
        self.directory = directory
        self.memoryLimit = memoryLimit
        if let directory { try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    }

    public func get(_ key: Key) -> RenderOutput? {
        if let hit = memory[key] {
            hits += 1
            return hit
        }
        if let directory, let data = try? Data(contentsOf: directory.appendingPathComponent(key.fileName)),
            let output = try? Self.decode(data)
        {
            hits += 1
            remember(key, output)
            return output
        }
        misses += 1
        return nil
    }

    public func put(_ key: Key, _ output: RenderOutput) {
        remember(key, output)
        guard let directory else { return }
        let url = directory.appendingPathComponent(key.fileName)
        // Atomic write: a crash leaves either the old entry or the new one, never half of one.
        try? Self.encode(output, key: key).write(to: url, options: .atomic)
    }

    /// Keeps a render under a second key in memory only (the render itself is on disk under its own key).
    public func alias(_ key: Key, _ output: RenderOutput) { remember(key, output) }

    /// Returns the cached render or runs `render` once and keeps the result.
    public func render(_ key: Key, _ render: @Sendable () async throws -> RenderOutput) async throws -> RenderOutput {
        if let hit = get(key) { return hit }
        let output = try await render()
        put(key, output)
        return output
    }

    func remember(_ key: Key, _ output: RenderOutput) {
        if memory[key] == nil { order.append(key) }
        memory[key] = output
        if order.count > memoryLimit {
            memory[order.removeFirst()] = nil
        }
    }

    static func encode(_ output: RenderOutput, key: Key) -> Data {
        let resources: [JSONValue] = output.resources.map { r in
            var entry: JSONObject = ["body": r.value]
            if let source = r.source {
                entry["file"] = .string(source.file)
                entry["line"] = .int(source.line)
            }
            return .object(entry)
        }
        let value: JSONValue = [
            "key": .string(key.description), "renderer": .string(output.renderer.rawValue),
            "notes": .array(output.notes.map(JSONValue.string)), "resources": .array(resources),
        ]
        return value.jsonData()
    }

    static func decode(_ data: Data) throws -> RenderOutput {
        let value = try JSONParser.parse(data)
        guard let kind = value["renderer"]?.stringValue.flatMap(RenderKind.init(rawValue:)),
            let items = value["resources"]?.arrayValue
        else { throw RenderError(message: "unreadable cache entry") }
        let resources = items.compactMap { item -> Resource? in
            guard let body = item["body"] else { return nil }
            let source = item["file"]?.stringValue.map { SourceLocation(file: $0, line: item["line"]?.intValue ?? 1) }
            return Resource(body, source: source)
        }
        return RenderOutput(resources: resources, renderer: kind, notes: value["notes"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}
