import BosunCore
import Foundation

/// A store error a person can act on: which operation failed and why (disk full, locked…).
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public var operation: String
    public var message: String
    /// A replica wrote for an application whose lease it no longer holds (the write was refused).
    public var leaseLost: Bool
    public var description: String { "store: \(operation) failed: \(message)" }

    public init(operation: String, message: String, leaseLost: Bool = false) {
        self.operation = operation
        self.message = message
        self.leaseLost = leaseLost
    }
}

/// Bosun's memory: applications' state, sync history with per-resource results, the inventory
/// of what was applied (with last-applied bodies), events and the audit log. SQLite for one
/// `bosun serve` (the default), PostgreSQL for replicas; one test suite holds both to the same
/// behaviour.
public protocol Store: Sendable {
    /// Marks syncs that were running when Bosun stopped as `Interrupted`. Call once at start.
    /// Returns the syncs it marked.
    @discardableResult
    func markInterruptedSyncs(at date: Date) async throws -> [SyncSummary]

    /// Records the start of a sync (result Running) and returns its id.
    /// `sources`: every source's revision, for applications that are not one Git source.
    func beginSync(app: String, trigger: SyncTrigger, revision: String, author: String?, subject: String?,
                   dryRun: Bool, diff: String, sources: [SourceRevision]?, at date: Date) async throws -> Int64
    /// Appends one resource's result to a sync.
    func recordResult(syncID: Int64, _ result: ResourceResult) async throws
    /// Records a resource's result and, in the same transaction, what the inventory now holds
    /// for it, so the two never disagree after a crash.
    func recordApplied(syncID: Int64, app: String, _ result: ResourceResult, applied: Resource?, removed: ResourceKey?,
                       revision: String, at date: Date) async throws
    /// Ends a sync and trims the application's history to `historyLimit`.
    func finishSync(id: Int64, result: SyncResult, message: String, historyLimit: Int, at date: Date) async throws
    /// The sync history of an application, newest first.
    func history(app: String, limit: Int) async throws -> [SyncSummary]
    func sync(id: Int64) async throws -> SyncDetail?
    /// The application a sync belongs to; nil when unknown.
    func appOfSync(id: Int64) async throws -> String?
    /// Deletes an application's history, inventory and state (the application left the config).
    func forget(app: String) async throws

    /// Appends an event and returns it with its id.
    @discardableResult
    func addEvent(_ event: EventRecord) async throws -> EventRecord
    /// Events, newest first; only one application's when `app` is given; only newer than `afterID`.
    func events(app: String?, afterID: Int64, limit: Int) async throws -> [EventRecord]
    /// Records who did what through the API.
    func audit(actor: String, action: String, app: String?, detail: String, at date: Date) async throws

    func appState(_ app: String) async throws -> PersistedAppState
    func setAppState(_ app: String, _ state: PersistedAppState, at date: Date) async throws

    func inventory(app: String) async throws -> [ResourceKey: InventoryEntry]
    /// Every application that holds inventory (to find orphans of removed applications).
    func inventoryApps() async throws -> [String]
    func setInventory(app: String, resource: Resource, revision: String, at date: Date) async throws
    func removeInventory(app: String, key: ResourceKey) async throws

    /// The 32-byte key decrypted values are hashed with in the inventory: the same for every
    /// process sharing the store.
    func sealingKey() async throws -> [UInt8]
}

/// The usual defaults: now, no dry run, the newest 100.
extension Store {
    @discardableResult
    public func markInterruptedSyncs() async throws -> [SyncSummary] { try await markInterruptedSyncs(at: Date()) }

    public func beginSync(app: String, trigger: SyncTrigger, revision: String, author: String?, subject: String?,
                          dryRun: Bool = false, diff: String = "", sources: [SourceRevision]? = nil) async throws -> Int64
    {
        try await beginSync(app: app, trigger: trigger, revision: revision, author: author, subject: subject,
                            dryRun: dryRun, diff: diff, sources: sources, at: Date())
    }

    public func recordApplied(syncID: Int64, app: String, _ result: ResourceResult, applied: Resource?, removed: ResourceKey?,
                              revision: String) async throws
    {
        try await recordApplied(syncID: syncID, app: app, result, applied: applied, removed: removed, revision: revision, at: Date())
    }

    public func finishSync(id: Int64, result: SyncResult, message: String, historyLimit: Int) async throws {
        try await finishSync(id: id, result: result, message: message, historyLimit: historyLimit, at: Date())
    }

    public func history(app: String) async throws -> [SyncSummary] { try await history(app: app, limit: 100) }

    public func events(app: String? = nil, limit: Int = 100) async throws -> [EventRecord] {
        try await events(app: app, afterID: 0, limit: limit)
    }

    public func audit(actor: String, action: String, app: String?, detail: String = "") async throws {
        try await audit(actor: actor, action: action, app: app, detail: detail, at: Date())
    }

    public func setAppState(_ app: String, _ state: PersistedAppState) async throws { try await setAppState(app, state, at: Date()) }

    public func setInventory(app: String, resource: Resource, revision: String) async throws {
        try await setInventory(app: app, resource: resource, revision: revision, at: Date())
    }
}
