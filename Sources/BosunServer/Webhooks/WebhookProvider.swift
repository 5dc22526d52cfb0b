import BosunCore
import Foundation
import HTTPTypes
import Hummingbird

/// What a delivery asks for, once it is known to be authentic.
struct WebhookEvent: Sendable, Equatable {
    enum Kind: Sendable, Equatable {
        case push
        /// The host checking the hook works (GitHub `ping`, Bitbucket `diagnostics:ping`).
        case ping
        /// An event Bosun does not act on (issues, pull requests…), named.
        case ignored(String)
    }

    var kind: Kind
    /// The pushed repository in every form the payload gives (clone, SSH, web).
    var repositoryURLs: [String] = []
    /// The pushed refs (`refs/heads/main`); empty when the payload names none.
    var refs: [String] = []
}

/// A payload that is authentic but not what the provider documents.
struct WebhookPayloadError: Error, CustomStringConvertible {
    var description: String
}

/// A Git host's webhook dialect: how it proves a delivery is authentic, how it names a
/// delivery, and where a push payload keeps the repository and the refs.
public enum WebhookProvider: String, Sendable, CaseIterable {
    /// `X-Hub-Signature-256: sha256=<hmac>`; events `push` and `ping`.
    case github
    /// `X-Gitlab-Token: <secret>`; events `Push Hook` and `Tag Push Hook`.
    case gitlab
    /// `X-Gitea-Signature: <hmac hex>`; event `push` (Forgejo sends the same headers).
    case gitea
    /// `X-Hub-Signature: sha256=<hmac>`; `repo:push` (Cloud), `repo:refs_changed` (Data Center).
    case bitbucket
    /// `X-Signature: sha256=<hmac>`; body `{"repository": URL, "ref": "refs/heads/main"}`.
    case generic

    /// Whether the delivery was signed (or, for GitLab, tokened) with `secret`.
    func isAuthentic(headers: HTTPFields, body: [UInt8], secret: [UInt8]) -> Bool {
        switch self {
        case .github: WebhookSignature.verify(header: headers[field("X-Hub-Signature-256")], body: body, secret: secret)
        case .gitlab: headers[field("X-Gitlab-Token")].map { ConstantTime.equal(Array($0.utf8), secret) && !secret.isEmpty } ?? false
        case .gitea: WebhookSignature.verify(header: headers[field("X-Gitea-Signature")], prefix: nil, body: body, secret: secret)
        case .bitbucket: WebhookSignature.verify(header: headers[field("X-Hub-Signature")], body: body, secret: secret)
        case .generic: WebhookSignature.verify(header: headers[field("X-Signature")], body: body, secret: secret)
        }
    }

    /// The id the host gives the delivery (the same when it redelivers), for de-duplication.
    func deliveryID(headers: HTTPFields) -> String? {
        let names: [String] = switch self {
        case .github: ["X-GitHub-Delivery"]
        case .gitlab: ["Idempotency-Key", "X-Gitlab-Event-UUID"]
        case .gitea: ["X-Gitea-Delivery", "X-Forgejo-Delivery"]
        case .bitbucket: ["X-Request-UUID", "X-Request-Id"]
        case .generic: ["X-Delivery-ID"]
        }
        for name in names {
            if let value = headers[field(name)]?.trimmingCharacters(in: .whitespaces), !value.isEmpty { return value }
        }
        return nil
    }

