import BosunCore
import BosunStore
import Foundation
import Metrics

/// What an engine sharing its applications with other replicas keeps between lease rounds.
struct ReplicaState: Sendable {
    /// The leases held, with their epochs.
    var held: [String: Int64] = [:]
    var loop: Task<Void, Never>?
    /// Loops of applications given up, still winding down: not started again until they end.
    var stopping: [String: Task<Void, Never>] = [:]
    var storeUnavailable = false
    var mismatched: [String] = []
    var live: [String] = []
    /// Where this replica's API answers, shown to the others.
    var apiURL = ""
    /// Commands sent to other replicas, waiting for their answers.
    var waiting: [String: (continuation: CheckedContinuation<RemoteReply, any Error>, sending: Task<Void, Never>)] = [:]
    var listener: Task<Void, Never>?
    var publisher: Task<Void, Never>?
    /// A fingerprint of each status last published.
    var published: [String: Int] = [:]
}

extension Engine {
    /// Whether this engine runs `name`: always without replicas, else while it holds the lease.
    func owns(_ name: String) -> Bool { leases == nil || replicaState.held[name] != nil }

    /// The address other replicas and `bosun replicas` show for this one.
    public func setAPIURL(_ url: String) { replicaState.apiURL = url }

    /// This replica's name; nil without replicas.
    public var replicaName: String? { leases?.replica }

    func startLeases() {
        guard let leases else { return }
        startListening()
        // Rounds keep their schedule from each round's start: a round that took long (taking a
        // thousand applications) must not push the next renewal past the lease's safety margin.
        replicaState.loop = Task { [weak self] in
            var next = ContinuousClock.now
            while !Task.isCancelled {
                await self?.leaseRound()
                next = max(next + leases.renewEvery, ContinuousClock.now)
                try? await Task.sleep(until: next)
            }
        }
        // Statuses go out within a second of changing: other replicas' APIs read them.
        replicaState.publisher = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(1))
                await self?.publishStatuses()
            }
        }
    }

    func stopLeases() {
        replicaState.loop?.cancel()
        replicaState.publisher?.cancel()
        replicaState.listener?.cancel()
        for (id, waiting) in replicaState.waiting {
            waiting.sending.cancel()
            waiting.continuation.resume(throwing: EngineError(.unavailable, "Bosun is stopping; command \(id) was not answered"))
        }
        replicaState.waiting.removeAll()
    }

    /// One round of leases: renew, take what the spread gives this replica, stop and hand over
    /// what it gives another, and stop at once what another replica took (this one could not
    /// renew in time). While the store does not answer, what runs keeps running until its
    /// leases run out; the targets refuse changes after that.
    func leaseRound() async {
        guard let leases, running else { return }
        let candidates = config.applications.map {
            LeaseCandidate(app: $0.name, pinnedTo: config.target(named: $0.destination.target)?.replica)
        }
        let round: LeaseRound
        do {
            round = try await leases.round(candidates: candidates, configHash: config.sharedHash, apiURL: replicaState.apiURL)
        } catch {
            if !replicaState.storeUnavailable {
                replicaState.storeUnavailable = true
                await emit(app: nil, .warning, "StoreUnavailable",
                           "cannot renew leases: \(error); this replica keeps what it runs while its leases last, and changes nothing after")
            }
            return
        }
        if replicaState.storeUnavailable {
            replicaState.storeUnavailable = false
            await emit(app: nil, .normal, "StoreAvailable", "the store answers again; leases renewed")
        }
        replicaState.live = round.live

        let lost = apps.keys.filter { round.held[$0] == nil }.sorted()
        for name in lost { stopRunning(name) }
        if !lost.isEmpty {
            await emit(app: nil, .warning, "LeasesLost",
                       "replica \(leases.replica) lost \(plural(lost.count, "lease")) to another replica: \(Self.listed(lost))")
        }
        // Handed over between syncs only: a running sync finishes under its lease first.
        let handing = Set(round.handOver.filter { apps[$0]?.operation == nil })
        for name in handing.sorted() { stopRunning(name) }
        if !handing.isEmpty {
            do {
                try await leases.release(handing)
                await emit(app: nil, .normal, "LeasesHandedOver",
                           "replica \(leases.replica) handed over \(plural(handing.count, "application")) to the replica the spread names: \(Self.listed(handing.sorted()))")
            } catch {
                logger.warning("could not release leases (they expire by themselves): \(error)")
            }
        }
        replicaState.held = round.held.filter { !handing.contains($0.key) }
        var taken: [String] = []
        for spec in config.applications where replicaState.held[spec.name] != nil && apps[spec.name] == nil {
            guard replicaState.stopping[spec.name] == nil else { continue }
            await add(spec)
            taken.append(spec.name)
        }
        if !taken.isEmpty {
            await emit(app: nil, .normal, "LeasesTaken",
                       "replica \(leases.replica) took \(plural(taken.count, "application")): \(Self.listed(taken))")
        }
        if round.mismatched != replicaState.mismatched {
            replicaState.mismatched = round.mismatched
            if !round.mismatched.isEmpty {
                await emit(app: nil, .warning, "ConfigMismatch",
                           "replicas \(round.mismatched.joined(separator: ", ")) run another configuration than \(leases.replica) (targets, repositories, applications, sets or includes differ); give every replica the same file")
            }
        }
        // Its `replica` label comes with every series of a replica (the server's metrics factory).
        Gauge(label: "bosun_leases_held").record(replicaState.held.count)
    }

    /// Stops an application's loop and leaves what runs alone: its new owner carries on. A sync
    /// in flight is cancelled; the store and the targets refuse anything more from it anyway.
    func stopRunning(_ name: String) {
        guard let runtime = apps.removeValue(forKey: name) else { return }
        guard let loop = runtime.loop else { return }
        loop.cancel()
        replicaState.stopping[name] = Task { [weak self] in
            await loop.value
            await self?.stopped(name)
        }
    }

    func stopped(_ name: String) { replicaState.stopping[name] = nil }

    static func listed(_ names: [String]) -> String {
        names.count <= 10 ? names.joined(separator: ", ") : names.prefix(10).joined(separator: ", ") + " and \(names.count - 10) more"
    }
}
