import Foundation

/// An application this replica may be asked to own, and the replica it belongs to when its
/// target belongs to one machine (a host or Podman target names its `replica`).
public struct LeaseCandidate: Sendable, Hashable {
    public var app: String
    public var pinnedTo: String?

    public init(app: String, pinnedTo: String? = nil) {
        self.app = app
        self.pinnedTo = pinnedTo
    }
}

/// What one round of leases found: the applications this replica holds now, and those it
/// holds but should hand over (another live replica is their owner by the spread); the engine
/// stops those and then releases them.
public struct LeaseRound: Sendable {
    public var held: [String: Int64]
    public var handOver: Set<String>
    /// Live replicas, this one included.
    public var live: [String]
    /// Live replicas whose shared configuration differs from this one's.
    public var mismatched: [String]

    public init(held: [String: Int64], handOver: Set<String>, live: [String], mismatched: [String] = []) {
        self.held = held
        self.handOver = handOver
        self.live = live
        self.mismatched = mismatched
    }
}

/// A replica as the database knows it.
public struct ReplicaInfo: Sendable, Codable, Hashable {
    public var name: String
    public var heartbeatAt: Date
    public var startedAt: Date
    public var alive: Bool
    /// The applications whose leases it holds.
    public var applications: [String]
    /// The hash of the configuration every replica must share; replicas that disagree are named.
    public var configHash: String
    public var apiURL: String

    public init(name: String, heartbeatAt: Date, startedAt: Date, alive: Bool, applications: [String], configHash: String, apiURL: String) {
        self.name = name
        self.heartbeatAt = heartbeatAt
        self.startedAt = startedAt
        self.alive = alive
        self.applications = applications
        self.configHash = configHash
        self.apiURL = apiURL
    }
}

/// A message between replicas: a command for an application's owner, its reply, an event, a
/// webhook's refresh. `to` nil: every replica.
public struct ReplicaMessage: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable { case command, reply, event, refresh }
    public var kind: Kind
    public var from: String
    public var to: String?
    /// JSON the engine reads; at most a few kilobytes (PostgreSQL's NOTIFY takes 8,000 bytes).
    public var body: String

    public init(kind: Kind, from: String, to: String?, body: String) {
        self.kind = kind
        self.from = from
        self.to = to
        self.body = body
    }
}

/// An application's status as its owner last published it.
public struct PublishedStatus: Sendable {
    public var replica: String
    public var json: String
    public var updatedAt: Date

    public init(replica: String, json: String, updatedAt: Date) {
        self.replica = replica
        self.json = json
        self.updatedAt = updatedAt
    }
}

/// Ownership of applications among replicas sharing one database. Each application is owned
/// by one live replica at a time, under a lease with an epoch that grows with each new holder;
/// the engine runs only what it holds and checks the lease before every change to a target.
/// The replicas also share what the API shows: owners publish their applications' status, and
/// commands, replies, events and webhook refreshes travel between replicas as messages.
public protocol ApplicationLeases: Sendable {
    /// This replica's name.
    var replica: String { get }
    /// How often a round runs.
    var renewEvery: Duration { get }
    /// One round: heartbeat, renew what is held (one statement), take the free applications the
    /// spread gives this replica. `configHash` is compared between replicas.
    func round(candidates: [LeaseCandidate], configHash: String, apiURL: String) async throws -> LeaseRound
    /// Gives up leases (after the engine stopped working on them).
    func release(_ apps: Set<String>) async throws
    /// Whether this replica may still change anything for `app`: it holds the lease with at
    /// least a safety margin left, by its own monotonic clock.
    func mayAct(for app: String) -> Bool
    /// Every replica the database knows, with its leases.
    func replicas() async throws -> [ReplicaInfo]
    /// Who holds each application's lease now (a live holder only).
    func owners() async throws -> [String: String]
    /// Ends this replica's heartbeat and releases everything (a graceful stop).
    func leave() async

    /// Publishes the status (JSON) of applications this replica holds; others' are refused.
    func publish(statuses: [String: String]) async throws
    /// The published statuses, of `apps` or of all when nil.
    func publishedStatuses(_ apps: [String]?) async throws -> [String: PublishedStatus]
    /// Sends a message to the other replicas.
    func send(_ message: ReplicaMessage) async throws
    /// Messages from the other replicas addressed to this one or to all (listening restarts
    /// by itself after the database comes back).
    func messages() -> AsyncStream<ReplicaMessage>
}
