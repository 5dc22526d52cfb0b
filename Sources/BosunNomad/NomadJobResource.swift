import BosunCore
import Foundation

/// How a Nomad job looks to the engine: a resource `apiVersion: nomad/v1, kind: Job` (key
/// `nomad/Job/<namespace>/<job id>`), the API job under `spec`, Bosun's label and tracking id
/// kept in the job's `Meta` (`bosun.app`, `bosun.tracking-id`, `bosun.commit`).
public enum NomadJobResource {
    public static let apiVersion = "nomad/v1"
    public static let kind = "Job"
    public static let metaApp = "bosun.app"
    public static let metaTrackingID = "bosun.tracking-id"
    public static let metaCommit = "bosun.commit"
    /// Where the live job's `bosun.commit` shows (live only, so it never reads as drift).
    public static let commitAnnotation = "nomad.bosun.dev/commit"

    /// The key of job `id` in `namespace`.
    public static func key(namespace: String, id: String) -> ResourceKey {
        ResourceKey(group: "nomad", kind: kind, namespace: namespace, name: id)
    }

    /// A resource for an API job as Git declares it: unset (null or empty) fields dropped, so the
    /// three-way diff compares only what the file says, and `Stop: false` so a stopped job is drift.
    public static func desired(job: JSONObject, defaultNamespace: String, source: SourceLocation?) -> Resource {
        var job = NomadNormalizer.withoutServerFields(NomadNormalizer.droppingUnset(job))
        let namespace = job["Namespace"]?.stringValue ?? defaultNamespace
        job["Namespace"] = .string(namespace)
        if job["Stop"] == nil { job["Stop"] = false }
        NomadNormalizer.dropJobLevelUpdate(&job)
        let body: JSONObject = [
            "apiVersion": .string(apiVersion), "kind": .string(kind),
            "metadata": ["name": job["ID"] ?? "", "namespace": .string(namespace)],
            "spec": .object(job),
        ]
        return Resource(body, source: source)
    }

    /// The resource for a job read from Nomad: server-set fields removed, Bosun's meta moved back
    /// to the label and annotations.
    public static func live(job: JSONObject) -> Resource {
        var spec = NomadNormalizer.withoutServerFields(job)
        NomadNormalizer.dropJobLevelUpdate(&spec)
        var meta = spec["Meta"]?.objectValue ?? JSONObject()
        let app = meta[metaApp]?.stringValue
        let tracking = meta[metaTrackingID]?.stringValue
        let commit = meta[metaCommit]?.stringValue
        meta.removeAll { $0.key.hasPrefix("bosun.") }
        if meta.isEmpty { spec["Meta"] = Optional<JSONValue>.none } else { spec["Meta"] = .object(meta) }
        var metadata: JSONObject = ["name": job["ID"] ?? "", "namespace": job["Namespace"] ?? "default"]
        if let app { metadata["labels"] = [Annotations.appLabel: .string(app)] }
        var annotations = JSONObject()
        if let tracking { annotations[Annotations.trackingID] = .string(tracking) }
        if let commit { annotations[commitAnnotation] = .string(commit) }
        if !annotations.isEmpty { metadata["annotations"] = .object(annotations) }
        return Resource(["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata), "spec": .object(spec)])
    }

    /// The API job to register for a desired resource: its spec with Bosun's meta added.
    public static func apiJob(_ resource: Resource, commit: String) -> JSONObject {
        var job = resource.body["spec"]?.objectValue ?? JSONObject()
        var meta = job["Meta"]?.objectValue ?? JSONObject()
        if let app = resource.label(Annotations.appLabel) { meta[metaApp] = .string(app) }
        if let tracking = resource.annotation(Annotations.trackingID) { meta[metaTrackingID] = .string(tracking) }
        if !commit.isEmpty { meta[metaCommit] = .string(commit) }
        if !meta.isEmpty { job["Meta"] = .object(meta) }
        return job
    }
}

/// The small normalisers that make a live job comparable with the job in Git.
public enum NomadNormalizer {
    /// Fields Nomad's servers set: never written in a job file, never drift.
    public static let serverFields: Set<String> = [
        "Status", "StatusDescription", "Stable", "Version", "SubmitTime", "CreateIndex", "ModifyIndex", "JobModifyIndex",
        "NomadTokenID", "VersionTag", "ParentID", "Dispatched", "DispatchIdempotencyToken",
    ]

    /// The job without server-set fields.
    public static func withoutServerFields(_ job: JSONObject) -> JSONObject {
        var out = job
        out.removeAll { serverFields.contains($0.key) }
        return out
    }

    /// Nomad copies a job-level `update` into each group and keeps only a stub at the job level,
    /// so the groups' copies are what is compared.
    public static func dropJobLevelUpdate(_ job: inout JSONObject) { job["Update"] = nil }

    /// Drops nulls, empty strings and containers left empty by that, recursively: the Go API
    /// writes every unset field, and an unset field is not a claim about the live value.
    public static func droppingUnset(_ object: JSONObject) -> JSONObject {
        var out = JSONObject()
        for entry in object {
            if let value = droppingUnset(entry.value) { out[entry.key] = value }
        }
        return out
    }

    static func droppingUnset(_ value: JSONValue) -> JSONValue? {
        switch value {
        case .null: return nil
        // (No `? nil :` here: JSONValue is nil-literal-expressible, so that would yield `.null`.)
        case .string(let s):
            if s.isEmpty { return nil }
            return value
        case .object(let o):
            let cleaned = droppingUnset(o)
            if cleaned.isEmpty { return nil }
            return .object(cleaned)
        case .array(let a):
            if a.isEmpty { return nil }
            // Keep list positions: an element that is all defaults stays as an empty object.
            return .array(a.map { droppingUnset($0) ?? .object(JSONObject()) })
        default: return value
        }
    }
}
