import BosunCore
import BosunGit
import Foundation

/// Applications declared in Git: files of applications read by `include:`, and application
/// sets generated from folders, files and lists. Each refresh yields a new list of application
/// specs that goes through `apply(_:)`, the same path as a config reload, so generated and
/// included applications behave exactly as listed ones.
///
/// A refresh reads listings from the mirrors the applications fetch (one fetch per repository
/// per window, shared); a failure keeps the last good definitions and reports a condition.
extension Engine {
    // MARK: The loop

    /// Starts the loop that refreshes the declarations: now, after each fetch of a repository
    /// they read, on a webhook push, and on a timer as a floor.
    func startDeclarations() {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        declarations.wakes = continuation
        declarations.loop = Task { [weak self] in
            for await _ in stream {
                guard let self else { return }
                await self.runDeclarations()
            }
        }
        startDeclarationTicker()
        requestDeclarations()
    }

    /// The timer, once the config has includes or sets (none: no timer, nothing to list).
    func startDeclarationTicker() {
        guard declarations.ticker == nil, !declarations.local.includes.isEmpty || !declarations.local.applicationSets.isEmpty else { return }
        let clock = self.clock
        declarations.ticker = Task { [weak self] in
            while !Task.isCancelled {
                guard let interval = await self?.declarationInterval() else { return }
                do { try await clock.sleep(for: interval) } catch { return }
                await self?.requestDeclarations()
            }
        }
    }

    func stopDeclarations() async {
        declarations.ticker?.cancel()
        declarations.wakes?.finish()
        if let loop = declarations.loop {
            loop.cancel()
            await loop.value
        }
        for waiter in declarations.waiters { waiter.resume() }
        declarations.waiters.removeAll()
    }

    /// The shortest sync interval of the applications in force (the default when none): how
    /// often declarations are looked at without a push, and the fetch window of repositories
    /// that only declarations read.
    func declarationInterval() -> Duration {
        min(specIndex.shortestInterval.values.min() ?? SyncPolicy.defaultInterval, SyncPolicy.defaultInterval)
    }

    /// Asks for a refresh; asks that arrive while one is queued join it.
    func requestDeclarations(force: Set<String> = [], forceDelete: Set<String> = []) {
        declarations.pendingForce.formUnion(force)
        declarations.pendingForceDelete.formUnion(forceDelete)
        declarations.wakes?.yield()
    }

    /// A refresh that the caller waits for (an API call, a webhook push).
    func refreshDeclarationsNow(force: Set<String> = [], forceDelete: Set<String> = []) async {
        guard running else { return }
        await withCheckedContinuation { continuation in
            declarations.waiters.append(continuation)
            requestDeclarations(force: force, forceDelete: forceDelete)
        }
    }

    /// After an application's fetch of a repository that declarations read: list it again.
    func declarationsFetched(_ repository: String) {
        if declarations.reads(repository) { requestDeclarations() }
    }

    /// A webhook push to these repositories (by name): fetch them now and list again. Returns
    /// whether any declaration reads them.
    public func declarationsPushed(repositories: Set<String>) async -> Bool {
        let read = repositories.filter { declarations.reads($0) }
        guard !read.isEmpty else { return false }
        requestDeclarations(force: read)
        return true
    }

