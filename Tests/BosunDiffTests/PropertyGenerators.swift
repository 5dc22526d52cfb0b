import BosunCore
import BosunDiff
import Foundation
import PropertyBased

/// Random manifests for property tests: shaped like Kubernetes objects (metadata, a spec with
/// nested maps, keyed lists such as containers, env and ports, unkeyed lists, numbers in both
/// spellings) and with the awkward corners real ones have: keys holding `/`, `~`, `=` or digits,
/// list keys that are numbers or look like pointers, empty maps and lists.
enum ManifestGen {
    /// Keys for object members, the awkward ones included.
    static let keys = [
        "replicas", "image", "command", "args", "labels", "mode", "spec", "template", "selector", "config",
        "example.com/part-of", "a~b", "k=v", "0", "12", "ünïcødé", "with space", "x",
    ]
    /// Values of a keyed list's key field.
    static let itemNames = ["web", "sidecar", "db", "a/b", "x=y", "1", "~0", "log-shipper", "metrics"]

    /// Random numbers from PropertyBased's seeded generator.
    struct Random {
        var rng: any SeededRandomNumberGenerator
        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        mutating func chance(_ percent: Int) -> Bool { int(1...100) <= percent }
        mutating func pick<T>(_ items: [T]) -> T { items[int(0...(items.count - 1))] }
    }

    static func scalar(_ r: inout Random) -> JSONValue {
        switch r.int(0...7) {
        case 0: .int(r.int(-3...70_000))
        case 1: .double(Double(r.int(0...40)) / 4)
        case 2: .bool(r.chance(50))
        case 3: .string(r.pick(["500m", "1Gi", "0.5", "1024Mi", "2"]))
        case 4: .string(r.pick(["", "nginx:1.27", "on", "yes", "null", "~", "--flag=1", "a\nb", "\"quoted\""]))
        case 5: .string(String(repeating: r.pick(["ab", "xyz", "é"]), count: r.int(1...5)))
        case 6: .int(r.pick([80, 443, 8080]))
        default: .string("v\(r.int(0...99))")
        }
    }

    static func value(_ r: inout Random, depth: Int) -> JSONValue {
        guard depth > 0 else { return scalar(&r) }
        switch r.int(0...9) {
        case 0, 1, 2: return .object(object(&r, depth: depth - 1))
        case 3: return .array(keyedList(&r, depth: depth - 1, field: r.pick(["name", "name", "containerPort", "mountPath"])))
        case 4: return .array((0..<r.int(0...3)).map { _ in scalar(&r) })
        case 5: return .array((0..<r.int(1...3)).map { _ in .object(object(&r, depth: depth - 1)) })
        case 6: return r.chance(50) ? .object(JSONObject()) : .array([])
        default: return scalar(&r)
        }
    }

    static func object(_ r: inout Random, depth: Int) -> JSONObject {
        var object = JSONObject()
        for _ in 0..<r.int(0...4) {
            // "name" stays out of plain objects: an object list with names everywhere becomes keyed.
            object[r.pick(keys)] = value(&r, depth: depth)
        }
        return object
    }

    /// Items that each carry a unique `field` (a name, a port number or a mount path).
    static func keyedList(_ r: inout Random, depth: Int, field: String) -> [JSONValue] {
        var used: Set<String> = []
        var items: [JSONValue] = []
        for _ in 0..<r.int(1...4) {
            let key: JSONValue
            switch field {
            case "containerPort": key = .int(r.pick([80, 443, 8080, 9090, 53]))
            case "mountPath": key = .string(r.pick(["/data", "/etc/config", "/var/log", "/tmp"]))
            default: key = .string(r.pick(itemNames))
            }
            guard let text = key.intValue.map(String.init) ?? key.stringValue, used.insert(text).inserted else { continue }
            var item = object(&r, depth: depth)
            item[field] = key
            // The key field first, as people write it.
            items.append(.object(JSONObject([JSONObject.Entry(key: field, value: key)] + item.entries.filter { $0.key != field })))
        }
        return items
    }

