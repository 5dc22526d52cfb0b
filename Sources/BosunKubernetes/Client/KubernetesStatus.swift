import BosunCore
import Foundation

/// A `Status` object, as the API server sends with every failure, turned into a `TargetError`
/// whose message says what failed and what would fix it.
struct KubernetesStatus: Sendable {
    struct Cause: Sendable {
        var type: String
        var message: String
        var field: String
    }

    var code: Int
    var reason: String
    var message: String
    var causes: [Cause]
    var retryAfterSeconds: Int?

    init(code: Int, body: [UInt8]) {
        self.code = code
        let value = (try? JSONParser.parse(Data(body))) ?? .null
        let isStatus = value["kind"]?.stringValue == "Status"
        reason = isStatus ? value["reason"]?.stringValue ?? "" : ""
        if isStatus {
            message = value["message"]?.stringValue ?? ""
        } else {
            // Not a Status (a proxy or load balancer answered): quote a little of it.
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            message = text
        }
        causes = (value["details"]?["causes"]?.arrayValue ?? []).map { cause in
            Cause(type: cause["reason"]?.stringValue ?? cause["type"]?.stringValue ?? "",
                  message: cause["message"]?.stringValue ?? "", field: cause["field"]?.stringValue ?? "")
        }
        retryAfterSeconds = value["details"]?["retryAfterSeconds"]?.intValue
    }

    /// The error for this answer to `request` on `server` (reached through `origin`).
    func error(for request: APIRequest, server: String, origin: String, retryAfter: Double?) -> TargetError {
        let what = request.description
        let detail = message.isEmpty ? "" : ": \(message)"
        switch code {
        case 400:
            return TargetError(.invalid, "the API server refused to \(what) (400 Bad Request)\(detail)", key: request.key)
        case 401:
            return TargetError(.forbidden, "the API server at \(server) did not accept the credentials of \(origin) (401 Unauthorized) to \(what); the token or certificate may have expired or be wrong", key: request.key)
        case 403:
            return TargetError(.forbidden, "forbidden: the credentials of \(origin) may not \(what) (403)\(detail); grant the verb \"\(request.verb)\" on \"\(request.resourceName ?? request.path)\" with RBAC", key: request.key)
        case 404:
            return TargetError(.notFound, "not found: \(what)\(detail)", key: request.key)
        case 409 where causes.contains { $0.type == "FieldManagerConflict" }:
            let fields = causes.filter { $0.type == "FieldManagerConflict" }.map { cause in
                let field = cause.field.isEmpty ? "a field" : "field \(cause.field)"
                if let manager = Self.quoted(in: cause.message) { return "\(field) is owned by field manager \"\(manager)\"" }
                return "\(field): \(cause.message)"
            }
            return TargetError(.conflict, "apply conflicts with another field manager: \(fields.joined(separator: "; ")); set the sync option `force: true` to take the fields over, or remove them from the manifest", key: request.key)
        case 409:
            return TargetError(.conflict, "conflict on \(what) (\(reason.isEmpty ? "409" : reason))\(detail)", key: request.key)
        case 410:
            return TargetError(.transient, "resource version too old for \(what) (410 Gone); listing again", key: request.key)
        case 415:
            return TargetError(.invalid, "the API server at \(server) does not accept \(request.contentType ?? "this content type") for \(what) (415); server-side apply needs Kubernetes 1.18 or newer", key: request.key)
        case 422:
            let fields = causes.map { $0.field.isEmpty ? $0.message : "\($0.field): \($0.message)" }
            let listed = fields.isEmpty ? detail : ": \(fields.joined(separator: "; "))"
            return TargetError(.invalid, "the API server rejected the object (\(what), 422 Invalid)\(listed)", key: request.key)
        case 429:
            return TargetError(.transient, "the API server is throttling requests (429 Too Many Requests) to \(what)\(detail)", key: request.key, retryAfter: retryAfter)
        case 500...:
            return TargetError(.transient, "the API server at \(server) failed to \(what) (\(code)\(reason.isEmpty ? "" : " \(reason)"))\(detail)", key: request.key, retryAfter: retryAfter)
        default:
            return TargetError(.invalid, "unexpected answer \(code) to \(what)\(detail)", key: request.key)
        }
    }

    /// The first double-quoted text in `message` (the manager in `conflict with "kubectl" using apps/v1`).
    static func quoted(in message: String) -> String? {
        let parts = message.split(separator: "\"", omittingEmptySubsequences: false)
        guard parts.count >= 3, !parts[1].isEmpty else { return nil }
        return String(parts[1])
    }

    static func isRetryable(_ code: Int) -> Bool { code == 429 || code >= 500 }
}
