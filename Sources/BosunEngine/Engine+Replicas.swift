import BosunCore
import BosunStore
import Foundation

/// A command for an application's owner, from the replica whose API was asked.
struct RemoteCommand: Codable, Sendable {
    enum Action: String, Codable, Sendable { case sync, rollback, pin, unpin, refresh, terminate }
    var id: String
    var action: Action
    var app: String
    var revision: String?
    var prune: Bool?
    var forcePrune: Bool?
    var actor: String?
}

/// The owner's answer: a sync id, or the error the API shows.
struct RemoteReply: Codable, Sendable {
    var id: String
    var syncID: Int64?
    var errorCode: String?
    var errorMessage: String?
    var errorSyncID: Int64?
}

/// Applications a webhook refreshed on a replica that does not own them all.
struct RemoteRefresh: Codable, Sendable {
    var apps: [String]
    var trigger: SyncTrigger
}

extension Engine {
    /// How long a replica waits for an owner's answer before telling the caller.
    static let remoteReplyTimeout: Duration = .seconds(30)

    /// The replica that owns `name` when it is not this one; nil when this engine runs it (or runs
    /// alone). Throws when no application has that name, or when nobody owns it right now.
    func remoteOwner(_ name: String) async throws -> String? {
        guard let leases, apps[name] == nil else { return nil }
        guard config.application(named: name) != nil else {
            throw EngineError.unknownApp(name, known: config.applications.map(\.name))
        }
        let owners: [String: String]
        do {
            owners = try await leases.owners()
        } catch {
            throw EngineError(.unavailable, "the store does not answer, so the owner of \(name) is not known: \(error)")
        }
        if let owner = owners[name], owner != leases.replica { return owner }
        throw EngineError(.unavailable, unownedMessage(name))
    }

    func unownedMessage(_ name: String) -> String {
        if let pinned = config.application(named: name).flatMap({ config.target(named: $0.destination.target)?.replica }) {
            return "\(name) is owned by no replica: its target belongs to replica \(pinned), which is not running"
        }
        return "\(name) is owned by no replica right now (its replica stopped, and another takes it over within a lease); try again in a few seconds"
    }

    /// When another replica owns `name`, runs the command there and returns its answer; nil
    /// when this engine runs the application itself.
    func onOwner(_ name: String, _ action: RemoteCommand.Action, revision: String? = nil, prune: Bool? = nil,
                 forcePrune: Bool? = nil, actor: String? = nil) async throws -> RemoteReply? {
        guard let owner = try await remoteOwner(name) else { return nil }
        let command = RemoteCommand(id: UUID().uuidString, action: action, app: name, revision: revision, prune: prune,
                                    forcePrune: forcePrune, actor: actor)
        return try await forward(command, to: owner)
    }

