import BosunCore
import Synchronization

/// The health of live objects as last judged, by `metadata.uid` and `resourceVersion`, with the
/// declared rules it was judged under. Health is a pure function of the object and the rules,
/// so an object that has not changed since is not judged again: a steady-state pass over 20,000
/// cached objects costs a lookup each (the memo holds about 1.5 MiB for them). New rules forget every answer.
final class HealthMemo: Sendable {
    struct State {
        var rules = DeclaredHealthRules()
        /// Counts rule changes, so an answer judged under older rules is not kept.
        var generation = 0
        /// By a hash of the uid (unique to one object for its whole life): 20,000 uids kept as
        /// strings would cost more than the answers. A collision only shares a slot, as the
        /// resource version must match too.
        var answers: [Int: Answer] = [:]
    }

    struct Answer {
        var version: String
        var health: HealthStatus
    }

    /// Past this many answers (objects deleted long ago among them) the memo starts afresh.
    static let limit = 200_000

    private let state = Mutex(State())

    /// The health of `object`.
    func health(of object: Resource) -> HealthStatus {
        let metadata = object.metadata
        let uid = metadata["uid"]?.stringValue ?? ""
        let version = metadata["resourceVersion"]?.stringValue ?? ""
        let remembered = !uid.isEmpty && !version.isEmpty
        let slot = uid.hashValue
        if remembered, let known = state.withLock({ $0.answers[slot] }), known.version == version { return known.health }
        let (rules, generation) = state.withLock { ($0.rules, $0.generation) }
        let health = HealthRules.health(of: object, declared: rules)
        guard remembered else { return health }
        state.withLock { state in
            // Rules replaced meanwhile: the answer is already stale.
            guard state.generation == generation else { return }
            if state.answers.count >= Self.limit { state.answers.removeAll(keepingCapacity: true) }
            state.answers[slot] = Answer(version: version, health: health)
        }
        return health
    }

    /// Judges by `rules` from now on.
    func use(_ rules: DeclaredHealthRules) {
        state.withLock { state in
            state.rules = rules
            state.generation += 1
            state.answers.removeAll()
        }
    }
}
