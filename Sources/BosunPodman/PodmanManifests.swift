import BosunCore
import Crypto
import Foundation

/// What `podman kube play` is given, and the checks made before anything is sent: the kinds it
/// understands, host paths and privileged containers the target allows, the ConfigMaps and
/// Secrets each workload uses, and the hash of everything a pod depends on.
enum PodmanManifests {
    /// The label holding the hash of a workload's spec and of the ConfigMaps and Secrets it uses.
    static let hashLabel = "bosun.dev/spec-hash"
    /// On every pod Bosun plays, so the events stream can be filtered to Bosun's own.
    static let managedLabel = "bosun.dev/managed-by"
    static let managedValue = "bosun"

    /// The kinds kube play understands (as Bosun plays them), by group.
    static let supported: [(group: String, kind: String)] = [
        ("", "Pod"), ("apps", "Deployment"), ("", "ConfigMap"), ("", "Secret"), ("", "PersistentVolumeClaim"),
    ]
    static var supportedList: String { "v1 Pod, apps/v1 Deployment, v1 ConfigMap, v1 Secret, v1 PersistentVolumeClaim" }

    static func isWorkload(_ key: ResourceKey) -> Bool {
        (key.group == "" && key.kind == "Pod") || (key.group == "apps" && key.kind == "Deployment")
    }

    /// The pod spec of a Pod or of a Deployment's template.
    static func podSpec(_ body: JSONObject) -> JSONObject? {
        if body["kind"]?.stringValue == "Deployment" { return body["spec"]?["template"]?["spec"]?.objectValue }
        return body["spec"]?.objectValue
    }

    static func containers(_ spec: JSONObject, initContainers: Bool = true) -> [JSONObject] {
        let main = spec["containers"]?.arrayValue ?? []
        let first = initContainers ? (spec["initContainers"]?.arrayValue ?? []) : []
        return (first + main).compactMap(\.objectValue)
    }

    /// The ConfigMaps and Secrets a pod spec names (env, envFrom, volumes), with whether each is optional.
    static func references(_ spec: JSONObject) -> (configMaps: [String: Bool], secrets: [String: Bool]) {
        var configMaps: [String: Bool] = [:]
        var secrets: [String: Bool] = [:]
        func note(_ into: inout [String: Bool], _ name: String?, _ optional: JSONValue?) {
            guard let name, !name.isEmpty else { return }
            into[name] = (into[name] ?? true) && (optional?.boolValue ?? false)
        }
        for container in containers(spec) {
            for env in container["env"]?.arrayValue ?? [] {
                if let ref = env["valueFrom"]?["configMapKeyRef"] { note(&configMaps, ref["name"]?.stringValue, ref["optional"]) }
                if let ref = env["valueFrom"]?["secretKeyRef"] { note(&secrets, ref["name"]?.stringValue, ref["optional"]) }
            }
            for from in container["envFrom"]?.arrayValue ?? [] {
                if let ref = from["configMapRef"] { note(&configMaps, ref["name"]?.stringValue, ref["optional"]) }
                if let ref = from["secretRef"] { note(&secrets, ref["name"]?.stringValue, ref["optional"]) }
            }
        }
        for volume in spec["volumes"]?.arrayValue ?? [] {
            if let ref = volume["configMap"] { note(&configMaps, ref["name"]?.stringValue, ref["optional"]) }
            if let ref = volume["secret"] { note(&secrets, ref["secretName"]?.stringValue, ref["optional"]) }
        }
        return (configMaps, secrets)
    }

    // MARK: Checks

