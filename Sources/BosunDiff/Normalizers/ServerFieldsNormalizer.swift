import BosunCore

/// Drops what the API server (or a controller) writes on every object, which is never drift:
/// `status`, identity and bookkeeping metadata, and the annotations kubectl and the
/// Deployment controller maintain.
public struct ServerFieldsNormalizer: Normalizer {
    /// Metadata fields only the API server writes.
    public static let metadataFields: Set<String> = [
        "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
        "deletionGracePeriodSeconds", "deletionTimestamp",
    ]
    /// Annotations kubectl and controllers maintain.
    public static let annotations: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision",
    ]

    public var name: String { "server-fields" }

    public init() {}

    public func normalize(_ resource: Resource) -> Resource {
        var body = resource.body
        if body.index(of: "status") != nil { body["status"] = Optional<JSONValue>.none }
        if case .object(var metadata) = body["metadata"], Self.hasServerFields(metadata) {
            metadata.removeAll { Self.metadataFields.contains($0.key) }
            if case .object(var annotations) = metadata["annotations"] {
                annotations.removeAll { Self.annotations.contains($0.key) }
                if annotations.isEmpty {
                    metadata["annotations"] = Optional<JSONValue>.none
                } else {
                    metadata["annotations"] = .object(annotations)
                }
            }
            body["metadata"] = .object(metadata)
        }
        return Resource(body, source: resource.source)
    }

    /// Checked first so objects without server fields (desired, last-applied) are not copied.
    static func hasServerFields(_ metadata: JSONObject) -> Bool {
        for entry in metadata {
            if metadataFields.contains(entry.key) { return true }
            if entry.key == "annotations", case .object(let annotations) = entry.value,
                annotations.keys.contains(where: Self.annotations.contains)
            {
                return true
            }
        }
        return false
    }
}