    /// A manifest with metadata and a random spec.
    static func manifest(_ r: inout Random) -> Resource {
        var metadata: JSONObject = ["name": .string(r.pick(["web", "api", "db"])), "namespace": "shop"]
        if r.chance(60) { metadata["labels"] = .object(["app": .string(r.pick(["web", "api"])), "tier": "front"]) }
        if r.chance(40) { metadata["annotations"] = .object(["example.com/owner": "team-a"]) }
        var spec = object(&r, depth: 3)
        if r.chance(60) {
            spec["containers"] = .array(keyedList(&r, depth: 2, field: "name"))
        }
        let body: JSONObject = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": .object(metadata), "spec": .object(spec)]
        return Resource(body)
    }

    // MARK: Edits

    /// Every pointer to a member or item inside `value` (not the root, nor identity fields).
    static func pointers(in value: JSONValue, prefix: [String] = []) -> [[String]] {
        var result: [[String]] = []
        switch value {
        case .object(let object):
            for entry in object {
                // Identity stays: every manifest Bosun reads has apiVersion, kind and metadata.name.
                if prefix.isEmpty && ["apiVersion", "kind"].contains(entry.key) { continue }
                if prefix == ["metadata"] && ["name", "namespace"].contains(entry.key) { continue }
                let path = prefix + [entry.key]
                if path != ["metadata"] { result.append(path) }
                result += pointers(in: entry.value, prefix: path)
            }
        case .array(let items):
            for index in items.indices {
                let path = prefix + [String(index)]
                result.append(path)
                result += pointers(in: items[index], prefix: path)
            }
        default:
            break
        }
        return result
    }

    /// One random edit, as a person or a controller makes them: a field set, changed or removed,
    /// an item added or removed, a list reordered, a number respelled.
    static func edit(_ resource: Resource, _ r: inout Random) -> Resource {
        var document = resource.value
        let targets = pointers(in: document)
        guard !targets.isEmpty else { return resource }
        let pointer = JSONPointer(tokens: r.pick(targets))
        switch r.int(0...5) {
        case 0:
            document = pointer.removing(from: document)
        case 1:
            if case .array(let items)? = pointer.value(in: document), items.count > 1 {
                document = pointer.setting(.array(items.reversed()), in: document) ?? document
            }
        case 2:
            if case .int(let number)? = pointer.value(in: document) {
                document = pointer.setting(r.chance(50) ? .double(Double(number)) : .string(String(number)), in: document) ?? document
            }
        case 3:
            if case .array(let items)? = pointer.value(in: document), let first = items.first?.objectValue,
                let field = ["name", "containerPort", "mountPath"].first(where: { first[$0] != nil })
            {
                let extra = keyedList(&r, depth: 1, field: field)
                let existing = Set(items.compactMap { $0[field].flatMap { $0.intValue.map(String.init) ?? $0.stringValue } })
                let fresh = extra.filter { item in
                    !existing.contains(item[field].flatMap { $0.intValue.map(String.init) ?? $0.stringValue } ?? "")
                }
                document = pointer.setting(.array(items + fresh), in: document) ?? document
            }
        default:
            if case .object? = pointer.value(in: document) {
                let child = JSONPointer(tokens: pointer.tokens + [r.pick(keys)])
                document = child.setting(value(&r, depth: 1), in: document) ?? document
            } else {
                document = pointer.setting(value(&r, depth: 1), in: document) ?? document
            }
        }
        return Resource(document) ?? resource
    }

    static func edited(_ resource: Resource, times: Int, _ r: inout Random) -> Resource {
        var result = resource
        for _ in 0..<times { result = edit(result, &r) }
        return result
    }

