import BosunCore
import BosunEngine
import Foundation
import Hummingbird
import Metrics
import NIOCore
import Synchronization

/// `/hooks/{provider}`: turns a signed push into an immediate refresh of exactly the
/// applications that read the pushed repository at the pushed ref.
///
/// Order of checks: size (413), authenticity against every repository's webhook secret (401,
/// with nothing else said), delivery id seen in the last five minutes (200, ignored), payload
/// (400), then the refresh. The engine coalesces refreshes per application, so a burst of
/// pushes costs one refresh per application, never one per push.
struct WebhookReceiver: Sendable {
    static let maxBodyBytes = 1 << 20

    let engine: Engine
    /// Where `repositories[].webhook.secretEnv` is looked up.
    let environment: [String: String]
    let deliveries: DeliveryLog
    let now: @Sendable () -> Date
    let configuration: ConfigSnapshot

    struct Answer: Encodable {
        var event: String
        var delivery: String?
        /// Applications refreshed now.
        var applications: [String]
        /// Applications that already had a refresh queued; this push joins it.
        var coalesced: [String]
        var message: String
    }

    func receive(_ request: Request, provider name: String) async -> Response {
        guard let provider = WebhookProvider(rawValue: name) else {
            return APIResponse.error(.notFound, code: "NotFound",
                                     "no webhook receiver \"\(name)\"; use one of \(WebhookProvider.allCases.map { "/hooks/\($0.rawValue)" }.joined(separator: ", "))")
        }
        let (response, result) = await handle(request, provider: provider)
        Counter(label: "bosun_webhook_requests_total", dimensions: [("provider", provider.rawValue), ("result", result)]).increment()
        return response
    }

    /// The answer and the result label it is counted under.
    private func handle(_ request: Request, provider: WebhookProvider) async -> (Response, String) {
        let tooLarge = APIResponse.error(.contentTooLarge, code: "TooLarge", "a webhook body may be at most 1 MiB")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > Self.maxBodyBytes { return (tooLarge, "too_large") }
        let body: [UInt8]
        do {
            body = Array(buffer: try await request.body.collect(upTo: Self.maxBodyBytes))
        } catch is NIOTooManyBytesError {
            return (tooLarge, "too_large")
        } catch {
            return (APIResponse.error(.badRequest, code: "BadRequest", "the body could not be read"), "malformed")
        }

        // Authentic: signed with the secret of at least one repository. The repositories
        // whose secret signed it are the only ones this delivery may refresh.
        let config = await configuration.current()
        let repositories = config.repositories
        var verdicts: [String: Bool] = [:]
        var signedBy: Set<String> = []
        for repository in repositories {
            guard let env = repository.webhook?.secretEnv, let secret = environment[env], !secret.isEmpty else { continue }
            let authentic = verdicts[env] ?? provider.isAuthentic(headers: request.headers, body: body, secret: Array(secret.utf8))
            verdicts[env] = authentic
            if authentic { signedBy.insert(repository.name) }
        }
        guard !signedBy.isEmpty else { return (Response(status: .unauthorized), "unauthorized") }

        let delivery = provider.deliveryID(headers: request.headers)
        if let delivery, !deliveries.firstSeen("\(provider.rawValue):\(delivery)", now: now()) {
            return (APIResponse.json(Answer(event: "duplicate", delivery: delivery, applications: [], coalesced: [],
                                            message: "delivery \(delivery) was already received in the last 5 minutes; ignored")), "duplicate")
        }

        let event: WebhookEvent
        do {
            event = try provider.event(headers: request.headers, body: body)
        } catch {
            return (APIResponse.error(.badRequest, code: "MalformedPayload", error.description), "malformed")
        }
        switch event.kind {
        case .ping:
            return (APIResponse.json(Answer(event: "ping", delivery: delivery, applications: [], coalesced: [],
                                            message: "pong: the hook reaches Bosun and its signature is valid")), "ping")
        case .ignored(let name):
            return (APIResponse.json(Answer(event: name, delivery: delivery, applications: [], coalesced: [],
                                            message: "event \"\(name)\" is not acted on; only pushes are")), "ignored")
        case .push:
            let names = Engine.applications(in: config, repositoryURLs: event.repositoryURLs, refs: event.refs, readingAny: signedBy)
            // One step on the engine for all of them; an application removed by a reload in between is skipped.
            let (refreshed, coalesced) = names.isEmpty ? ([], []) : await engine.refresh(names, trigger: .webhook)
            // Sets and includes reading a pushed repository list it again (a new folder, a new file).
            let pushed = Set(repositories.filter { repo in signedBy.contains(repo.name) && event.repositoryURLs.contains { sameRepository(repo.url, url: $0) } }.map(\.name))
            let declarations = pushed.isEmpty ? false : await engine.declarationsPushed(repositories: pushed)
            let message = names.isEmpty && declarations
                ? "listing the application sets and includes that read \(event.repositoryURLs.first ?? "this repository")"
                : names.isEmpty
                ? "no application reads \(event.repositoryURLs.first ?? "this repository") at \(event.refs.isEmpty ? "any ref" : event.refs.joined(separator: ", "))"
                : "refreshing \(names.joined(separator: ", "))"
            return (APIResponse.json(Answer(event: "push", delivery: delivery, applications: refreshed, coalesced: coalesced, message: message),
                                     status: .accepted), "accepted")
        }
    }
}

/// The engine's config, re-read at most once a second: a burst of deliveries does not queue
/// behind the engine's work just to learn the repositories, and a reload shows within a second.
final class ConfigSnapshot: Sendable {
    let engine: Engine
    let maxAge: Duration
    private let cached = Mutex<(config: Config, at: ContinuousClock.Instant)?>(nil)

    init(engine: Engine, maxAge: Duration = .seconds(1)) {
        self.engine = engine
        self.maxAge = maxAge
    }

    func current() async -> Config {
        let now = ContinuousClock.now
        if let hit = cached.withLock({ $0 }), now - hit.at < maxAge { return hit.config }
        let config = await engine.config
        cached.withLock { $0 = (config, now) }
        return config
    }
}
