/// Resources packed for keeping: their bodies and source locations in one `PackedJSON` buffer
/// (a file name kept as a string per resource would cost more than its bytes), their decrypted
/// places beside it, so unpacking gives back the same resources.
public struct PackedResources: Sendable {
    private let packed: PackedJSON
    public let count: Int
    private let sensitive: [Int: SensitiveFields]

    public init(_ resources: [Resource]) {
        // Each resource as [body, file, line]; file and line null without a source.
        packed = PackedJSON(.array(resources.map { resource in
            .array([resource.value, resource.source.map { .string($0.file) } ?? .null, resource.source.map { .int($0.line) } ?? .null])
        }))
        count = resources.count
        var sensitive: [Int: SensitiveFields] = [:]
        for (i, resource) in resources.enumerated() where resource.sensitive != nil { sensitive[i] = resource.sensitive }
        self.sensitive = sensitive
    }

    public var resources: [Resource] {
        let items = packed.value.arrayValue ?? []
        var result: [Resource] = []
        result.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            guard let parts = item.arrayValue, parts.count == 3 else { continue }
            let source = parts[1].stringValue.map { SourceLocation(file: $0, line: parts[2].intValue ?? 0) }
            guard var resource = Resource(parts[0], source: source) else { continue }
            resource.sensitive = sensitive[i]
            result.append(resource)
        }
        return result
    }
}
