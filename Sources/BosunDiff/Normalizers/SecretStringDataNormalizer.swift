import BosunCore
import Foundation

/// The API server stores a Secret's `stringData` base64-encoded under `data` and never returns
/// `stringData`; rewriting it the same way on every side compares like with like.
public struct SecretStringDataNormalizer: Normalizer {
    public var name: String { "secret-string-data" }

    public init() {}

    public func normalize(_ resource: Resource) -> Resource {
        guard SecretMasking.isSecret(resource), case .object(let stringData) = resource.body["stringData"] else {
            return resource
        }
        var body = resource.body
        var data = body["data"]?.objectValue ?? JSONObject()
        for entry in stringData {
            // stringData wins over data for the same key, as the API server merges them.
            let text = entry.value.stringValue ?? entry.value.jsonString()
            data[entry.key] = .string(Data(text.utf8).base64EncodedString())
        }
        body["stringData"] = nil
        body["data"] = .object(data)
        return Resource(body, source: resource.source)
    }
}
