import Foundation

/// What started a sync. The raw values are a contract: scripts read them from `-o json`.
public enum SyncTrigger: String, Sendable, Codable, CaseIterable {
    case interval, webhook, manual, config, selfHeal, rollback, autoRollback
}

/// How a sync ended. The raw values are a contract.
public enum SyncResult: String, Sendable, Codable, CaseIterable {
    case running = "Running"
    case succeeded = "Succeeded"
    case failed = "Failed"
    case interrupted = "Interrupted"
    /// Stopped between two steps by `bosun terminate`: not retried, never rolled back.
    case terminated = "Terminated"
}

/// One sync, as `bosun history -o json` prints it (newest first).
public struct SyncSummary: Sendable, Codable, Hashable {
    public var id: Int64
    public var revision: String
    public var result: SyncResult
    public var trigger: SyncTrigger
    public var startedAt: Date
    public var finishedAt: Date?
    public var message: String
    public var author: String?
    public var subject: String?
    public var dryRun: Bool?
    /// Every source's revision, for an application that is not one Git source (a chart, values
    /// from other repositories); absent for Git-only applications, whose JSON stays as it was.
    public var sources: [SourceRevision]?

    public init(id: Int64, revision: String, result: SyncResult, trigger: SyncTrigger, startedAt: Date, finishedAt: Date?,
                message: String, author: String? = nil, subject: String? = nil, dryRun: Bool? = nil,
                sources: [SourceRevision]? = nil) {
        self.sources = sources
        self.id = id
        self.revision = revision
        self.result = result
        self.trigger = trigger
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.message = message
        self.author = author
        self.subject = subject
        self.dryRun = dryRun
    }
}

/// The outcome for one resource in one sync.
public struct ResourceResult: Sendable, Codable, Hashable {
    public var key: String
    /// create, update, delete, unchanged, hook.
    public var action: String
    /// Succeeded, Failed, Skipped, Pruned, PruneSkipped.
    public var result: String
    public var message: String
    public var wave: Int
    public var phase: String

    public init(key: String, action: String, result: String, message: String = "", wave: Int = 0, phase: String = "Sync") {
        self.key = key
        self.action = action
        self.result = result
        self.message = message
        self.wave = wave
        self.phase = phase
    }
}

/// One sync with its details, as `GET …/history/{id}` returns it.
public struct SyncDetail: Sendable, Codable {
    public var sync: SyncSummary
    public var resources: [ResourceResult]
    /// The unified diff the sync applied (Secret values masked).
    public var diff: String
    public init(sync: SyncSummary, resources: [ResourceResult], diff: String) {
        self.sync = sync
        self.resources = resources
        self.diff = diff
    }
}

public struct HealthInfo: Sendable, Codable, Hashable {
    public var status: HealthCode
    public var message: String
    public init(_ h: HealthStatus) {
        status = h.status
        message = h.message
    }
}

public struct SyncInfo: Sendable, Codable, Hashable {
    public var status: SyncCode
    /// Full SHA of the commit the application is synced to.
    public var revision: String
    /// Full SHA of the commit Git wants now (differs from `revision` while a new commit waits).
    public var targetRevision: String?
    public init(status: SyncCode, revision: String, targetRevision: String? = nil) {
        self.status = status
        self.revision = revision
        self.targetRevision = targetRevision
    }
}

public struct ResourceStatus: Sendable, Codable, Hashable {
    public var key: String
    public var sync: SyncCode
    public var health: HealthInfo
    public var kind: String
    public var namespace: String
    public var name: String
    public init(key: ResourceKey, sync: SyncCode, health: HealthStatus) {
        self.key = key.description
        self.sync = sync
        self.health = HealthInfo(health)
        kind = key.kind
        namespace = key.namespace
        name = key.name
    }
}

/// Where a running sync is, for progress displays.
public struct SyncProgress: Sendable, Codable, Hashable {
    public var syncID: Int64
    public var phase: String
    public var wave: Int?
    public var done: Int
    public var total: Int
    public var message: String
    public init(syncID: Int64, phase: String, wave: Int? = nil, done: Int, total: Int, message: String = "") {
        self.syncID = syncID
        self.phase = phase
        self.wave = wave
        self.done = done
        self.total = total
        self.message = message
    }
}

