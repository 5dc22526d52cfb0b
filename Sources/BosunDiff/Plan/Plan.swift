import BosunCore

/// The ordered work of one sync: hooks by phase, waves of applies, prunes last.
///
/// - Sync waves come from `bosun.dev/sync-wave` (else `argocd.argoproj.io/sync-wave`); lower first,
///   default 0. Inside a wave, `KindOrder`, then namespace, then name.
/// - Hooks (see `Hooks`) are set apart by phase, ordered by wave then kind; they are neither
///   applied in waves nor pruned.
/// - Prunes come after everything else, in reverse apply order (highest wave first, reverse kind
///   order). A resource whose live (or last-applied) object says `bosun.dev/prune: "false"` or
///   `argocd.argoproj.io/sync-options: Prune=false` is never pruned and is listed in `keptFromPrune`.
///
/// Encodes without resource bodies: steps and hooks as `{key, action, wave}` and
/// `{phase, key, wave, deletePolicies}`.
public struct Plan: Sendable, Encodable {
    /// One resource to apply, leave, or delete.
    public struct Step: Sendable, Encodable {
        /// The resource.
        public var key: ResourceKey
        /// Create, update or unchanged in a wave; delete in prunes.
        public var action: ChangeAction
        /// The sync wave the resource is in.
        public var wave: Int
        /// The desired resource for applies; the live (or last-applied) one for prunes.
        public var resource: Resource?

        /// A step for `key`.
        public init(key: ResourceKey, action: ChangeAction, wave: Int, resource: Resource?) {
            self.key = key
            self.action = action
            self.wave = wave
            self.resource = resource
        }

        enum CodingKeys: String, CodingKey { case key, action, wave }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(key, forKey: .key)
            try container.encode(action, forKey: .action)
            try container.encode(wave, forKey: .wave)
        }
    }

    /// The steps of one sync wave, in kind order.
    public struct Wave: Sendable, Encodable {
        /// The sync-wave annotation value shared by the steps.
        public var number: Int
        /// In kind order, then namespace, then name.
        public var steps: [Step]

        /// A wave of `steps`, already ordered.
        public init(number: Int, steps: [Step]) {
            self.number = number
            self.steps = steps
        }
    }

    /// A hook resource run in one phase.
    public struct Hook: Sendable, Encodable {
        /// The phase it runs in (a hook of several phases is listed once per phase).
        public var phase: HookPhase
        /// The hook manifest from Git.
        public var resource: Resource
        /// When to delete it; `BeforeHookCreation` unless set.
        public var deletePolicies: [HookDeletePolicy]
        /// The order inside its phase, lower first.
        public var wave: Int

        /// A hook run in `phase`.
        public init(phase: HookPhase, resource: Resource, deletePolicies: [HookDeletePolicy], wave: Int) {
            self.phase = phase
            self.resource = resource
            self.deletePolicies = deletePolicies
            self.wave = wave
        }

        /// The hook's key.
        public var key: ResourceKey { resource.key }

        enum CodingKeys: String, CodingKey { case phase, key, wave, deletePolicies }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(phase, forKey: .phase)
            try container.encode(key, forKey: .key)
            try container.encode(wave, forKey: .wave)
            try container.encode(deletePolicies, forKey: .deletePolicies)
        }
    }

    /// In phase, wave, kind order.
    public var hooks: [Hook]
    /// Creates, updates (and unchanged, so health waits can see them), ascending.
    public var waves: [Wave]
    /// Deletes, reverse order.
    public var prunes: [Step]
    /// Resources gone from Git whose prune is disabled by annotation.
    public var keptFromPrune: [ResourceKey]

    /// A plan of the given parts, already ordered.
    public init(hooks: [Hook] = [], waves: [Wave] = [], prunes: [Step] = [], keptFromPrune: [ResourceKey] = []) {
        self.hooks = hooks
        self.waves = waves
        self.prunes = prunes
        self.keptFromPrune = keptFromPrune
    }

    /// The plan for `desired` given the diffs of the same sync. A desired resource without a
    /// diff is planned as `create`; diffs of hook resources are left out (hooks run by phase);
    /// a live object that is itself a hook is never pruned. `prune: false` leaves deletes out of
    /// `prunes` (they are still reported by the diff).
    public static func make(desired: [Resource], diffs: [ResourceDiff], prune: Bool) -> Plan {
        var diffByKey: [ResourceKey: ResourceDiff] = [:]
        for diff in diffs { diffByKey[diff.key] = diff }

        var hooks: [Hook] = []
        var steps: [Step] = []
        var planned = Set<ResourceKey>()
        for resource in desired {
            let key = resource.key
            if let phases = Hooks.phases(of: resource) {
                let policies = Hooks.deletePolicies(of: resource)
                hooks += phases.map { Hook(phase: $0, resource: resource, deletePolicies: policies, wave: resource.syncWave) }
                planned.insert(key)
                continue
            }
            guard planned.insert(key).inserted else { continue }
            let action = diffByKey[key].map { $0.action == .delete ? .create : $0.action } ?? .create
            steps.append(Step(key: key, action: action, wave: resource.syncWave, resource: resource))
        }

        var prunes: [Step] = []
        var kept: [ResourceKey] = []
        for diff in diffs where diff.action == .delete && !planned.contains(diff.key) {
            guard let existing = diff.live ?? diff.lastApplied else { continue }
            if Hooks.isHook(existing) { continue }
            if existing.isPruneDisabled {
                kept.append(diff.key)
            } else if prune {
                prunes.append(Step(key: diff.key, action: .delete, wave: existing.syncWave, resource: existing))
            }
        }

        let stepsByWave = Dictionary(grouping: steps, by: \.wave)
        return Plan(
            hooks: hooks.sorted(by: hookOrder),
            waves: stepsByWave.keys.sorted().map { number in
                Wave(number: number, steps: (stepsByWave[number] ?? []).sorted { KindOrder.applyOrder($0.key, $1.key) })
            },
            prunes: prunes.sorted { a, b in a.wave != b.wave ? a.wave > b.wave : KindOrder.applyOrder(b.key, a.key) },
            keptFromPrune: kept.sorted())
    }

    static func hookOrder(_ a: Hook, _ b: Hook) -> Bool {
        let phaseA = HookPhase.allCases.firstIndex(of: a.phase) ?? 0
        let phaseB = HookPhase.allCases.firstIndex(of: b.phase) ?? 0
        if phaseA != phaseB { return phaseA < phaseB }
        if a.wave != b.wave { return a.wave < b.wave }
        return KindOrder.applyOrder(a.key, b.key)
    }

    /// The hooks of one phase, in order.
    public func hooks(_ phase: HookPhase) -> [Hook] { hooks.filter { $0.phase == phase } }

    /// Every step of every wave, in apply order.
    public var steps: [Step] { waves.flatMap(\.steps) }

    /// True when the sync would change nothing: no create, update or prune. Hooks run only as
    /// part of a sync that changes something, so they do not count.
    public var isNoop: Bool {
        prunes.isEmpty && !waves.contains { $0.steps.contains { $0.action == .create || $0.action == .update } }
    }
}