    /// Refuses what kube play cannot hold or what the target does not allow, naming the file and field.
    static func check(_ resources: [Resource], connection: PodmanConnection, target: String) throws {
        var seen: [ResourceKey: String] = [:]
        var usedConfigMaps: Set<String> = []
        for resource in resources {
            let origin = resource.source.map { "\($0.file)" } ?? resource.key.shortDescription
            let what = "\(origin): \(resource.kind) \"\(resource.name)\""
            guard supported.contains(where: { $0.group == resource.group && $0.kind == resource.kind }) else {
                throw TargetError(.invalid, "\(origin): \(resource.apiVersion) \(resource.kind) \"\(resource.name)\" is not a kind Podman's kube play supports; target \"\(target)\" (podman) takes \(supportedList)")
            }
            guard !resource.name.isEmpty else { throw TargetError(.invalid, "\(origin): the \(resource.kind) has no metadata.name") }
            if let first = seen[resource.key] {
                throw TargetError(.invalid, "\(what) is also declared in \(first); keep one")
            }
            seen[resource.key] = origin
            guard isWorkload(resource.key) else { continue }
            guard let spec = podSpec(resource.body) else {
                throw TargetError(.invalid, "\(what) has no pod spec (\(resource.kind == "Deployment" ? "spec.template.spec" : "spec"))")
            }
            let all = containers(spec)
            if all.isEmpty { throw TargetError(.invalid, "\(what) has no containers") }
            for container in all {
                let name = container["name"]?.stringValue ?? "?"
                if (container["image"]?.stringValue ?? "").isEmpty {
                    throw TargetError(.invalid, "\(what): container \"\(name)\" has no image")
                }
                if container["securityContext"]?["privileged"]?.boolValue == true, !connection.allowPrivileged {
                    throw TargetError(.invalid, "\(what): container \"\(name)\" asks for securityContext.privileged, which target \"\(target)\" does not allow; set allowPrivileged: true on the target if this machine should run it")
                }
            }
            for volume in spec["volumes"]?.arrayValue ?? [] {
                guard let path = volume["hostPath"]?["path"]?.stringValue else { continue }
                if !connection.allowsHostPath(path) {
                    let allowed = connection.hostPathAllowed.isEmpty ? "none is allowed" : "allowed: \(connection.hostPathAllowed.joined(separator: ", "))"
                    throw TargetError(.invalid, "\(what): volume \"\(volume["name"]?.stringValue ?? "?")\" mounts host path \(path), which target \"\(target)\" does not allow (\(allowed)); add it or a folder above it to hostPathAllowed on the target")
                }
            }
            if resource.kind == "Deployment", let replicas = resource["spec", "replicas"], replicas.intValue.map({ $0 < 0 }) ?? true {
                throw TargetError(.invalid, "\(what): spec.replicas must be a whole number, 0 or more")
            }
            let refs = references(spec)
            usedConfigMaps.formUnion(refs.configMaps.keys)
            for (name, optional) in refs.configMaps where !optional {
                if !resources.contains(where: { $0.kind == "ConfigMap" && $0.name == name }) {
                    throw TargetError(.invalid, "\(what) uses ConfigMap \"\(name)\", which is not declared beside it; Podman reads ConfigMaps only from the same kube play, so declare it in Git (or mark the reference optional)")
                }
            }
        }
        for resource in resources where resource.kind == "ConfigMap" && !usedConfigMaps.contains(resource.name) {
            let origin = resource.source.map { "\($0.file)" } ?? resource.key.shortDescription
            throw TargetError(.invalid, "\(origin): ConfigMap \"\(resource.name)\" is used by no Pod or Deployment; Podman 4 cannot hold a ConfigMap on its own (unsupported on Podman), so reference it from a pod or remove it")
        }
    }

    // MARK: Hashes

