/// A JSON value packed into one byte buffer: a tag byte per value, counts and lengths as
/// varints. A parsed `JSONValue` costs an allocation for every object, list and long string
/// (about three times the bytes of its text); a packed one costs a single allocation and unpacks
/// faster than its text parses. For values held long and read seldom: the objects of the
/// Kubernetes watch cache, the desired state an application keeps between looks.
///
/// Unpacking gives a value equal to the packed one, keys in the same order.
public struct PackedJSON: Sendable {
    public let bytes: [UInt8]

    public init(_ value: JSONValue) {
        var writer = Writer()
        writer.write(value)
        bytes = writer.bytes.withoutSpareCapacity
    }

    public var value: JSONValue {
        bytes.withUnsafeBufferPointer { Self.value(of: $0) }
    }

    /// The value packed in `buffer` (bytes a `PackedJSON` held, kept elsewhere).
    public static func value(of buffer: UnsafeBufferPointer<UInt8>) -> JSONValue {
        var reader = Reader(buffer: buffer)
        return reader.read()
    }

    /// Keys and values most Kubernetes objects carry, written as a byte or two instead of their
    /// text (a third of a small object's bytes), and read back without an allocation. Packed
    /// values never leave the process, so the list may change from one version to the next.
    static let known: [String] = [
        "apiVersion", "kind", "metadata", "name", "namespace", "labels", "annotations", "uid", "resourceVersion",
        "generation", "creationTimestamp", "spec", "status", "data", "type", "selector", "template", "containers",
        "image", "ports", "port", "targetPort", "protocol", "replicas", "conditions", "lastTransitionTime", "message",
        "reason", "observedGeneration", "value", "app", "v1", "apps/v1", "ConfigMap", "Secret", "Service",
        "ServiceAccount", "Deployment", "True", "False", "TCP", "Opaque", "ClusterIP",
        "bosun.dev/app", "bosun.dev/tracking-id",
        "deletionTimestamp", "ownerReferences", "finalizers", "stringData", "binaryData", "items", "matchLabels",
        "imagePullPolicy", "containerPort", "env", "valueFrom", "resources", "limits", "requests", "cpu", "memory",
        "strategy", "rollingUpdate", "maxSurge", "maxUnavailable", "volumeMounts", "mountPath", "volumes",
        "configMap", "secret", "secretName", "readinessProbe", "livenessProbe", "httpGet", "path", "args", "command",
        "serviceAccountName", "clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "sessionAffinity",
        "internalTrafficPolicy", "lastUpdateTime", "readyReplicas", "availableReplicas", "updatedReplicas",
        "loadBalancer", "terminationMessagePath", "terminationMessagePolicy", "dnsPolicy", "restartPolicy",
        "schedulerName", "securityContext", "terminationGracePeriodSeconds", "progressDeadlineSeconds",
        "revisionHistoryLimit", "controller", "blockOwnerDeletion", "app.kubernetes.io/name",
        "app.kubernetes.io/instance", "app.kubernetes.io/managed-by", "app.kubernetes.io/part-of",
        "app.kubernetes.io/component", "app.kubernetes.io/version", "kubectl.kubernetes.io/last-applied-configuration",
        "deployment.kubernetes.io/revision", "batch/v1", "networking.k8s.io/v1", "StatefulSet", "DaemonSet", "Job",
        "CronJob", "Namespace", "Pod", "Ingress", "UDP", "Unknown", "Available", "Progressing", "IfNotPresent",
        "Always", "Never", "RollingUpdate", "Recreate", "SingleStack", "IPv4", "None", "Cluster", "File",
        "/dev/termination-log", "ClusterFirst", "default-scheduler", "Active", "Running", "Ready",
    ]

    static let places: [String: Int] = Dictionary(known.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { a, _ in a })

    private enum Tag: UInt8 {
        case null, `false`, `true`, int, double, string, array, object
    }

    private struct Writer {
        var bytes: [UInt8] = []

