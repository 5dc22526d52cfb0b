import BosunCore

/// A Secret's `data` key whose value is empty: Git writes `""`, and the API server may return
/// `null` (an empty byte string comes back as nothing). Both mean the same empty value, so every
/// side reads `""`.
public struct SecretEmptyDataNormalizer: Normalizer {
    public var name: String { "secret-empty-data" }

    public init() {}

    public func normalize(_ resource: Resource) -> Resource {
        guard SecretMasking.isSecret(resource), case .object(var data) = resource.body["data"],
            data.contains(where: { $0.value.isNull })
        else { return resource }
        for entry in data where entry.value.isNull { data[entry.key] = .string("") }
        var body = resource.body
        body["data"] = .object(data)
        return Resource(body, source: resource.source)
    }
}
