import BosunCore
import Foundation
import Hummingbird

/// Request bodies: strict JSON, every field optional, an empty body as `{}`; malformed JSON,
/// an unknown field or an ill-typed one is a 400 that names it.
protocol RequestBody: Decodable {
    static var fields: [String] { get }
}

extension RequestBody {
    static func decode(_ request: Request) async throws -> Self {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: 1 << 20)
        } catch {
            throw APIError(status: .contentTooLarge, code: "TooLarge", message: "a request body may be at most 1 MiB")
        }
        let data = Data(buffer: buffer)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return try JSONDecoder().decode(Self.self, from: Data("{}".utf8))
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch {
            throw APIError(status: .badRequest, code: "MalformedJSON", message: "the body is not valid JSON: \(error)")
        }
        guard let object = value.objectValue else {
            throw APIError(status: .badRequest, code: "MalformedJSON", message: "the body must be a JSON object\(fields.isEmpty ? " (empty: this action takes no fields)" : " with the fields \(fields.joined(separator: ", "))")")
        }
        for key in object.keys where !fields.contains(key) {
            let hint = closestMatch(to: key, in: fields).map { "; did you mean \"\($0)\"?" }
                ?? (fields.isEmpty ? "; this action takes no fields" : "; the fields are \(fields.joined(separator: ", "))")
            throw APIError(status: .badRequest, code: "UnknownField", message: "unknown field \"\(key)\"\(hint)")
        }
        for entry in object {
            let expected = expectedType(of: entry.key)
            let fits = switch expected {
            case "a string": entry.value.stringValue.map { !$0.isEmpty } ?? false
            case "true or false": entry.value.boolValue != nil
            default: true
            }
            if !fits {
                let found = entry.value.stringValue?.isEmpty == true ? "an empty string" : entry.value.isNull ? "null (leave the field out instead)" : entry.value.typeName
                throw APIError(status: .badRequest, code: "InvalidField", message: "field \"\(entry.key)\" must be \(expected == "a string" ? "a non-empty string" : expected), not \(found)")
            }
        }
        do {
            return try JSONDecoder().decode(Self.self, from: data)
        } catch {
            throw APIError(status: .badRequest, code: "MalformedJSON", message: "\(error)")
        }
    }

    /// The type a field takes, in words, for the 400 message.
    static func expectedType(of field: String) -> String {
        ["dryRun", "prune", "forcePrune", "forceDelete"].contains(field) ? "true or false" : "a string"
    }
}

/// `POST …/sync`: `revision` (branch, tag or commit), `dryRun`, `prune`, `forcePrune` (prune past
/// `maxPrunePercent`, or an empty render).
struct SyncBody: RequestBody {
    static let fields = ["revision", "dryRun", "prune", "forcePrune"]
    var revision: String?
    var dryRun: Bool?
    var prune: Bool?
    var forcePrune: Bool?
}

/// `POST …/rollback`: `to`, a history id or a commit (default: the last good sync before this one).
struct RollbackBody: RequestBody {
    static let fields = ["to"]
    var to: String?
}

/// `POST …/pin`: `revision` (default: the synced commit).
struct PinBody: RequestBody {
    static let fields = ["revision"]
    var revision: String?
}

/// Actions that take no fields (unpin, refresh, reload): an empty body or `{}`.
struct EmptyBody: RequestBody {
    static let fields: [String] = []
}
