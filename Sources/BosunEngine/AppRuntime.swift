import BosunCore
import BosunDiff
import BosunGit
import BosunStore
import Foundation

/// Why the engine looks at an application now.
enum Wake: Sendable {
    /// The interval came round, or the config changed (trigger names which).
    case scheduled(SyncTrigger)
    /// Someone asked to re-resolve now (webhook, `bosun refresh`): fetch first.
    case refresh(SyncTrigger)
    /// The target saw something change: compare again, no fetch.
    case targetChanged(String)
    /// A person asked for a sync.
    case sync(SyncRequest, reply: @Sendable (Result<Int64, any Error>) -> Void)
    /// One look now, reporting back when done (benchmarks, tests).
    case pass(fetch: Bool, done: @Sendable () -> Void)
}

/// A manual sync or rollback, as the API and CLI ask for it.
public struct SyncRequest: Sendable {
    /// A branch, tag or commit; nil: what the application tracks (or its pin).
    public var revision: String?
    public var prune: Bool
    public var trigger: SyncTrigger
    /// Pin the application at the synced commit (rollback).
    public var pin: Bool
    /// Prune even beyond `maxPrunePercent`, and sync an empty render (a person said it is meant).
    public var forcePrune: Bool

    public init(revision: String? = nil, prune: Bool = false, trigger: SyncTrigger = .manual, pin: Bool = false, forcePrune: Bool = false) {
        self.revision = revision
        self.prune = prune
        self.trigger = trigger
        self.pin = pin
        self.forcePrune = forcePrune
    }
}

/// What the engine computed the last time it compared an application with its target.
struct Observation: Sendable {
    var commit: Commit
    var desired: [Resource]
    var hooks: [Resource]
    var diffs: [ResourceDiff]
    var live: [ResourceKey: Resource]
    var health: [ResourceKey: HealthStatus]
    var appHealth: HealthStatus
    var outOfSync: Bool
    /// Objects labelled for the application that another application's tracking id names:
    /// reported by each sync, never pruned.
    var foreign: [ResourceKey: String] = [:]
}

/// What the engine keeps of its last look at an application until the next: the status it
/// shows, and the desired state, so a look at the same commit neither renders nor parses again.
/// Packed and without the live objects (the target holds those): a thousand applications'
/// looks would otherwise hold another copy of everything that runs and everything in Git.
struct LastLook: Sendable {
    struct Row: Sendable {
        var key: ResourceKey
        var action: ChangeAction
        /// Judged for the resources Git declares; nil for one only the inventory knows.
        var health: HealthStatus?
    }

    var commit: Commit
    var desired: PackedResources
    var hooks: PackedResources
    /// Every resource compared, by key.
    var rows: [Row]
    var appHealth: HealthStatus
    var outOfSync: Bool

    /// The look `observation` records; `earlier`'s packed desired state is taken as it is when
    /// the observation compared that same desired state (a look at an unchanged commit).
    init(_ observation: Observation, desiredFrom earlier: LastLook? = nil) {
        commit = observation.commit
        if let earlier {
            (desired, hooks) = (earlier.desired, earlier.hooks)
        } else {
            desired = PackedResources(observation.desired)
            hooks = PackedResources(observation.hooks)
        }
        var seen = Set<ResourceKey>()
        rows = observation.diffs.filter { seen.insert($0.key).inserted }.sorted { $0.key < $1.key }.map {
            Row(key: $0.key, action: $0.action, health: observation.health[$0.key])
        }
        appHealth = observation.appHealth
        outOfSync = observation.outOfSync
    }

    var desiredState: DesiredState { DesiredState(commit: commit, resources: desired.resources, hooks: hooks.resources) }

    var changedKeys: [ResourceKey] { rows.filter { $0.action != .unchanged }.map(\.key) }
}

/// Everything the engine holds about one application while it runs.
struct AppRuntime: Sendable {
    var spec: ApplicationSpec
    var persisted: PersistedAppState
    var lastLook: LastLook?
    /// The commit Git wants, when resolution worked.
    var targetCommit: Commit?
    var condition: ApplicationStatus.Condition?
    var operation: SyncProgress?
    var lastSync: SyncSummary?
    /// Retries of a failed sync: which commit, how many attempts, not before when.
    var retry: (revision: String, attempts: Int, notBefore: Date)?
    var nextDue: Date
    /// Whether the scheduler wakes the application at `nextDue` (once; each look arms it again).
    var armed = false
    /// Wakes not handled yet, in the order they came.
    var mailbox: [Wake] = []
    /// The task handling the mailbox while it is not empty. None waits for an idle
    /// application: a thousand waiting tasks and their streams cost megabytes.
    var loop: Task<Void, Never>?
    /// Tells this runtime from a later one of the same name (removed and added again).
    var generation: UInt64 = 0
    var lastReportedSync: SyncCode?
    var lastReportedHealth: HealthCode?
    /// A manual sync was asked for and not yet picked up.
    var pendingManualSync = false
    /// A refresh is queued and not yet started: later asks join it (webhook bursts coalesce).
    var refreshQueued = false
    /// The running sync someone asked to stop (`bosun terminate`), and who.
    var termination: (syncID: Int64, actor: String)?
}

/// The one sleeping task that wakes applications when they are due.
struct Scheduler {
    var task: Task<Void, Never>?
    /// When the task wakes.
    var until: Date?
    /// Counts the tasks started, so one cancelled too late does nothing.
    var round: UInt64 = 0
}
