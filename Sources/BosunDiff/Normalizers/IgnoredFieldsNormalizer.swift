import BosunCore

/// Removes the fields an application's `ignoreDifferences` names from matching resources, on
/// every side, so they are never compared. Pointers that are not valid RFC 6901 are skipped
/// here; configuration validation reports them (see `JSONPointer.init`).
public struct IgnoredFieldsNormalizer: Normalizer {
    /// The rules; each applies to the resources it matches.
    public var rules: [IgnoreDifference]

    public var name: String { "ignore-differences" }

    public init(_ rules: [IgnoreDifference]) { self.rules = rules }

    public func normalize(_ resource: Resource) -> Resource {
        let key = resource.key
        var value = resource.value
        for rule in rules where rule.matches(key) {
            for text in rule.jsonPointers {
                guard let pointer = try? JSONPointer(text) else { continue }
                value = pointer.removing(from: value)
            }
        }
        return Resource(value.objectValue ?? JSONObject(), source: resource.source)
    }
}
