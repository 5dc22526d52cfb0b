import BosunCore

/// Drops what the API server (or a controller) writes on every object, which is never drift:
/// `status`, identity and bookkeeping metadata, and the annotations kubectl and the
/// Deployment controller maintain.
public struct ServerFieldsNormalizer: Normalizer {
    public static let metadataFields: Set<String> = [
        "uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
        "deletionGracePeriodSeconds", "deletionTimestamp",
    ]
    public static let annotations: Set<String> = [
        "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision",
    ]

    public var name: String { "server-fields" }

    public init() {}

    public func normalize(_ resource: Resource) -> Resource {
        var body = resource.body
        body["status"] = nil
        if case .object(var metadata) = body["metadata"] {
            let before = metadata.count
            metadata.removeAll { Self.metadataFields.contains($0.key) }
            var touched = metadata.count != before
            if case .object(var annotations) = metadata["annotations"],
                annotations.keys.contains(where: Self.annotations.contains)
            {
                annotations.removeAll { Self.annotations.contains($0.key) }
                if annotations.isEmpty {
                    metadata["annotations"] = Optional<JSONValue>.none
                } else {
                    metadata["annotations"] = .object(annotations)
                }
                touched = true
            }
            if touched { body["metadata"] = .object(metadata) }
        }
        return Resource(body, source: resource.source)
    }
}
