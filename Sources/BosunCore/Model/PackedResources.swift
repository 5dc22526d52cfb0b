/// Resources packed for keeping: their bodies in one `PackedJSON` buffer, their source
/// locations and decrypted places beside it, so unpacking gives back the same resources.
public struct PackedResources: Sendable {
    private let bodies: PackedJSON
    private let sources: [SourceLocation?]
    private let sensitive: [Int: SensitiveFields]

    public init(_ resources: [Resource]) {
        bodies = PackedJSON(.array(resources.map(\.value)))
        sources = resources.map(\.source)
        var sensitive: [Int: SensitiveFields] = [:]
        for (i, resource) in resources.enumerated() where resource.sensitive != nil { sensitive[i] = resource.sensitive }
        self.sensitive = sensitive
    }

    public var count: Int { sources.count }

    public var resources: [Resource] {
        let values = bodies.value.arrayValue ?? []
        var result: [Resource] = []
        result.reserveCapacity(values.count)
        for (i, value) in values.enumerated() {
            guard var resource = Resource(value, source: i < sources.count ? sources[i] : nil) else { continue }
            resource.sensitive = sensitive[i]
            result.append(resource)
        }
        return result
    }
}