    /// What the API server adds to every object it stores.
    static func withServerFields(_ resource: Resource, _ r: inout Random) -> Resource {
        var body = resource.body
        var metadata = body["metadata"]?.objectValue ?? JSONObject()
        metadata["uid"] = .string("uid-\(r.int(1...9999))")
        metadata["resourceVersion"] = .string(String(r.int(1...99999)))
        metadata["creationTimestamp"] = "2025-01-01T00:00:00Z"
        metadata["managedFields"] = .array([["manager": "bosun", "operation": "Apply", "fieldsV1": ["f:spec": [:]]]])
        body["metadata"] = .object(metadata)
        body["status"] = .object(["observedGeneration": .int(r.int(1...9)), "conditions": [["type": "Available", "status": "True"]]])
        return Resource(body)
    }
}

/// The three sides of a comparison: what Bosun applied last, what Git wants now, what runs.
struct DiffScenario: Sendable, CustomStringConvertible {
    var lastApplied: Resource?
    var desired: Resource
    var live: Resource

    var description: String {
        """
        lastApplied: \(lastApplied.map { $0.value.jsonString() } ?? "none")
        desired: \(desired.value.jsonString())
        live: \(live.value.jsonString())
        """
    }

    /// Git moved on from what was applied; the live object drifted and gained server fields.
    static let generator = Generator<DiffScenario, Shrink.None<DiffScenario>> { rng in
        var r = ManifestGen.Random(rng: rng)
        defer { rng = r.rng }
        let applied = ManifestGen.manifest(&r)
        let desired = ManifestGen.edited(applied, times: r.int(0...3), &r)
        var live = ManifestGen.edited(applied, times: r.int(0...2), &r)
        if r.chance(80) { live = ManifestGen.withServerFields(live, &r) }
        return DiffScenario(lastApplied: r.chance(75) ? applied : nil, desired: desired, live: live)
    }
}

/// A Secret with values that must never be shown, as Git holds it, as it runs, and as it was
/// last applied; the values are unique strings that appear nowhere else.
struct SecretScenario: Sendable, CustomStringConvertible {
    var lastApplied: Resource?
    var desired: Resource
    var live: Resource
    /// Every secret value in clear, and base64-encoded.
    var values: [String]

    var description: String { "desired: \(desired.value.jsonString())\nlive: \(live.value.jsonString())" }

    static let generator = Generator<SecretScenario, Shrink.None<SecretScenario>> { rng in
        var r = ManifestGen.Random(rng: rng)
        defer { rng = r.rng }
        var values: [String] = []
        func secretValue() -> String {
            let value = "s3cr3t-\(r.int(100_000...999_999))-\(r.pick(["pw", "tok", "key"]))\(values.count)"
            values.append(value)
            return value
        }
        func map(encoded: Bool) -> JSONObject {
            var object = JSONObject()
            for name in ["password", "token", "tls.key", "config.json"].shuffled(using: &r.rng).prefix(r.int(0...3)) {
                let value = secretValue()
                object[name] = .string(encoded ? Data(value.utf8).base64EncodedString() : value)
            }
            return object
        }
        func secret(lastApplied: Bool) -> Resource {
            var body: JSONObject = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "db", "namespace": "shop"]]
            if r.chance(30) { body["type"] = "Opaque" }
            if r.chance(80) { body["data"] = .object(map(encoded: true)) }
            if r.chance(40) { body["stringData"] = .object(map(encoded: false)) }
            // A value under data that is not a map: nonsense, but Git may hold it.
            if r.chance(5) { body["data"] = .string(secretValue()) }
            if r.chance(15) {
                // kubectl's copy of what it applied, values in clear.
                let copy = JSONValue.object(["data": ["password": .string(Data(secretValue().utf8).base64EncodedString())]])
                body["metadata"] = .object(["name": "db", "namespace": "shop",
                                            "annotations": ["kubectl.kubernetes.io/last-applied-configuration": .string(copy.jsonString())]])
            }
            _ = lastApplied
            return Resource(body)
        }
        let applied = secret(lastApplied: true)
        let desired = r.chance(30) ? applied : secret(lastApplied: false)
        var live = r.chance(30) ? applied : secret(lastApplied: false)
        if r.chance(70) { live = ManifestGen.withServerFields(live, &r) }
        return SecretScenario(lastApplied: r.chance(70) ? applied : nil, desired: desired, live: live, values: values)
    }
}
