/// Where a rendered resource came from, so errors and diffs can point at the file and line.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public init(file: String, line: Int) {
        self.file = file
        self.line = line
    }
    public var description: String { "\(file):\(line)" }
}

/// A manifest: an ordered JSON object with typed accessors for the fields Bosun reads.
public struct Resource: Sendable, Hashable {
    public var body: JSONObject
    public var source: SourceLocation?

    public init(_ body: JSONObject, source: SourceLocation? = nil) {
        self.body = body
        self.source = source
    }

    /// A resource from any JSON value; nil when it is not an object.
    public init?(_ value: JSONValue, source: SourceLocation? = nil) {
        guard case .object(let object) = value else { return nil }
        self.init(object, source: source)
    }

    public var value: JSONValue { .object(body) }

    public var apiVersion: String { body["apiVersion"]?.stringValue ?? "" }
    public var kind: String { body["kind"]?.stringValue ?? "" }
    /// The API group: the part of apiVersion before `/`, empty for `v1`.
    public var group: String { Resource.group(ofAPIVersion: apiVersion) }
    public var version: String {
        let v = apiVersion
        guard let slash = v.lastIndex(of: "/") else { return v }
        return String(v[v.index(after: slash)...])
    }

    public var metadata: JSONObject { body["metadata"]?.objectValue ?? JSONObject() }
    /// `metadata.name`; for a hook created under `metadata.generateName`, that prefix (the
    /// server picks the name when it creates the object).
    public var name: String { metadata["name"]?.stringValue ?? metadata["generateName"]?.stringValue ?? "" }
    /// Whether the server names the object on creation (`generateName` and no `name`).
    public var hasGeneratedName: Bool { metadata["name"] == nil && metadata["generateName"]?.stringValue?.isEmpty == false }
    public var namespace: String { metadata["namespace"]?.stringValue ?? "" }

    public var labels: [String: String] { stringMap(metadata["labels"]) }
    public var annotations: [String: String] { stringMap(metadata["annotations"]) }

    public func annotation(_ name: String) -> String? { metadata["annotations"]?[name]?.stringValue }
    public func label(_ name: String) -> String? { metadata["labels"]?[name]?.stringValue }

    public var key: ResourceKey { ResourceKey(group: group, kind: kind, namespace: namespace, name: name) }

    public subscript(path: String...) -> JSONValue? { value[path: path] }

    public static func group(ofAPIVersion apiVersion: String) -> String {
        guard let slash = apiVersion.lastIndex(of: "/") else { return "" }
        return String(apiVersion[..<slash])
    }

    // MARK: Mutation

    public mutating func setNamespace(_ namespace: String) { setMetadata("namespace", .string(namespace)) }

    public mutating func setLabel(_ name: String, _ value: String?) { setMetadataMapEntry("labels", name, value) }

    public mutating func setAnnotation(_ name: String, _ value: String?) { setMetadataMapEntry("annotations", name, value) }

    public mutating func setMetadata(_ field: String, _ value: JSONValue?) {
        var meta = metadata
        meta[field] = value
        body["metadata"] = .object(meta)
    }

    mutating func setMetadataMapEntry(_ field: String, _ name: String, _ value: String?) {
        var map = metadata[field]?.objectValue ?? JSONObject()
        map[name] = value.map(JSONValue.string)
        setMetadata(field, map.isEmpty ? nil : .object(map))
    }

    private func stringMap(_ value: JSONValue?) -> [String: String] {
        guard let object = value?.objectValue else { return [:] }
        var result: [String: String] = [:]
        for entry in object {
            if let s = entry.value.stringValue { result[entry.key] = s }
        }
        return result
    }
}

/// The annotations and labels Bosun reads and writes on manifests, with the Argo CD
/// spellings it also honours so existing repositories work unchanged.
public enum Annotations {
    public static let appLabel = "bosun.dev/app"
    public static let trackingID = "bosun.dev/tracking-id"
    public static let syncWave = "bosun.dev/sync-wave"
    public static let hook = "bosun.dev/hook"
    public static let hookDeletePolicy = "bosun.dev/hook-delete-policy"
    public static let prune = "bosun.dev/prune"
    public static let ignoreHealth = "bosun.dev/ignore-health"

    public static let argoSyncWave = "argocd.argoproj.io/sync-wave"
    public static let argoHook = "argocd.argoproj.io/hook"
    public static let argoHookDeletePolicy = "argocd.argoproj.io/hook-delete-policy"
    public static let argoSyncOptions = "argocd.argoproj.io/sync-options"
    public static let argoCompareOptions = "argocd.argoproj.io/compare-options"

    /// `<app>:<group>/<kind>:<namespace>/<name>`, as Argo CD writes its annotation tracking id.
    public static func trackingID(app: String, key: ResourceKey) -> String {
        "\(app):\(key.group)/\(key.kind):\(key.namespace)/\(key.name)"
    }
}

extension Resource {
    /// The first of the Bosun or Argo CD annotations that is set.
    public func annotation(_ bosun: String, or argo: String) -> String? {
        annotation(bosun) ?? annotation(argo)
    }

    /// The sync wave; 0 when unset or not a number.
    public var syncWave: Int {
        Int(annotation(Annotations.syncWave, or: Annotations.argoSyncWave)?.trimmingSpaces ?? "") ?? 0
    }

    public var isPruneDisabled: Bool {
        annotation(Annotations.prune) == "false"
            || annotation(Annotations.argoSyncOptions)?.contains("Prune=false") == true
    }

    public var isHealthIgnored: Bool { annotation(Annotations.ignoreHealth) == "true" }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
