import BosunCore

/// Request bodies in Kubernetes' protobuf encoding, which kubectl's typed commands send
/// (`kubectl create configmap|secret|namespace|serviceaccount|role|rolebinding|clusterrole|clusterrolebinding`).
/// Only those kinds are decoded, into the JSON the same object would have; other kinds answer
/// 415 so the client knows to send JSON.
enum ProtobufBodies {
    static let contentType = "application/vnd.kubernetes.protobuf"

    /// How one field of a message maps to JSON.
    indirect enum Field {
        case string(String)
        case bytes(String)
        case bool(String)
        case int(String)
        case time(String)
        case message(String, [Int: Field])
        case strings(String)
        case messages(String, [Int: Field])
        case stringMap(String)
        case bytesMap(String)
    }

    static let ownerReference: [Int: Field] = [
        1: .string("kind"), 3: .string("name"), 4: .string("uid"), 5: .string("apiVersion"), 6: .bool("controller"),
        7: .bool("blockOwnerDeletion"),
    ]

    static let objectMeta: [Int: Field] = [
        1: .string("name"), 2: .string("generateName"), 3: .string("namespace"), 5: .string("uid"),
        6: .string("resourceVersion"), 7: .int("generation"), 8: .time("creationTimestamp"), 11: .stringMap("labels"),
        12: .stringMap("annotations"), 13: .messages("ownerReferences", ownerReference), 14: .strings("finalizers"),
    ]

    static let policyRule: [Int: Field] = [
        1: .strings("verbs"), 2: .strings("apiGroups"), 3: .strings("resources"), 4: .strings("resourceNames"),
        5: .strings("nonResourceURLs"),
    ]

    static let subject: [Int: Field] = [1: .string("kind"), 2: .string("apiGroup"), 3: .string("name"), 4: .string("namespace")]
    static let roleRef: [Int: Field] = [1: .string("apiGroup"), 2: .string("kind"), 3: .string("name")]

    /// The kinds decoded, by `apiVersion/kind`.
    static let kinds: [String: [Int: Field]] = [
        "v1/ConfigMap": [1: .message("metadata", objectMeta), 2: .stringMap("data"), 3: .bytesMap("binaryData"), 4: .bool("immutable")],
        "v1/Secret": [
            1: .message("metadata", objectMeta), 2: .bytesMap("data"), 3: .string("type"), 4: .stringMap("stringData"), 5: .bool("immutable"),
        ],
        "v1/Namespace": [1: .message("metadata", objectMeta), 2: .message("spec", [1: .strings("finalizers")])],
        "v1/ServiceAccount": [
            1: .message("metadata", objectMeta), 2: .messages("secrets", [1: .string("kind"), 2: .string("namespace"), 3: .string("name")]),
            3: .messages("imagePullSecrets", [1: .string("name")]), 4: .bool("automountServiceAccountToken"),
        ],
        "rbac.authorization.k8s.io/v1/Role": [1: .message("metadata", objectMeta), 2: .messages("rules", policyRule)],
        "rbac.authorization.k8s.io/v1/ClusterRole": [1: .message("metadata", objectMeta), 2: .messages("rules", policyRule)],
        "rbac.authorization.k8s.io/v1/RoleBinding": [
            1: .message("metadata", objectMeta), 2: .messages("subjects", subject), 3: .message("roleRef", roleRef),
        ],
        "rbac.authorization.k8s.io/v1/ClusterRoleBinding": [
            1: .message("metadata", objectMeta), 2: .messages("subjects", subject), 3: .message("roleRef", roleRef),
        ],
    ]

    /// The JSON object a protobuf body encodes; a 415 for kinds the simulator does not decode.
    static func decode(_ bytes: [UInt8]) throws(APIError) -> JSONObject {
        guard bytes.count > 4, bytes[0..<4].elementsEqual([0x6B, 0x38, 0x73, 0x00]) else {
            throw APIError.badRequest("the protobuf body does not start with the Kubernetes magic number")
        }
        var reader = Reader(bytes: bytes, position: 4, end: bytes.count)
        var apiVersion = ""
        var kind = ""
        var raw: (Int, Int)?
        do {
            while let (number, wire) = try reader.tag() {
                switch (number, wire) {
                case (1, 2):
                    let (start, end) = try reader.lengthDelimited()
                    var typeMeta = Reader(bytes: bytes, position: start, end: end)
                    while let (field, fieldWire) = try typeMeta.tag() {
                        if fieldWire == 2, field == 1 || field == 2 {
                            let text = try typeMeta.string()
                            if field == 1 { apiVersion = text } else { kind = text }
                        } else {
                            try typeMeta.skip(fieldWire)
                        }
                    }
                case (2, 2): raw = try reader.lengthDelimited()
                default: try reader.skip(wire)
                }
            }
        } catch {
            throw APIError.badRequest("the protobuf body could not be decoded: \(error.message)")
        }
        guard let schema = kinds["\(apiVersion)/\(kind)"], let (start, end) = raw else {
            throw APIError.unsupportedMediaType(
                contentType,
                supported: ResourceHandler.bodyTypes + [
                    "\(contentType) (only for ConfigMap, Secret, Namespace, ServiceAccount and RBAC kinds; \(kind) is not simulated: send JSON or YAML)"
                ])
        }
        var object: JSONObject = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        do {
            var body = Reader(bytes: bytes, position: start, end: end)
            for entry in try message(&body, schema) { object[entry.key] = entry.value }
        } catch {
            throw APIError.badRequest("the protobuf \(kind) could not be decoded: \(error.message)")
        }
        return object
    }