    /// Sends a command to the owner and waits for its answer.
    func forward(_ command: RemoteCommand, to owner: String) async throws -> RemoteReply {
        guard let leases else { throw EngineError(.unavailable, "no replicas") }
        let body = String(decoding: try JSONEncoder().encode(command), as: UTF8.self)
        let reply = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<RemoteReply, any Error>) in
            // Sends, then gives up after the timeout unless the answer came first (which cancels it).
            let sending = Task {
                do {
                    try await leases.send(ReplicaMessage(kind: .command, from: leases.replica, to: owner, body: body))
                } catch {
                    self.answered(command.id, .failure(EngineError(.unavailable, "cannot reach replica \(owner) through the store: \(error)")))
                    return
                }
                do { try await Task.sleep(for: Self.remoteReplyTimeout) } catch { return }
                self.answered(command.id, .failure(EngineError(.unavailable, "replica \(owner), which owns \(command.app), did not answer within \(Self.remoteReplyTimeout.components.seconds) s; it may still have run the command, so look at `bosun status \(command.app)` before trying again")))
            }
            replicaState.waiting[command.id] = (continuation, sending)
        }
        if let code = reply.errorCode {
            throw EngineError(EngineError.Code(rawValue: code) ?? .unavailable, reply.errorMessage ?? "replica \(owner) refused", syncID: reply.errorSyncID)
        }
        return reply
    }

    func answered(_ id: String, _ result: Result<RemoteReply, any Error>) {
        guard let waiting = replicaState.waiting.removeValue(forKey: id) else { return }
        waiting.sending.cancel()
        waiting.continuation.resume(with: result)
    }

    /// Listens to the other replicas: commands for what this one owns, answers to its own
    /// commands, their events (for this replica's event stream) and webhook refreshes.
    func startListening() {
        guard let leases else { return }
        let messages = leases.messages()
        replicaState.listener = Task { [weak self] in
            for await message in messages {
                await self?.received(message)
            }
        }
    }

    func received(_ message: ReplicaMessage) async {
        let body = Data(message.body.utf8)
        switch message.kind {
        case .command:
            guard let command = try? JSONDecoder().decode(RemoteCommand.self, from: body) else { return }
            // Runs beside the listener: a sync's answer comes when it is recorded, not at once.
            Task { [weak self] in
                guard let self else { return }
                let reply = await self.run(command)
                await self.reply(reply, to: message.from)
            }
        case .reply:
            guard let reply = try? JSONDecoder().decode(RemoteReply.self, from: body) else { return }
            answered(reply.id, .success(reply))
        case .event:
            guard let event = try? JSONDecoder.bosun.decode(EventRecord.self, from: body) else { return }
            for (id, subscriber) in subscribers where !localSubscribers.contains(id) { subscriber.yield(event) }
        case .refresh:
            guard let refresh = try? JSONDecoder().decode(RemoteRefresh.self, from: body) else { return }
            for name in refresh.apps where apps[name] != nil { _ = try? refreshHere(name, trigger: refresh.trigger) }
        }
    }

    func reply(_ reply: RemoteReply, to replica: String) async {
        guard let leases, let body = try? JSONEncoder().encode(reply) else { return }
        do {
            try await leases.send(ReplicaMessage(kind: .reply, from: leases.replica, to: replica, body: String(decoding: body, as: UTF8.self)))
        } catch {
            logger.warning("could not answer replica \(replica): \(error)")
        }
    }

    /// A command another replica forwarded, run as if it came to this replica's API.
    func run(_ command: RemoteCommand) async -> RemoteReply {
        var reply = RemoteReply(id: command.id)
        do {
            guard apps[command.app] != nil else {
                throw EngineError(.unavailable, "replica \(leases?.replica ?? "") no longer owns \(command.app); try again")
            }
            switch command.action {
            case .sync:
                reply.syncID = try await sync(command.app, SyncRequest(revision: command.revision, prune: command.prune ?? false,
                                                                       forcePrune: command.forcePrune ?? false))
            case .rollback: reply.syncID = try await rollback(command.app, to: command.revision)
            case .pin: try await pin(command.app, revision: command.revision)
            case .unpin: try await unpin(command.app)
            case .refresh: _ = try await refresh(command.app)
            case .terminate: reply.syncID = try await terminate(command.app, actor: command.actor ?? "api")
            }
        } catch {
            let engineError = error as? EngineError ?? EngineError.classifying(error)
            reply.errorCode = engineError.code.rawValue
            reply.errorMessage = engineError.message
            reply.errorSyncID = engineError.syncID
        }
        return reply
    }

    /// Forwards an event this replica recorded to the others' event streams.
    func share(_ event: EventRecord) {
        guard let leases, var body = try? JSONEncoder.bosun.encode(event) else { return }
        // NOTIFY takes 8,000 bytes: a longer message travels cut, the store keeps it whole.
        if body.count > 7_000 {
            var cut = event
            cut.message = String(event.message.prefix(3_000)) + "… (cut; `bosun events` shows it whole)"
            guard let shorter = try? JSONEncoder.bosun.encode(cut) else { return }
            body = shorter
        }
        let message = ReplicaMessage(kind: .event, from: leases.replica, to: nil, body: String(decoding: body, as: UTF8.self))
        Task { try? await leases.send(message) }
    }

    /// Publishes the status of every application this replica owns whose status changed, so
    /// every replica's API and dashboard show it. Changes are found by hashing the values (cheap,
    /// every second); only those are encoded and written.
    func publishStatuses() async {
        guard let leases else { return }
        var changed: [String: String] = [:]
        var fingerprints: [String: Int] = [:]
        let encoder = JSONEncoder.bosun
        for (name, runtime) in apps {
            let status = status(of: runtime)
            let fingerprint = status.hashValue
            guard replicaState.published[name] != fingerprint, let json = try? encoder.encode(status) else { continue }
            fingerprints[name] = fingerprint
            changed[name] = String(decoding: json, as: UTF8.self)
        }
        guard !changed.isEmpty else { return }
        do {
            try await leases.publish(statuses: changed)
            for name in changed.keys { replicaState.published[name] = fingerprints[name] }
        } catch {
            logger.debug("could not publish statuses (next round tries again): \(error)")
        }
    }

    /// The status of an application another replica owns, as it last published it.
    func remoteStatus(_ name: String) async throws -> ApplicationStatus {
        guard let leases, let spec = config.application(named: name) else {
            throw EngineError.unknownApp(name, known: config.applications.map(\.name))
        }
        do {
            let owners = try await leases.owners()
            let published = try await leases.publishedStatuses([name])[name]
            return Self.shared(spec, published: published, owner: owners[name], unowned: unownedMessage(name))
        } catch {
            throw EngineError(.unavailable, "\(name) runs on another replica, and the store, which holds its status, does not answer: \(error)")
        }
    }

    static func shared(_ spec: ApplicationSpec, published: PublishedStatus?, owner: String?, unowned: String) -> ApplicationStatus {
        if let published, var status = try? JSONDecoder.bosun.decode(ApplicationStatus.self, from: Data(published.json.utf8)) {
            status.replica = owner
            if owner == nil { status.condition = ApplicationStatus.Condition(type: "Unowned", message: unowned) }
            return status
        }
        var status = ApplicationStatus(
            name: spec.name, target: spec.destination.target, sync: SyncInfo(status: .unknown, revision: "", targetRevision: nil),
            health: HealthInfo(.unknown("not compared yet")), pinned: false, pinnedRevision: nil, resources: [], lastSync: nil,
            commit: nil, condition: owner == nil ? ApplicationStatus.Condition(type: "Unowned", message: unowned) : nil,
            operation: nil, autoSync: spec.sync.auto, repository: spec.source.repository, path: spec.source.path,
            revisionSpec: spec.source.revision.description)
        status.replica = owner
        return status
    }
}

/// `GET /api/v1/replicas`: this replica's name and every replica the store knows.
public struct ReplicasAnswer: Sendable, Codable {
    /// The replica that answered; nil when Bosun runs alone on SQLite.
    public var replica: String?
    public var leaseDuration: String?
    public var replicas: [ReplicaInfo]
}

extension Engine {
    public func replicas() async throws -> ReplicasAnswer {
        guard let leases else { return ReplicasAnswer(replica: nil, leaseDuration: nil, replicas: []) }
        do {
            return ReplicasAnswer(replica: leases.replica, leaseDuration: DurationText.format(config.ha.leaseDuration),
                                  replicas: try await leases.replicas())
        } catch {
            throw EngineError(.unavailable, "the store does not answer: \(error)")
        }
    }
}
