import AsyncHTTPClient
import BosunCore
import BosunEngine
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// How hard a notification is tried.
public struct NotificationOptions: Sendable {
    /// Tries per message, the first included.
    public var attempts = 6
    /// The wait after the first failure; it doubles up to `maxBackoff`.
    public var backoff: Duration = .seconds(2)
    public var maxBackoff: Duration = .seconds(60)
    public var timeout: Duration = .seconds(10)
    public init() {}
}

/// `notifications:` in the config: engine events (sync succeeded or failed, health degraded,
/// rolled back, drift detected, prune refused) posted to webhook URLs as generic JSON or Slack
/// messages, retried with exponential backoff. Each destination has its own queue, so a slow
/// one delays nobody else; a URL comes from `urlEnv` (it often holds a secret) or `url`, and
/// never appears in a log line.
public struct Notifier: Service {
    /// Posts `body` to `url`; returns the HTTP status. Injected in tests.
    public typealias Send = @Sendable (_ url: String, _ body: String, _ timeout: Duration) async throws -> Int

    let engine: Engine
    let environment: [String: String]
    let options: NotificationOptions
    let send: Send
    let logger: Logger

    public init(engine: Engine, environment: [String: String] = ProcessInfo.processInfo.environment,
                options: NotificationOptions = NotificationOptions(), send: @escaping Send = Notifier.post,
                logger: Logger = Logger(label: "bosun.notifications")) {
        self.engine = engine
        self.environment = environment
        self.options = options
        self.send = send
        self.logger = logger
    }

    struct Outgoing: Sendable {
        var destination: String
        var url: String
        var body: String
        var title: String
    }

    public func run() async throws {
        let events = await engine.subscribe(otherReplicas: false)
        await withTaskGroup(of: Void.self) { group in
            var queues: [String: AsyncStream<Outgoing>.Continuation] = [:]
            var warned: Set<String> = []
            for await event in events.cancelOnGracefulShutdown() {
                for outgoing in await messages(for: event, warned: &warned) {
                    if queues[outgoing.destination] == nil {
                        let (stream, continuation) = AsyncStream<Outgoing>.makeStream(bufferingPolicy: .bufferingNewest(1000))
                        queues[outgoing.destination] = continuation
                        group.addTask {
                            for await message in stream { await deliver(message) }
                        }
                    }
                    queues[outgoing.destination]?.yield(outgoing)
                }
            }
            // Stopping: what is still queued or backing off is dropped.
            for queue in queues.values { queue.finish() }
            group.cancelAll()
        }
    }

    /// The notifications one engine event makes, one per destination that wants it.
    func messages(for event: EventRecord, warned: inout Set<String>) async -> [Outgoing] {
        guard let app = event.app, var kind = NotificationMessage.eventsByReason[event.reason] else { return [] }
        let status = try? await engine.status(app)
        if kind == .syncSucceeded, await syncTrigger(of: event, app: app, status: status) == .rollback { kind = .rolledBack }
        // A refusal (PruneRefused…) names the commit it refused, not the one still running.
        let refused = status?.condition.flatMap { $0.type == event.reason ? $0.revision : nil }
        let message = NotificationMessage(
            event: kind, app: app, message: event.message, severity: event.type, time: event.time, eventID: event.id,
            target: status?.target, revision: refused ?? status?.sync.revision, subject: status?.lastSync?.subject ?? status?.commit?.subject,
            health: status?.health.status.rawValue)
        var out: [Outgoing] = []
        for spec in await engine.config.notifications where spec.events.contains(kind) {
            guard spec.applications.isEmpty || spec.applications.contains(app) else { continue }
            guard let url = spec.urlEnv.flatMap({ environment[$0] }).flatMap({ $0.isEmpty ? nil : $0 }) ?? spec.url else {
                if warned.insert(spec.name).inserted {
                    logger.warning("notification \(spec.name): $\(spec.urlEnv ?? "?") is not set; its notifications are not sent")
                }
                continue
            }
            out.append(Outgoing(destination: spec.name, url: url, body: message.body(spec.format).jsonString(), title: message.title))
        }
        return out
    }

    /// The trigger of the sync a `SyncSucceeded` event reports (its message starts "sync N:").
    func syncTrigger(of event: EventRecord, app: String, status: ApplicationStatus?) async -> SyncTrigger? {
        let digits = event.message.dropFirst("sync ".count).prefix { $0.isNumber }
        if event.message.hasPrefix("sync "), let id = Int64(digits), let detail = try? await engine.syncDetail(app, id: id) {
            return detail.sync.trigger
        }
        return status?.lastSync?.trigger
    }

    /// Posts with retries: network errors, 408, 429 and 5xx are retried with backoff; other
    /// answers are final.
    func deliver(_ message: Outgoing) async {
        var wait = options.backoff
        for attempt in 1...max(1, options.attempts) {
            let outcome: String
            do {
                let status = try await send(message.url, message.body, options.timeout)
                if (200..<300).contains(status) { return }
                outcome = "HTTP \(status)"
                if !(status == 408 || status == 429 || status >= 500) {
                    logger.error("notification \(message.destination) (\(message.title)) refused with \(outcome); not retried")
                    return
                }
            } catch {
                outcome = Self.describe(error)
            }
            guard attempt < options.attempts else {
                logger.error("notification \(message.destination) (\(message.title)) failed \(attempt) times (last: \(outcome)); dropped")
                return
            }
            logger.warning("notification \(message.destination) (\(message.title)) failed (\(outcome)); retry \(attempt) in \(DurationText.format(wait))")
            do { try await Task.sleep(for: wait) } catch { return }
            wait = min(wait * 2, options.maxBackoff)
        }
    }

    /// An error without the URL (it may carry a secret).
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)".replacingOccurrences(of: "HTTPClientError.", with: "") }
        return String(describing: type(of: error))
    }

    /// The real sender: AsyncHTTPClient, JSON body.
    public static let post: Send = { url, body, timeout in
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "bosun-notifier")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .nanoseconds(Int64(timeout.seconds * 1e9)))
        _ = try? await response.body.collect(upTo: 64 << 10)
        return Int(response.status.code)
    }
}
