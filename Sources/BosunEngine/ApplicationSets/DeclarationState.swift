import BosunCore
import Foundation

typealias Condition = ApplicationStatus.Condition

/// What the engine holds about the declarations beyond the local file: each include's last
/// good files, each listing's last good result, each set's last good applications. A failure
/// never empties any of them: the last good value stays in force and a condition says why.
struct DeclarationState: Sendable {
    /// The local config as loaded (its own applications, sets and includes).
    var local: Config
    /// Bumped at each reload: included files are read again against the new local config.
    var localVersion = 0
    var includes: [IncludeSpec: IncludeRecord] = [:]
    /// The last good listing of each Git generator, shared by the sets that use the same one.
    var listings: [GeneratorSpec: Listing] = [:]
    /// Why a listing failed (the last good one stays), or that it came from a stale mirror.
    var listingConditions: [GeneratorSpec: Condition] = [:]
    /// Listings whose last attempt failed outright: their sets keep their applications.
    var failedListings: Set<GeneratorSpec> = []
    var sets: [String: SetRecord] = [:]
    /// The sets in force (local first, then included files'), as last composed.
    var activeSets: [ApplicationSetSpec] = []
    /// Which set generated each running application.
    var owner: [String: String] = [:]
    /// Names refused at composition (claimed twice, or already listed), by set.
    var conflicts: [String: [String]] = [:]
    /// Repositories to fetch now (a webhook push, `bosun appsets sync`), sets to let delete beyond the guard.
    var pendingForce: Set<String> = []
    var pendingForceDelete: Set<String> = []
    var waiters: [CheckedContinuation<Void, Never>] = []
    var wakes: AsyncStream<Void>.Continuation?
    var loop: Task<Void, Never>?
    var ticker: Task<Void, Never>?
    /// The conditions last reported as events, by subject.
    var reported: [String: Condition] = [:]
    /// Names that `dependsOn` or `notifications[].applications` give and nothing defines.
    var unknownReferences: [String] = []
    /// Something read or generated differs from what was last applied: compose and apply again.
    /// (A steady-state refresh changes nothing and costs no walk over every application.)
    var changed = true

    init(local: Config) { self.local = local }

    /// Whether any include or set reads `repository`.
    func reads(_ repository: String) -> Bool {
        local.includes.contains { $0.repository == repository }
            || activeSets.contains { $0.generators.flatMap(\.gitListings).contains { $0.git?.repository == repository } }
            || local.applicationSets.contains { $0.generators.flatMap(\.gitListings).contains { $0.git?.repository == repository } }
    }
}

/// One include entry: the definitions of each file at the last good read.
struct IncludeRecord: Sendable {
    var commit: String?
    var localVersion = -1
    var files: [String: IncludedDefinitions] = [:]
    var condition: Condition?
}

/// One set: the applications it generated at its last good listing.
struct SetRecord: Sendable {
    var applied: [ApplicationSpec] = []
    var condition: Condition?
    var generatedAt: Date?
    /// The listings' commits and the set's definition the applications were generated from.
    var generatedFrom: [GeneratorSpec: String] = [:]
    var definition: ApplicationSetSpec?
    /// What the last generation refused (names two entries generated), shown while it holds.
    var note: Condition?
}