    func runDeclarations() async {
        let waiters = declarations.waiters
        declarations.waiters.removeAll()
        await refreshDeclarations()
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Refresh

    /// Reads the includes, lists the generators, generates each set, and applies the result.
    func refreshDeclarations() async {
        let force = declarations.pendingForce
        let forceDelete = declarations.pendingForceDelete
        declarations.pendingForce.removeAll()
        declarations.pendingForceDelete.removeAll()
        let local = declarations.local
        guard !local.includes.isEmpty || !local.applicationSets.isEmpty || !declarations.activeSets.isEmpty || !declarations.includes.isEmpty
        else { return }
        var fetched: [String: Result<String?, any Error>] = [:]

        // Read: each include's files, then every set's listings (included sets are known only now).
        for include in local.includes {
            await readInclude(include, local: local, force: force, fetched: &fetched)
        }
        let sets = collectSets(local)
        var listed: Set<GeneratorSpec> = []
        for set in sets {
            for generator in set.generators.flatMap(\.gitListings) where listed.insert(generator).inserted {
                await list(generator, local: local, force: force, fetched: &fetched)
            }
        }
        for generator in declarations.listings.keys where !listed.contains(generator) {
            declarations.listings[generator] = nil
            declarations.listingConditions[generator] = nil
            declarations.failedListings.remove(generator)
        }

        // Generate, then apply everything as one new list of applications.
        for set in sets { generate(set, local: local, forceDelete: forceDelete.contains(set.name)) }
        await applyDeclarations()
    }

    /// Fetches a repository once per refresh: within its window an application's fetch is
    /// reused; a push joins a fetch already under way for it instead of starting another.
    func fetchForDeclarations(_ repository: RepositorySpec, force: Bool, fetched: inout [String: Result<String?, any Error>]) async throws -> String? {
        if let done = fetched[repository.name] { return try done.get() }
        let result: Result<String?, any Error>
        do {
            if force, let inFlight = fetches[repository.name] {
                result = .success(try await inFlight.value.warning)
            } else {
                result = .success(try await fetchIfDue(repository, force: force, notify: false))
            }
        } catch {
            result = .failure(error)
        }
        fetched[repository.name] = result
        return try result.get()
    }

    func readInclude(_ include: IncludeSpec, local: Config, force: Set<String>, fetched: inout [String: Result<String?, any Error>]) async {
        var record = declarations.includes[include] ?? IncludeRecord()
        defer { declarations.includes[include] = record }
        guard let repository = local.repository(named: include.repository) else { return }
        let commit: Commit
        let warning: String?
        do {
            warning = try await fetchForDeclarations(repository, force: force.contains(repository.name), fetched: &fetched)
            commit = try await git.resolve(include.revision, in: repository)
            try await verifySignature(include.revision, commit: commit, in: repository)
        } catch {
            record.condition = Condition(type: "SourceUnavailable", message: "\(include.label): \(error); the definitions read at \(record.commit.map { String($0.prefix(7)) } ?? "no commit yet") stay in force", revision: record.commit)
            return
        }
        let stale = warning.map { Condition(type: "SourceUnavailable", message: "\(include.label): \($0); read from the last fetched state at \(commit.sha.prefix(7))", revision: commit.sha) }
        if record.commit == commit.sha && record.localVersion == declarations.localVersion {
            if record.condition?.type != "ConfigInvalid" { record.condition = stale }
            return
        }
        let files: [(file: String, result: Result<IncludedDefinitions, ConfigError>)]
        do {
            files = try await DeclarationReader(git: git).read(include, repository: repository, commit: commit.sha, local: local)
        } catch {
            record.condition = Condition(type: "SourceUnavailable", message: "\(include.label) at \(commit.sha.prefix(7)): \(error)", revision: commit.sha)
            return
        }
        // Names defined elsewhere (locally, by other includes) at the moment: a file defining one again is invalid.
        var elsewhere: [String: String] = [:]
        for app in local.applications { elsewhere[app.name] = local.file.map { URL(fileURLWithPath: $0).lastPathComponent } ?? "the local config" }
        for set in local.applicationSets { elsewhere["set:" + set.name] = "\(set.origin)" }
        for rules in local.healthRules { elsewhere["healthRules:" + rules.kindKey] = rules.source.map { "\($0)" } ?? "the local config" }
        for (other, otherRecord) in declarations.includes where other != include {
            for (_, definitions) in otherRecord.files {
                for app in definitions.applications { elsewhere[app.name] = definitions.origins[app.name].map { "\($0)" } ?? other.label }
                for set in definitions.applicationSets { elsewhere["set:" + set.name] = "\(set.origin)" }
                for rules in definitions.healthRules { elsewhere["healthRules:" + rules.kindKey] = rules.source.map { "\($0)" } ?? other.label }
            }
        }
        var next: [String: IncludedDefinitions] = [:]
        var problems: [String] = []
        for (file, result) in files {
            switch result {
            case .success(let definitions):
                var clashes: [String] = []
                for app in definitions.applications {
                    let here = definitions.origins[app.name].map { "\($0)" } ?? "\(include.repository):\(file)"
                    if let there = elsewhere[app.name] { clashes.append("application \"\(app.name)\" is defined at \(here) and at \(there)") }
                    elsewhere[app.name] = here
                }
                for set in definitions.applicationSets {
                    if let there = elsewhere["set:" + set.name] { clashes.append("application set \"\(set.name)\" is defined at \(set.origin) and at \(there)") }
                    elsewhere["set:" + set.name] = "\(set.origin)"
                }
                // Two rule lists for one kind: which would decide is not for Bosun to guess.
                for rules in definitions.healthRules {
                    let here = rules.source.map { "\($0)" } ?? "\(include.repository):\(file)"
                    if let there = elsewhere["healthRules:" + rules.kindKey] {
                        clashes.append("health rules for \(rules.group.isEmpty ? rules.kind : "\(rules.group)/\(rules.kind)") are declared at \(here) and at \(there); keep one list")
                    }
                    elsewhere["healthRules:" + rules.kindKey] = here
                }
                if clashes.isEmpty {
                    next[file] = definitions
                } else {
                    problems.append(contentsOf: clashes.map { "\($0); give each its own name" })
                    if let previous = record.files[file] { next[file] = previous }
                }
            case .failure(let error):
                problems.append(contentsOf: error.diagnostics.map { "\($0) at commit \(commit.sha.prefix(7))" })
                if let previous = record.files[file] { next[file] = previous }
            }
        }
        if record.files != next { declarations.changed = true }
        record.files = next
        record.commit = commit.sha
        record.localVersion = declarations.localVersion
        record.condition = problems.isEmpty ? stale
            : Condition(type: "ConfigInvalid", message: problems.joined(separator: "\n") + (next.isEmpty ? "" : "\n(the last good definitions of these files stay in force)"), revision: commit.sha)
    }

    /// The health rules in force: the local config's, then the included files' (a kind declared
    /// twice is refused when the file is read, so the first list of a kind is the only one).
    func collectHealthRules(_ local: Config) -> [HealthRuleSet] {
        var rules = local.healthRules
        var kinds = Set(rules.map(\.kindKey))
        for include in local.includes {
            guard let record = declarations.includes[include] else { continue }
            for file in record.files.keys.sorted() {
                for set in record.files[file]?.healthRules ?? [] where kinds.insert(set.kindKey).inserted { rules.append(set) }
            }
        }
        return rules
    }

    /// The sets in force: the local config's, then the included files', first definition of a name winning.
    func collectSets(_ local: Config) -> [ApplicationSetSpec] {
        var sets = local.applicationSets
        var names = Set(sets.map(\.name))
        for include in local.includes {
            guard let record = declarations.includes[include] else { continue }
            for file in record.files.keys.sorted() {
                for set in record.files[file]?.applicationSets ?? [] where names.insert(set.name).inserted { sets.append(set) }
            }
        }
        return sets
    }

    func list(_ generator: GeneratorSpec, local: Config, force: Set<String>, fetched: inout [String: Result<String?, any Error>]) async {
        guard let g = generator.git, let repository = local.repository(named: g.repository) else { return }
        let previous = declarations.listings[generator]
        do {
            let warning = try await fetchForDeclarations(repository, force: force.contains(repository.name), fetched: &fetched)
            let commit = try await git.resolve(g.revision, in: repository)
            try await verifySignature(g.revision, commit: commit, in: repository)
            if previous?.commit != commit.sha {
                let entries = try await DeclarationReader(git: git).list(generator, repository: repository, commit: commit.sha)
                declarations.listings[generator] = Listing(commit: commit.sha, entries: entries, at: clock.now)
            }
            declarations.failedListings.remove(generator)
            declarations.listingConditions[generator] = warning.map {
                Condition(type: "GeneratorFailed", message: "\(g.repository) \(g.revision): \($0); listed from the last fetched state at \(commit.sha.prefix(7))", revision: commit.sha)
            }
        } catch {
            declarations.failedListings.insert(generator)
            declarations.listingConditions[generator] = Condition(
                type: "GeneratorFailed",
                message: "\(generator.type) of \(g.repository) at \(g.revision): \(error); the applications of the last good listing\(previous.map { " (\($0.commit.prefix(7)))" } ?? "") are kept",
                revision: previous?.commit)
        }
    }

    /// Fills the set's template with its entries, unless a listing failed, an entry cannot be
    /// filled, or the result would remove more than `maxDeletePercent` of its applications.
    func generate(_ set: ApplicationSetSpec, local: Config, forceDelete: Bool) {
        var record = declarations.sets[set.name] ?? SetRecord()
        defer { declarations.sets[set.name] = record }
        let gitGenerators = set.generators.flatMap(\.gitListings)
        let failed = gitGenerators.filter { declarations.failedListings.contains($0) || declarations.listings[$0] == nil }
        if !failed.isEmpty {
            let messages = failed.compactMap { declarations.listingConditions[$0]?.message }
            record.condition = Condition(type: "GeneratorFailed", message: messages.isEmpty ? "not listed yet" : messages.joined(separator: "\n"),
                                         revision: failed.first.flatMap { declarations.listings[$0]?.commit })
            return
        }
        let from = Dictionary(gitGenerators.compactMap { g in declarations.listings[g].map { (g, $0.commit) } }, uniquingKeysWith: { a, _ in a })
        let stale = gitGenerators.compactMap { declarations.listingConditions[$0] }
        if record.generatedFrom == from, record.definition == set, !forceDelete, record.condition?.type != "DeleteRefused" {
            record.condition = record.note ?? stale.first  // nothing new to generate
            return
        }
        let commit = from.values.sorted().first
        let result: ApplicationSetGeneration.Result
        do {
            let entries = try set.generators.flatMap { generator throws(GenerationError) in
                try ApplicationSetGeneration.entries(generator, listings: declarations.listings)
            }
            result = try ApplicationSetGeneration.applications(of: set, entries: entries, config: local)
        } catch {
            record.condition = Condition(type: "GeneratorFailed", message: "\(error); the last good applications are kept", revision: commit)
            return
        }
        var generated = result.applications
        // A name two entries generate is refused for both; what already ran under it stays.
        for name in result.duplicates.keys.sorted() {
            if let kept = record.applied.first(where: { $0.name == name }) { generated.append(kept) }
        }
        let names = Set(generated.map(\.name))
        let removed = record.applied.map(\.name).filter { !names.contains($0) }
        if !record.applied.isEmpty, removed.count * 100 > set.maxDeletePercent * record.applied.count, !forceDelete {
            record.condition = Condition(
                type: "DeleteRefused",
                message: "the listing\(commit.map { " at \($0.prefix(7))" } ?? "") would remove \(removed.count) of \(record.applied.count) applications (\(removed.prefix(10).joined(separator: ", "))\(removed.count > 10 ? ", …" : "")), over maxDeletePercent \(set.maxDeletePercent); nothing was removed. If it is meant: `bosun appsets sync \(set.name) --force-delete`",
                revision: commit)
            return
        }
        if record.applied != generated { declarations.changed = true }
        record.applied = generated
        record.generatedAt = clock.now
        record.generatedFrom = from
        record.definition = set
        if !result.duplicates.isEmpty {
            let lines = result.duplicates.sorted { $0.key < $1.key }.map { "entries \($0.value.joined(separator: " and ")) both generate \"\($0.key)\"; both are refused" }
            record.note = Condition(type: "GeneratorFailed", message: lines.joined(separator: "\n"), revision: commit)
        } else {
            record.note = nil
        }
        record.condition = record.note ?? stale.first
    }

    // MARK: Composing and applying

    /// The local config with the included applications and every set's applications added:
    /// what `apply` gets. Names claimed twice are refused (a listed or included name wins over
    /// a generated one; two sets claiming one name both lose it).
    func composeDeclarations() -> (config: Config, owner: [String: String], keep: Set<String>) {
        let local = declarations.local
        var config = local
        var names = Set(local.applications.map(\.name))
        for include in local.includes {
            guard let record = declarations.includes[include] else { continue }
            for file in record.files.keys.sorted() {
                for app in record.files[file]?.applications ?? [] where names.insert(app.name).inserted {
                    config.applications.append(app)
                }
            }
        }
        config.healthRules = collectHealthRules(local)
        let sets = collectSets(local)
        var claims: [String: [String]] = [:]
        for set in sets {
            for app in declarations.sets[set.name]?.applied ?? [] { claims[app.name, default: []].append(set.name) }
        }
        var owner: [String: String] = [:]
        var conflicts: [String: [String]] = [:]
        for set in sets {
            for app in declarations.sets[set.name]?.applied ?? [] {
                let claimants = claims[app.name] ?? []
                if names.contains(app.name) {
                    conflicts[set.name, default: []].append("\"\(app.name)\" is already defined as a listed or included application; the generated one is refused")
                } else if claimants.count > 1 {
                    conflicts[set.name, default: []].append("\"\(app.name)\" is generated by \(claimants.joined(separator: " and ")); both are refused")
                } else {
                    owner[app.name] = set.name
                    config.applications.append(app)
                }
            }
        }
        // Dropping the sets that are gone.
        let active = Set(sets.map(\.name))
        for name in declarations.sets.keys where !active.contains(name) { declarations.sets[name] = nil }
        config.applicationSets = sets
        declarations.activeSets = sets
        declarations.conflicts = conflicts
        // An application whose set is gone leaves as a removed listed one does: its resources are kept.
        let keep = Set(declarations.owner.filter { !active.contains($0.value) }.keys)
        return (config, owner, keep)
    }

    func applyDeclarations() async {
        guard declarations.changed else {
            await reportDeclarationConditions()
            return
        }
        declarations.changed = false
        let (config, owner, keep) = composeDeclarations()
        let before = Set(self.config.applications.map(\.name))
        declarations.owner = owner
        await apply(config, orphaning: keep)
        let after = Set(config.applications.map(\.name))
        let added = after.subtracting(before).sorted()
        let removed = before.subtracting(after).sorted()
        if !added.isEmpty || !removed.isEmpty {
            await emit(app: nil, .normal, "ApplicationsChanged",
                       "declarations in Git: \(added.isEmpty ? "" : "added \(added.prefix(20).joined(separator: ", "))\(added.count > 20 ? " and \(added.count - 20) more" : "")")\(!added.isEmpty && !removed.isEmpty ? "; " : "")\(removed.isEmpty ? "" : "removed \(removed.prefix(20).joined(separator: ", "))\(removed.count > 20 ? " and \(removed.count - 20) more" : "")")")
        }
        await reportDeclarationConditions()
        await checkReferences(config)
    }

    /// `dependsOn` and `notifications[].applications` naming nothing: checked once the names are known.
    func checkReferences(_ config: Config) async {
        let names = Set(config.applications.map(\.name))
        var unknown: [String] = []
        for app in config.applications {
            for dependency in app.dependsOn where !names.contains(dependency) {
                unknown.append("\(app.name).dependsOn names \"\(dependency)\", which is neither listed, included nor generated")
            }
        }
        for (i, notification) in config.notifications.enumerated() {
            for app in notification.applications where !names.contains(app) {
                unknown.append("notifications[\(i)] (\(notification.name)).applications names \"\(app)\", which is neither listed, included nor generated")
            }
        }
        guard unknown != declarations.unknownReferences else { return }
        declarations.unknownReferences = unknown
        if !unknown.isEmpty { await emit(app: nil, .warning, "ConfigInvalid", unknown.joined(separator: "\n")) }
    }

    /// Events for conditions of includes and sets that appeared, changed or cleared.
    func reportDeclarationConditions() async {
        var current: [String: Condition] = [:]
        for include in declarations.local.includes {
            if let condition = declarations.includes[include]?.condition { current["include \(include.label)"] = condition }
        }
        for set in declarations.activeSets {
            if let condition = setCondition(set.name) { current["application set \(set.name)"] = condition }
        }
        for (subject, condition) in current.sorted(by: { $0.key < $1.key }) {
            let previous = declarations.reported[subject]
            guard previous != condition else { continue }
            declarations.reported[subject] = condition
            // The same condition at the same commit takes the newest message without a new event.
            if previous?.type == condition.type && previous?.revision == condition.revision { continue }
            await emit(app: nil, .warning, condition.type, "\(subject): \(condition.message)")
        }
        for (subject, previous) in declarations.reported.sorted(by: { $0.key < $1.key }) where current[subject] == nil {
            declarations.reported[subject] = nil
            await emit(app: nil, .normal, "\(previous.type)Resolved", "\(subject): \(previous.type) cleared")
        }
    }

    /// The set's condition: its generation's, else the names refused when composing.
    func setCondition(_ name: String) -> Condition? {
        if let condition = declarations.sets[name]?.condition { return condition }
        if let conflicts = declarations.conflicts[name], !conflicts.isEmpty {
            return Condition(type: "GeneratorFailed", message: conflicts.joined(separator: "\n"), revision: nil)
        }
        return nil
    }
}