    /// What the delivery asks for. Throws when an event Bosun acts on lacks what it needs.
    func event(headers: HTTPFields, body: [UInt8]) throws(WebhookPayloadError) -> WebhookEvent {
        let name: String
        switch self {
        case .github:
            name = headers[field("X-GitHub-Event")] ?? ""
            if name == "ping" { return WebhookEvent(kind: .ping) }
            guard name == "push" else { return WebhookEvent(kind: .ignored(name.isEmpty ? "(no X-GitHub-Event)" : name)) }
        case .gitlab:
            name = headers[field("X-Gitlab-Event")] ?? ""
            guard name == "Push Hook" || name == "Tag Push Hook" else { return WebhookEvent(kind: .ignored(name.isEmpty ? "(no X-Gitlab-Event)" : name)) }
        case .gitea:
            name = headers[field("X-Gitea-Event")] ?? headers[field("X-Forgejo-Event")] ?? ""
            guard name == "push" else { return WebhookEvent(kind: .ignored(name.isEmpty ? "(no X-Gitea-Event)" : name)) }
        case .bitbucket:
            name = headers[field("X-Event-Key")] ?? ""
            if name == "diagnostics:ping" { return WebhookEvent(kind: .ping) }
            guard name == "repo:push" || name == "repo:refs_changed" else { return WebhookEvent(kind: .ignored(name.isEmpty ? "(no X-Event-Key)" : name)) }
        case .generic:
            name = headers[field("X-Event")] ?? "push"
            if name == "ping" { return WebhookEvent(kind: .ping) }
            guard name == "push" else { return WebhookEvent(kind: .ignored(name)) }
        }
        let payload = try Self.payload(headers: headers, body: body)
        var event = WebhookEvent(kind: .push)
        switch self {
        case .github, .gitea:
            event.repositoryURLs = Self.strings(payload["repository"], ["clone_url", "ssh_url", "html_url", "git_url"])
            event.refs = payload["ref"]?.stringValue.map { [$0] } ?? []
        case .gitlab:
            event.repositoryURLs = Self.strings(payload["project"], ["git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url"])
                + Self.strings(payload["repository"], ["git_http_url", "git_ssh_url", "homepage", "url"])
            event.refs = payload["ref"]?.stringValue.map { [$0] } ?? []
        case .bitbucket:
            let links = payload[path: ["repository", "links"]]
            event.repositoryURLs = [links?[path: ["html", "href"]]?.stringValue].compactMap { $0 }
                + (links?["clone"]?.arrayValue ?? []).compactMap { $0["href"]?.stringValue }
                + (links?["self"]?.arrayValue ?? []).compactMap { $0["href"]?.stringValue }
            // Cloud: push.changes[].new {type, name}; Data Center: changes[].ref.id.
            for change in payload[path: ["push", "changes"]]?.arrayValue ?? [] {
                guard let new = change["new"], let refName = new["name"]?.stringValue else { continue }
                event.refs.append(new["type"]?.stringValue == "tag" ? "refs/tags/\(refName)" : "refs/heads/\(refName)")
            }
            for change in payload["changes"]?.arrayValue ?? [] {
                if let id = change[path: ["ref", "id"]]?.stringValue ?? change["refId"]?.stringValue { event.refs.append(id) }
            }
        case .generic:
            guard let url = payload["repository"]?.stringValue, !url.isEmpty else {
                throw WebhookPayloadError(description: "field \"repository\" must be the repository URL (a string)")
            }
            event.repositoryURLs = [url]
            if let ref = payload["ref"], !ref.isNull {
                guard let text = ref.stringValue else { throw WebhookPayloadError(description: "field \"ref\" must be a string such as refs/heads/main") }
                event.refs = [text]
            }
        }
        if event.repositoryURLs.isEmpty {
            throw WebhookPayloadError(description: "the \(rawValue) push payload names no repository URL")
        }
        return event
    }

    /// The JSON body; GitHub may also send it form-encoded as `payload=…` (and `curl -d` labels
    /// plain JSON as a form, so the body itself decides).
    static func payload(headers: HTTPFields, body: [UInt8]) throws(WebhookPayloadError) -> JSONValue {
        var bytes = body
        if body.starts(with: Array("payload=".utf8)) {
            let form = String(decoding: body, as: UTF8.self)
            let pair = form.split(separator: "&").first { $0.hasPrefix("payload=") }
            guard let encoded = pair?.dropFirst("payload=".count),
                let decoded = String(encoded).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
            else { throw WebhookPayloadError(description: "a form-encoded delivery must carry the JSON in its payload field") }
            bytes = Array(decoded.utf8)
        }
        do {
            let value = try JSONParser.parse(Data(bytes))
            guard value.objectValue != nil else { throw WebhookPayloadError(description: "the payload must be a JSON object") }
            return value
        } catch let error as WebhookPayloadError {
            throw error
        } catch {
            throw WebhookPayloadError(description: "the payload is not valid JSON: \(error)")
        }
    }

    static func strings(_ object: JSONValue?, _ keys: [String]) -> [String] {
        guard let object else { return [] }
        return keys.compactMap { object[$0]?.stringValue }.filter { !$0.isEmpty }
    }
}

/// A header name known to be valid.
func field(_ name: String) -> HTTPField.Name {
    HTTPField.Name(name) ?? .contentType
}