    struct Failure: Error {
        var message: String
    }

    /// A message as JSON: empty strings and zero numbers are left out, as `omitempty` leaves them out.
    static func message(_ reader: inout Reader, _ schema: [Int: Field]) throws(Failure) -> JSONObject {
        var out = JSONObject()
        while let (number, wire) = try reader.tag() {
            guard let field = schema[number] else {
                try reader.skip(wire)
                continue
            }
            switch field {
            case .string(let name):
                let text = try reader.string()
                if !text.isEmpty { out[name] = .string(text) }
            case .bytes(let name):
                out[name] = .string(Base64.encode(try reader.bytesValue()))
            case .bool(let name):
                out[name] = .bool(try reader.varint() != 0)
            case .int(let name):
                let value = Int(truncatingIfNeeded: try reader.varint())
                if value != 0 { out[name] = .int(value) }
            case .time(let name):
                let (start, end) = try reader.lengthDelimited()
                var inner = Reader(bytes: reader.bytes, position: start, end: end)
                var seconds = 0
                while let (field, fieldWire) = try inner.tag() {
                    if field == 1 && fieldWire == 0 { seconds = Int(truncatingIfNeeded: try inner.varint()) } else { try inner.skip(fieldWire) }
                }
                if seconds != 0 { out[name] = .string(Timestamp.render(seconds)) }
            case .message(let name, let fields):
                let (start, end) = try reader.lengthDelimited()
                var inner = Reader(bytes: reader.bytes, position: start, end: end)
                out[name] = .object(try message(&inner, fields))
            case .strings(let name):
                var list = out[name]?.arrayValue ?? []
                list.append(.string(try reader.string()))
                out[name] = .array(list)
            case .messages(let name, let fields):
                let (start, end) = try reader.lengthDelimited()
                var inner = Reader(bytes: reader.bytes, position: start, end: end)
                var list = out[name]?.arrayValue ?? []
                list.append(.object(try message(&inner, fields)))
                out[name] = .array(list)
            case .stringMap(let name), .bytesMap(let name):
                let (start, end) = try reader.lengthDelimited()
                var inner = Reader(bytes: reader.bytes, position: start, end: end)
                var key = ""
                var value = JSONValue.string("")
                var isBytes = false
                if case .bytesMap = field { isBytes = true }
                while let (entryField, entryWire) = try inner.tag() {
                    switch (entryField, entryWire) {
                    case (1, 2): key = try inner.string()
                    case (2, 2): value = .string(isBytes ? Base64.encode(try inner.bytesValue()) : try inner.string())
                    default: try inner.skip(entryWire)
                    }
                }
                var map = out[name]?.objectValue ?? JSONObject()
                map[key] = value
                out[name] = .object(map)
            }
        }
        return out
    }

    /// Protobuf wire-format reading over a byte range.
    struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        mutating func varint() throws(Failure) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while position < end {
                let byte = bytes[position]
                position += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { break }
            }
            throw Failure(message: "a varint runs past the end of its message")
        }

        /// The next field number and wire type, or nil at the end.
        mutating func tag() throws(Failure) -> (Int, Int)? {
            guard position < end else { return nil }
            let key = try varint()
            return (Int(key >> 3), Int(key & 7))
        }

        mutating func lengthDelimited() throws(Failure) -> (Int, Int) {
            let length = Int(try varint())
            guard length >= 0, position + length <= end else { throw Failure(message: "a field is longer than its message") }
            defer { position += length }
            return (position, position + length)
        }

        mutating func string() throws(Failure) -> String {
            let (start, stop) = try lengthDelimited()
            return String(decoding: bytes[start..<stop], as: UTF8.self)
        }

        mutating func bytesValue() throws(Failure) -> [UInt8] {
            let (start, stop) = try lengthDelimited()
            return Array(bytes[start..<stop])
        }

        mutating func skip(_ wire: Int) throws(Failure) {
            switch wire {
            case 0: _ = try varint()
            case 1: position += 8
            case 2: _ = try lengthDelimited()
            case 5: position += 4
            default: throw Failure(message: "unknown wire type \(wire)")
            }
            if position > end { throw Failure(message: "a field runs past the end of its message") }
        }
    }
}