        mutating func write(_ value: JSONValue) {
            switch value {
            case .null: bytes.append(Tag.null.rawValue)
            case .bool(let b): bytes.append(b ? Tag.true.rawValue : Tag.false.rawValue)
            case .int(let i):
                bytes.append(Tag.int.rawValue)
                varint(UInt64(bitPattern: Int64((i << 1) ^ (i >> (Int.bitWidth - 1)))))
            case .double(let d):
                bytes.append(Tag.double.rawValue)
                var bits = d.bitPattern
                for _ in 0..<8 {
                    bytes.append(UInt8(truncatingIfNeeded: bits))
                    bits >>= 8
                }
            case .string(let s):
                bytes.append(Tag.string.rawValue)
                string(s)
            case .array(let items):
                bytes.append(Tag.array.rawValue)
                varint(UInt64(items.count))
                for item in items { write(item) }
            case .object(let object):
                bytes.append(Tag.object.rawValue)
                varint(UInt64(object.count))
                for entry in object.entries {
                    string(entry.key)
                    write(entry.value)
                }
            }
        }

        /// A known string as an odd varint (its place in `known`), any other as an even one (its
        /// length) and its bytes.
        mutating func string(_ s: String) {
            if let place = PackedJSON.places[s] {
                varint(UInt64(place) << 1 | 1)
                return
            }
            var s = s
            s.withUTF8 { utf8 in
                varint(UInt64(utf8.count) << 1)
                bytes.append(contentsOf: utf8)
            }
        }

        mutating func varint(_ n: UInt64) {
            var n = n
            while n >= 0x80 {
                bytes.append(UInt8(truncatingIfNeeded: n) | 0x80)
                n >>= 7
            }
            bytes.append(UInt8(n))
        }
    }

    /// Reads what `Writer` wrote; the buffer never comes from outside, so a short one (which
    /// cannot happen) reads as nulls rather than trapping.
    private struct Reader {
        let buffer: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func read() -> JSONValue {
            guard index < buffer.count, let tag = Tag(rawValue: buffer[index]) else { return .null }
            index += 1
            switch tag {
            case .null: return .null
            case .false: return .bool(false)
            case .true: return .bool(true)
            case .int:
                let zigzag = varint()
                return .int(Int(truncatingIfNeeded: Int64(bitPattern: (zigzag >> 1) ^ (0 &- (zigzag & 1)))))
            case .double:
                guard index + 8 <= buffer.count else { return .null }
                var bits: UInt64 = 0
                for shift in 0..<8 { bits |= UInt64(buffer[index + shift]) << (8 * shift) }
                index += 8
                return .double(Double(bitPattern: bits))
            case .string:
                return .string(string())
            case .array:
                let count = min(Int(truncatingIfNeeded: varint()), buffer.count - index)
                var items: [JSONValue] = []
                items.reserveCapacity(count)
                for _ in 0..<count { items.append(read()) }
                return .array(items)
            case .object:
                let count = min(Int(truncatingIfNeeded: varint()), buffer.count - index)
                var entries: [JSONObject.Entry] = []
                entries.reserveCapacity(count)
                for _ in 0..<count {
                    let key = string()
                    entries.append(JSONObject.Entry(key: key, value: read()))
                }
                return .object(JSONObject(entries))
            }
        }

        mutating func string() -> String {
            let head = varint()
            if head & 1 == 1 {
                let place = Int(truncatingIfNeeded: head >> 1)
                return place < PackedJSON.known.count ? PackedJSON.known[place] : ""
            }
            let length = min(Int(truncatingIfNeeded: head >> 1), buffer.count - index)
            defer { index += length }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[index..<index + length]), as: UTF8.self)
        }

        mutating func varint() -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < buffer.count {
                let byte = buffer[index]
                index += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 || shift >= 63 { break }
                shift += 7
            }
            return result
        }
    }
}

extension Array {
    /// A copy that holds no spare capacity: for arrays kept long, where the slack a grown array
    /// carries would be up to half of what is kept.
    public var withoutSpareCapacity: [Element] {
        withUnsafeBufferPointer { elements in
            [Element](unsafeUninitializedCapacity: elements.count) { buffer, count in
                count = buffer.initialize(fromContentsOf: elements)
            }
        }
    }
}