    /// The short hash of a value, keys sorted so the order written does not matter.
    static func hash(_ values: [JSONValue]) -> String {
        var hasher = SHA256()
        for value in values {
            hasher.update(data: Data(canonical(value).jsonString().utf8))
            hasher.update(data: Data([0]))
        }
        return hasher.finalize().prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    static func canonical(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object): .object(JSONObject(object.sortedByKey().entries.map { .init(key: $0.key, value: canonical($0.value)) }))
        case .array(let array): .array(array.map(canonical))
        default: value
        }
    }

    /// The data of a ConfigMap or Secret, as it counts for the pods that use it.
    static func content(_ resource: Resource) -> JSONValue {
        ["data": resource["data"] ?? .null, "binaryData": resource["binaryData"] ?? .null, "stringData": resource["stringData"] ?? .null]
    }

    /// Each resource with its hash label: a workload's covers its own body and the data of every
    /// ConfigMap and Secret it uses, so a changed ConfigMap replaces the pods that read it.
    static func stamped(_ resources: [Resource]) -> [Resource] {
        let data = Dictionary(resources.filter { $0.kind == "ConfigMap" || $0.kind == "Secret" }.map { ("\($0.kind)/\($0.name)", content($0)) },
                              uniquingKeysWith: { a, _ in a })
        return resources.map { resource in
            var out = resource
            out.setMetadata("namespace", nil)
            out.setLabel(hashLabel, nil)
            switch resource.kind {
            case "Pod", "Deployment":
                let spec = podSpec(out.body) ?? JSONObject()
                let refs = references(spec)
                let used = refs.configMaps.keys.sorted().map { data["ConfigMap/\($0)"] ?? .null } + refs.secrets.keys.sorted().map { data["Secret/\($0)"] ?? .null }
                out.setLabel(hashLabel, hash([out.value] + used))
            case "ConfigMap", "Secret":
                out.setLabel(hashLabel, hash([content(out)]))
            default: break
            }
            return out
        }
    }

    // MARK: Play

    /// The document played for a workload: its labels (and its template's) carry the app, the
    /// tracking id and the hash, so the pods are found again by label and never by name.
    static func playDocument(_ resource: Resource, tracking: String) -> JSONValue {
        var body = resource.body
        let labels: [(String, String)] = [
            (Annotations.appLabel, resource.label(Annotations.appLabel) ?? ""), (Annotations.trackingID, tracking),
            (hashLabel, resource.label(hashLabel) ?? ""), (managedLabel, managedValue),
        ]
        func stamp(_ metadata: JSONValue?) -> JSONValue {
            var meta = metadata?.objectValue ?? JSONObject()
            var map = meta["labels"]?.objectValue ?? JSONObject()
            for (name, value) in labels { map[name] = .string(value) }
            meta["labels"] = .object(map)
            return .object(meta)
        }
        body["metadata"] = stamp(body["metadata"])
        if resource.kind == "Deployment", var spec = body["spec"]?.objectValue, var template = spec["template"]?.objectValue {
            template["metadata"] = stamp(template["metadata"])
            spec["template"] = .object(template)
            body["spec"] = .object(spec)
        }
        return .object(body)
    }

    /// A Secret's payload as Podman 4 reads it for `secretKeyRef`: a JSON object of base64 values.
    static func secretPayload(_ resource: Resource) -> [UInt8] {
        var payload = JSONObject()
        for entry in resource["data"]?.objectValue ?? JSONObject() { payload[entry.key] = entry.value }
        for entry in resource["stringData"]?.objectValue ?? JSONObject() {
            payload[entry.key] = .string(Data((entry.value.stringValue ?? "").utf8).base64EncodedString())
        }
        return Array(JSONValue.object(payload).jsonString().utf8)
    }

    /// The pull policy Kubernetes would use: `Always` for `:latest` or no tag, else `IfNotPresent`.
    static func pullPolicy(_ container: JSONObject) -> String {
        if let policy = container["imagePullPolicy"]?.stringValue, !policy.isEmpty { return policy }
        let image = container["image"]?.stringValue ?? ""
        if image.contains("@") { return "IfNotPresent" }
        let last = image.split(separator: "/").last ?? ""
        guard let colon = last.lastIndex(of: ":") else { return "Always" }
        return last[last.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    /// The key a tracking id names (`app:group/kind:namespace/name`).
    static func key(fromTracking tracking: String) -> (app: String, key: ResourceKey)? {
        let parts = tracking.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let gk = parts[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let nn = parts[2].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard gk.count == 2, nn.count == 2 else { return nil }
        return (String(parts[0]), ResourceKey(group: String(gk[0]), kind: String(gk[1]), namespace: String(nn[0]), name: String(nn[1])))
    }
}
