import BosunCore

/// Health for kinds without a rule of their own (custom resources above all), read from the
/// fields controllers write by convention, as kstatus (kubernetes-sigs/cli-utils) and Flux read
/// them. The rules run in order and the first with an answer decides; each names the field that
/// decided in its message. An object with no `status` at all is healthy once it exists
/// (ConfigMap, Secret, RBAC…): nothing can tell offline whether its kind has a status.
enum GenericHealth {
    /// What the rules read, parsed once per object.
    struct Observed {
        var object: Resource
        var status: JSONObject?
        var conditions: [Condition]

        init(_ object: Resource) {
            self.object = object
            status = object.body["status"]?.objectValue
            conditions = Resource.conditions(in: status?["conditions"]?.arrayValue ?? [])
        }

        var kind: String { object.kind.isEmpty ? "object" : object.kind }
        func condition(_ type: String) -> Condition? { conditions.first { $0.type == type } }
    }

    /// One rule: an answer, or nil to let the next rule look.
    typealias Rule = @Sendable (Observed) -> HealthStatus?

    /// The rules, in the order they are asked.
    static let rules: [(name: String, rule: Rule)] = [
        ("spec.suspend / spec.paused", suspended),
        ("no status", noStatus),
        ("status.observedGeneration", observedGeneration),
        ("Stalled", stalled),
        ("Reconciling / Issuing", reconciling),
        ("Ready, Available, Succeeded, Healthy, Synced", readiness),
        ("status.phase / status.state", phase),
    ]

    static func health(_ object: Resource) -> HealthStatus {
        let observed = Observed(object)
        for (_, rule) in rules {
            if let answer = rule(observed) { return answer }
        }
        return nothingToRead(observed)
    }

    /// A status without anything the rules read: healthy, and the message says so.
    static func nothingToRead(_ o: Observed) -> HealthStatus {
        .healthy("status has no condition, phase or state Bosun reads; declare a health rule for \(o.kind) to judge it")
    }

    // MARK: The rules

    /// `spec.suspend: true` (Flux, CronJob-like kinds) or `spec.paused: true` (Argo Rollouts,
    /// Cluster API): the controller was told to stop.
    static func suspended(_ o: Observed) -> HealthStatus? {
        if o.object.bool("spec", "suspend") == true { return .suspended("\(o.kind) is suspended (spec.suspend: true)") }
        if o.object.bool("spec", "paused") == true { return .suspended("\(o.kind) is paused (spec.paused: true)") }
        return nil
    }

    /// No `status` at all: healthy once it exists (a declared rule may say otherwise).
    static func noStatus(_ o: Observed) -> HealthStatus? {
        o.status == nil ? .healthy() : nil
    }

    /// `status.observedGeneration` behind `metadata.generation`: whatever the rest of the
    /// status says describes an older spec.
    static func observedGeneration(_ o: Observed) -> HealthStatus? {
        guard let observed = o.object.observedGeneration, observed < o.object.generation else { return nil }
        return .progressing("status.observedGeneration \(observed) is behind metadata.generation \(o.object.generation): the controller has not seen this spec yet")
    }

    /// `Stalled=True`: the controller gave up (kstatus' failure condition).
    static func stalled(_ o: Observed) -> HealthStatus? {
        guard let stalled = o.condition("Stalled"), stalled.isTrue else { return nil }
        return .degraded(stalled.summary)
    }

    /// `Reconciling=True` (kstatus) or `Issuing=True` (cert-manager): work is under way.
    static func reconciling(_ o: Observed) -> HealthStatus? {
        for type in ["Reconciling", "Issuing"] {
            if let condition = o.condition(type), condition.isTrue { return .progressing(condition.summary) }
        }
        return nil
    }

    /// The readiness conditions, in this order, the first present deciding (so a Crossplane
    /// claim with `Synced=True, Ready=False` is judged by Ready).
    static let readinessTypes = ["Ready", "Available", "Succeeded", "Healthy", "Synced"]

    static func readiness(_ o: Observed) -> HealthStatus? {
        guard !o.conditions.isEmpty else { return nil }
        for type in readinessTypes {
            guard let condition = o.condition(type) else { continue }
            if condition.isTrue { return .healthy(condition.summary) }
            if condition.isFalse {
                return isProgressingReason(condition.reason) ? .progressing(condition.summary) : .degraded(condition.summary)
            }
            return .progressing(condition.summary)
        }
        return nil
    }

    /// `status.phase`, else `status.state`, when it is a word that says how things stand.
    static func phase(_ o: Observed) -> HealthStatus? {
        for field in ["phase", "state"] {
            guard let word = o.status?[field]?.stringValue, !word.isEmpty else { continue }
            let detail = (o.status?["message"]?.stringValue ?? o.status?["reason"]?.stringValue).map { ": \($0)" } ?? ""
            let said = "status.\(field) is \(word)\(detail)"
            switch PhaseWords.health(of: word) {
            case .healthy?: return .healthy(said)
            case .progressing?: return .progressing(said)
            case .degraded?: return .degraded(said)
            case .suspended?: return .suspended(said)
            case .unknown?: return .unknown(said)
            case .missing?, nil:
                return .healthy("status.\(field) is \(word), a word Bosun does not judge; declare a health rule for \(o.kind) to judge it")
            }
        }
        return nil
    }

    // MARK: Words

    /// Reasons of a False readiness condition that mean "not yet" rather than "failed".
    static let progressingReasons: Set<String> = [
        "Progressing", "Reconciling", "Pending", "Creating", "Initializing", "Initialising", "Waiting", "InProgress",
        "DependencyNotReady", "Provisioning", "Deploying", "Updating", "Starting", "Scaling", "NotReconciled", "Issuing",
        "Installing", "Upgrading", "Scheduling", "Running", "ReconciliationInProgress",
    ]

    static func isProgressingReason(_ reason: String) -> Bool {
        if progressingReasons.contains(reason) { return true }
        let lowered = reason.lowercased()
        return lowered.contains("progress") || lowered.contains("pending") || lowered.hasPrefix("waiting")
            || lowered.hasPrefix("creating") || lowered.hasPrefix("provisioning") || lowered.hasPrefix("reconciling")
    }
}

/// The words controllers write in `status.phase` or `status.state`, by the health they mean.
enum PhaseWords {
    static let healthy: Set<String> = [
        "running", "ready", "active", "bound", "succeeded", "success", "successful", "available", "healthy", "completed",
        "complete", "deployed", "established", "online", "ok", "synced", "issued", "done", "finished", "valid", "provisioned",
    ]
    static let progressing: Set<String> = [
        "pending", "creating", "provisioning", "updating", "inprogress", "in progress", "progressing", "deploying",
        "initializing", "initialising", "starting", "scaling", "reconciling", "waiting", "upgrading", "installing",
        "terminating", "deleting", "scheduling", "building", "restarting", "migrating", "queued",
    ]
    static let suspended: Set<String> = ["paused", "suspended"]
    static let degraded: Set<String> = ["degraded", "unhealthy", "aborted", "lost", "unavailable"]

    /// The health a word means; nil for a word that says nothing Bosun can judge.
    static func health(of word: String) -> HealthCode? {
        let lowered = word.lowercased()
        if healthy.contains(lowered) { return .healthy }
        if progressing.contains(lowered) { return .progressing }
        if suspended.contains(lowered) { return .suspended }
        if degraded.contains(lowered) || lowered.contains("fail") || lowered.contains("error") || lowered.hasPrefix("crashloop") {
            return .degraded
        }
        if lowered == "unknown" { return .unknown }
        return nil
    }
}