public struct CommitInfo: Sendable, Codable, Hashable {
    public var sha: String
    public var author: String
    public var date: Date
    public var subject: String
    /// Every source's revision when the application is not one Git source; `sha` is then their
    /// combined revision (`podinfo@6.1.0`, or `podinfo@6.1.0,<values commit>`).
    public var sources: [SourceRevision]?
    public init(sha: String, author: String, date: Date, subject: String, sources: [SourceRevision]? = nil) {
        self.sources = sources
        self.sha = sha
        self.author = author
        self.date = date
        self.subject = subject
    }
}

/// An application as `bosun status APP -o json` and `GET /api/v1/applications/{name}` show it.
/// The field names are a contract.
public struct ApplicationStatus: Sendable, Codable, Hashable {
    public var name: String
    public var target: String
    public var sync: SyncInfo
    public var health: HealthInfo
    public var pinned: Bool
    public var pinnedRevision: String?
    public var resources: [ResourceStatus]
    public var lastSync: SyncSummary?
    /// The commit Git wants (metadata), when known.
    public var commit: CommitInfo?
    /// Why the application cannot be compared or synced right now (render error, source unavailable…).
    public var condition: Condition?
    public var operation: SyncProgress?
    public var autoSync: Bool
    public var repository: String
    public var path: String
    public var revisionSpec: String
    /// The application set that generates it (absent for a listed application).
    public var applicationSet: String?
    /// The replica that owns it, when Bosun runs as replicas (absent otherwise, and while no
    /// replica owns it).
    public var replica: String?

    public struct Condition: Sendable, Codable, Hashable {
        /// SourceUnavailable, ComparisonError, SyncError, RollbackBlocked, PruneRefused…
        public var type: String
        public var message: String
        public var revision: String?
        public init(type: String, message: String, revision: String? = nil) {
            self.type = type
            self.message = message
            self.revision = revision
        }
    }

    public init(name: String, target: String, sync: SyncInfo, health: HealthInfo, pinned: Bool, pinnedRevision: String?,
                resources: [ResourceStatus], lastSync: SyncSummary?, commit: CommitInfo?, condition: Condition?,
                operation: SyncProgress?, autoSync: Bool, repository: String, path: String, revisionSpec: String) {
        self.name = name
        self.target = target
        self.sync = sync
        self.health = health
        self.pinned = pinned
        self.pinnedRevision = pinnedRevision
        self.resources = resources
        self.lastSync = lastSync
        self.commit = commit
        self.condition = condition
        self.operation = operation
        self.autoSync = autoSync
        self.repository = repository
        self.path = path
        self.revisionSpec = revisionSpec
    }
}

/// One line of `bosun apps -o json`. The field names are a contract.
public struct ApplicationSummary: Sendable, Codable {
    public struct Health: Sendable, Codable, Hashable {
        public var status: HealthCode
    }
    public var name: String
    public var target: String
    public var sync: SyncInfo
    public var health: Health
    public var pinned: Bool
    public var subject: String?
    /// The application set that generates it (absent for a listed application).
    public var applicationSet: String?
    /// The replica that owns it, when Bosun runs as replicas.
    public var replica: String?

    public init(_ status: ApplicationStatus) {
        name = status.name
        target = status.target
        sync = status.sync
        health = Health(status: status.health.status)
        pinned = status.pinned
        subject = status.commit?.subject
        applicationSet = status.applicationSet
        replica = status.replica
    }
}

/// Something that happened, for the events list and stream.
public struct EventRecord: Sendable, Codable, Hashable {
    public enum Severity: String, Sendable, Codable { case normal = "Normal", warning = "Warning" }
    public var id: Int64
    public var time: Date
    public var app: String?
    public var type: Severity
    public var reason: String
    public var message: String
    public init(id: Int64 = 0, time: Date, app: String?, type: Severity, reason: String, message: String) {
        self.id = id
        self.time = time
        self.app = app
        self.type = type
        self.reason = reason
        self.message = message
    }
}

extension JSONEncoder {
    /// The encoder for everything Bosun prints or serves as JSON: ISO 8601 dates.
    public static var bosun: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601.format(date))
        }
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }
}

extension JSONDecoder {
    public static var bosun: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let date = ISO8601.parse(text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date: \(text)")
            }
            return date
        }
        return decoder
    }
}

/// ISO 8601 with milliseconds, UTC.
public enum ISO8601 {
    public static func format(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted))
    }

    public static func parse(_ text: String) -> Date? {
        if let d = try? Date(text, strategy: .iso8601.year().month().day().dateSeparator(.dash).time(includingFractionalSeconds: true).timeSeparator(.colon).timeZone(separator: .omitted)) { return d }
        return try? Date(text, strategy: .iso8601)
    }
}
