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

    /// `directory` nil keeps renders in memory only. Few are kept in memory: an application keeps
    /// its own desired state between looks, so a memory hit only spares a render shared by
    /// several applications or a commit that left the folder alone, which the disk serves too.
    public init(directory: URL?, memoryLimit: Int = 64) {
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
        // Plaintext (decrypted for Kustomize) never goes to disk.
        guard let directory, !output.holdsPlaintext else { return }
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

    /// An entry is JSON lines: a header, then one line per resource, so a restart decodes the
    /// lines on every core at once.
    static func encode(_ output: RenderOutput, key: Key) -> Data {
        let header: JSONValue = [
            "format": .string(formatVersion), "key": .string(key.description), "renderer": .string(output.renderer.rawValue),
            "notes": .array(output.notes.map(JSONValue.string)), "count": .int(output.resources.count),
        ]
        var text = header.jsonString()
        for r in output.resources {
            var entry: JSONObject = [:]
            if let source = r.source {
                entry["file"] = .string(source.file)
                entry["line"] = .int(source.line)
            }
            entry["body"] = r.value
            text += "\n" + JSONValue.object(entry).jsonString()
        }
        return Data(text.utf8)
    }

    static let formatVersion = "bosun-render-cache/2"

    static func decode(_ data: Data) throws -> RenderOutput {
        let unreadable = RenderError(message: "unreadable cache entry")
        return try data.withUnsafeBytes { raw throws -> RenderOutput in
            let bytes = raw.bindMemory(to: UInt8.self)
            var lines: [Range<Int>] = []
            var start = 0
            for i in bytes.indices where bytes[i] == UInt8(ascii: "\n") {
                lines.append(start..<i)
                start = i + 1
            }
            lines.append(start..<bytes.count)
            let header = try JSONParser.parse(bytes: UnsafeBufferPointer(rebasing: bytes[lines[0]]))
            guard header["format"]?.stringValue == formatVersion,
                let kind = header["renderer"]?.stringValue.flatMap(RenderKind.init(rawValue:)),
                header["count"]?.intValue == lines.count - 1
            else { throw unreadable }
            let resources = try parseInParallel(lines.dropFirst(), of: bytes).map { item throws -> Resource in
                guard let body = item["body"], let resource = Resource(body, source: item["file"]?.stringValue.map {
                    SourceLocation(file: $0, line: item["line"]?.intValue ?? 1)
                }) else { throw unreadable }
                return resource
            }
            return RenderOutput(resources: resources, renderer: kind, notes: header["notes"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
    }

    /// Parses each line on its own, the lines split in one contiguous chunk per core.
    static func parseInParallel(_ lines: ArraySlice<Range<Int>>, of bytes: UnsafeBufferPointer<UInt8>) throws -> [JSONValue] {
        let lines = Array(lines)
        let chunks = max(1, min(ProcessInfo.processInfo.activeProcessorCount, lines.count / 256))
        let results = ChunkResults(count: chunks)
        nonisolated(unsafe) let shared = bytes
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let range = (lines.count * chunk / chunks)..<(lines.count * (chunk + 1) / chunks)
            results.set(chunk, Result { try lines[range].map { try JSONParser.parse(bytes: UnsafeBufferPointer(rebasing: shared[$0])) } })
        }
        return try results.values.flatMap { try $0.get() }
    }
}

/// One slot per chunk, filled from concurrent workers.
private final class ChunkResults: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<[JSONValue], any Error>]
    init(count: Int) { slots = Array(repeating: .success([]), count: count) }
    func set(_ index: Int, _ result: Result<[JSONValue], any Error>) { lock.withLock { slots[index] = result } }
    var values: [Result<[JSONValue], any Error>] { lock.withLock { slots } }
}
