import BosunCharts
import BosunCore
import BosunDiff
import BosunGit
import BosunRender
import BosunSecrets
import BosunStore
import Foundation
import Logging

/// The reconciler: keeps every application equal to what Git declares. One loop per
/// application (resolve → render → compare → decide → sync), shared Git mirrors and render
/// cache, at most `maxConcurrentSyncs` syncs at once, everything recorded in the store.
public actor Engine {
    public private(set) var config: Config {
        didSet { specIndex = SpecIndex(config) }
    }
    /// Answers about every application's spec without walking them all on each look.
    var specIndex: SpecIndex
    let targets: [String: any DeploymentTarget]
    let store: any Store
    let git: GitMirrors
    let renders: RenderCache
    let renderer: Renderer
    /// Charts from chart repositories and OCI registries, cached by digest.
    public let charts: ChartSources
    /// The keyrings of `config.decryptionKeys` (rebuilt when the config is reloaded).
    var keyrings: KeyringCache
    var sealingKeyCache: [UInt8]?
    let options: EngineOptions
    let syncSlots: AsyncSemaphore
    let refreshSlots: AsyncSemaphore
    let logger = Logger(label: "bosun.engine")

    var apps: [String: AppRuntime] = [:]
    /// Counts runtimes made, for `AppRuntime.generation`.
    var generations: UInt64 = 0
    /// One task sleeps until the earliest armed application is due (`scheduler`).
    var scheduler = Scheduler()
    var fetches: [String: Task<FetchOutcome, any Error>] = [:]
    var lastFetch: [String: Date] = [:]
    var fetchWarnings: [String: String] = [:]
    var subscribers: [UUID: AsyncStream<EventRecord>.Continuation] = [:]
    /// Subscribers that want only this replica's events.
    var localSubscribers: Set<UUID> = []
    var listeners: [Task<Void, Never>] = []
    var running = false
    /// The local config, includes and application sets, and what they last generated.
    var declarations: DeclarationState
    /// Renders actually run (not answered by the cache): what benchmarks count.
    public internal(set) var renderCount = 0
    /// Ownership among replicas sharing a PostgreSQL store; nil: this engine owns everything.
    let leases: (any ApplicationLeases)?
    var replicaState = ReplicaState()

    public init(config: Config, targets: [String: any DeploymentTarget], store: any Store, git: GitMirrors,
                renderCache: RenderCache, renderer: Renderer, options: EngineOptions = EngineOptions(), charts: ChartSources? = nil,
                leases: (any ApplicationLeases)? = nil) {
        self.charts = charts ?? ChartSources(cacheDirectory: renderer.workDirectory.deletingLastPathComponent().appendingPathComponent("charts"))
        self.config = config
        specIndex = SpecIndex(config)
        declarations = DeclarationState(local: config)
        // With replicas, no change reaches a target unless this replica still holds the lease.
        self.targets = leases.map { leases in targets.mapValues { FencedTarget(base: $0, leases: leases) as any DeploymentTarget } } ?? targets
        self.leases = leases
        self.store = store
        self.git = git
        self.renders = renderCache
        self.renderer = renderer
        keyrings = KeyringCache(config: config, gpgRoot: config.dataDirectory.appendingPathComponent("gnupg").path)
        self.options = options
        syncSlots = AsyncSemaphore(options.maxConcurrentSyncs)
        refreshSlots = AsyncSemaphore(options.maxConcurrentRefreshes)
    }

    var clock: any BosunClock { options.clock }

    // MARK: Lifecycle

    /// Marks syncs cut off by a crash, starts the targets, and starts one loop per application.
    public func start() async throws {
        guard !running else { return }
        running = true
        for cut in try await store.markInterruptedSyncs(at: clock.now) {
            await emit(app: nil, .warning, "SyncInterrupted",
                       "sync \(cut.id) was cut off when Bosun stopped; it is marked Interrupted")
        }
        for (name, target) in targets.sorted(by: { $0.key < $1.key }) {
            await target.useHealthRules(config.healthRules)
            do {
                try await target.start()
            } catch {
                await emit(app: nil, .warning, "TargetUnavailable", "target \(name) did not start: \(error)")
            }
            listeners.append(Task { [weak self] in
                for await change in target.changes() {
                    await self?.targetChanged(change)
                }
            })
        }
        for spec in config.applications where owns(spec.name) { await add(spec) }
        await emit(app: nil, .normal, "Started", "Bosun started with \(plural(config.applications.count, "application"))"
                   + (leases.map { " as replica \($0.replica)" } ?? ""))
        startLeases()
        if !config.healthRules.isEmpty { await announceHealthRules(config.healthRules) }
        startDeclarations()
    }

    /// Says which kinds have declared health rules in force and where each is written (rules
    /// may come from Git, by included files).
    func announceHealthRules(_ rules: [HealthRuleSet]) async {
        let kinds = rules.map { "\($0.group.isEmpty ? $0.kind : "\($0.group)/\($0.kind)")\($0.source.map { " (\($0))" } ?? "")" }
        await emit(app: nil, .normal, "HealthRulesChanged",
                   kinds.isEmpty ? "no health rules declared: the built-in and generic rules decide" : "health rules in force for \(kinds.joined(separator: ", "))")
    }

    /// Stops the loops, lets running syncs finish their current step, and stops the targets.
    public func stop() async {
        guard running else { return }
        running = false
        stopLeases()
        await stopDeclarations()
        let loops = apps.values.compactMap(\.loop)
        scheduler.task?.cancel()
        // The round goes on counting, so a scheduler task already past its sleep does nothing.
        scheduler = Scheduler(round: scheduler.round)
        for name in apps.keys { apps[name]?.mailbox.removeAll() }
        for loop in loops { loop.cancel() }
        for loop in loops { await loop.value }
        for listener in listeners { listener.cancel() }
        await leases?.leave()
        for target in targets.values { await target.shutdown() }
        await charts.shutdown()
        for subscriber in subscribers.values { subscriber.finish() }
        subscribers.removeAll()
    }

    /// Applies a new local config: its applications at once, with the included and generated
    /// ones as last read (new sets and includes are listed right after).
    public func reload(_ newConfig: Config) async {
        let oldNames = Set(config.applications.map(\.name))
        declarations.local = newConfig
        declarations.localVersion += 1
        declarations.changed = true
        let (effective, owner, keep) = composeDeclarations()
        declarations.owner = owner
        await apply(effective, orphaning: keep)
        let newNames = Set(effective.applications.map(\.name))
        await emit(app: nil, .normal, "ConfigReloaded",
                   "config reloaded: \(plural(effective.applications.count, "application")) (\(newNames.subtracting(oldNames).count) added, \(oldNames.subtracting(newNames).count) removed)")
        await reportDeclarationConditions()
        if running {
            startDeclarationTicker()
            requestDeclarations()
        }
    }

    /// Makes a new list of applications the one in force: applications added, changed (looked
    /// at now, trigger `config`) and removed (their resources kept and reported as orphaned
    /// unless `pruneOnDelete`; always kept for those in `orphaning`). A config reload and every
    /// refresh of the declarations in Git come through here.
    func apply(_ newConfig: Config, orphaning: Set<String> = []) async {
        let old = config
        config = newConfig
        if old.decryptionKeys != newConfig.decryptionKeys {
            keyrings = KeyringCache(config: newConfig, gpgRoot: newConfig.dataDirectory.appendingPathComponent("gnupg").path)
        }
        if newConfig.healthRules != old.healthRules {
            for target in targets.values { await target.useHealthRules(newConfig.healthRules) }
            await announceHealthRules(newConfig.healthRules)
        }
        let oldSpecs = Dictionary(old.applications.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let newNames = Set(newConfig.applications.map(\.name))
        for name in oldSpecs.keys.filter({ !newNames.contains($0) }).sorted() {
            if orphaning.contains(name) { apps[name]?.spec.pruneOnDelete = false }
            await remove(name)
        }
        for spec in newConfig.applications {
            guard let previous = oldSpecs[spec.name] else {
                if owns(spec.name) { await add(spec) }
                continue
            }
            if previous != spec || old.repository(named: spec.source.repository) != newConfig.repository(named: spec.source.repository)
                || usesChangedKeys(spec, old: old, new: newConfig)
            {
                apps[spec.name]?.spec = spec
                apps[spec.name]?.lastLook = nil
                wake(spec.name, .scheduled(.config))
            }
        }
    }

    /// Whether a decryption key the application uses was declared differently before.
    func usesChangedKeys(_ spec: ApplicationSpec, old: Config, new: Config) -> Bool {
        guard let names = new.decryption(for: spec)?.keys else { return false }
        return names.contains { old.decryptionKey(named: $0) != new.decryptionKey(named: $0) }
    }

    func add(_ spec: ApplicationSpec) async {
        let persisted = (try? await store.appState(spec.name)) ?? PersistedAppState()
        let lastSync = try? await store.history(app: spec.name, limit: 1).first
        generations += 1
        apps[spec.name] = AppRuntime(spec: spec, persisted: persisted, lastLook: nil, condition: nil, operation: nil,
                                     lastSync: lastSync, retry: nil, nextDue: clock.now, generation: generations)
        wake(spec.name, .scheduled(.interval))
    }

    func remove(_ name: String) async {
        guard let runtime = apps.removeValue(forKey: name) else { return }
        await runtime.loop?.value
        if runtime.spec.pruneOnDelete {
            await pruneEverything(of: runtime.spec)
        } else if let inventory = try? await store.inventory(app: name), !inventory.isEmpty {
            await emit(app: name, .warning, "Orphaned",
                       "application removed from the config; its \(plural(inventory.count, "resource")) are kept (set pruneOnDelete: true to delete them)")
        }
    }

    // MARK: Waking

    func wake(_ name: String, _ wake: Wake) {
        guard let generation = apps[name]?.generation else { return }
        apps[name]?.mailbox.append(wake)
        guard apps[name]?.loop == nil else { return }
        apps[name]?.loop = Task { [weak self] in await self?.drain(name, generation: generation) }
    }

    /// Handles the application's wakes one after another until none is left, then ends (a task
    /// keeps the memory its deepest call needed until it ends).
    private func drain(_ name: String, generation: UInt64) async {
        while !Task.isCancelled, apps[name]?.generation == generation, let wake = apps[name]?.mailbox.first {
            apps[name]?.mailbox.removeFirst()
            await handle(name, wake)
        }
        if apps[name]?.generation == generation { apps[name]?.loop = nil }
    }

    /// Wakes the application once at its `nextDue`.
    func arm(_ name: String) {
        guard let due = apps[name]?.nextDue else { return }
        apps[name]?.armed = true
        if let sleeping = scheduler.until, sleeping <= due { return }
        startScheduler(until: due)
    }

    /// The scheduler sleeps until `due`, wakes every armed application due by then, and sleeps
    /// again until the next one.
    private func startScheduler(until due: Date) {
        scheduler.task?.cancel()
        scheduler.until = due
        scheduler.round += 1
        let (clock, round) = (self.clock, scheduler.round)
        scheduler.task = Task { [weak self] in
            do { try await clock.sleep(until: due) } catch { return }
            await self?.wakeDue(round: round)
        }
    }

    private func wakeDue(round: UInt64) {
        guard scheduler.round == round else { return }
        scheduler = Scheduler(round: round)
        let now = clock.now
        var next: Date?
        for (name, runtime) in apps where runtime.armed {
            if runtime.nextDue <= now {
                apps[name]?.armed = false
                wake(name, .scheduled(.interval))
            } else if next.map({ runtime.nextDue < $0 }) ?? true {
                next = runtime.nextDue
            }
        }
        if let next { startScheduler(until: next) }
    }

    func scheduleNext(_ name: String) {
        guard let runtime = apps[name] else { return }
        var due = clock.now.addingTimeInterval(
            jittered(runtime.spec.sync.interval, jitter: options.jitter, random: options.random()).seconds)
        if let retry = runtime.retry, retry.notBefore < due, runtime.spec.sync.auto { due = max(retry.notBefore, clock.now) }
        apps[name]?.nextDue = due
        arm(name)
    }

    func targetChanged(_ change: TargetChange) async {
        if change.reason.contains("restart") || change.reason.contains("exited") {
            await emit(app: change.app, .normal, "TargetChanged", change.reason)
        }
        guard apps[change.app] != nil else { return }
        wake(change.app, .targetChanged(change.reason))
    }

    // MARK: Handling a wake

    func handle(_ name: String, _ wake: Wake) async {
        guard apps[name] != nil else { return }
        switch wake {
        case .scheduled(let trigger):
            await reconcile(name, trigger: trigger, forceFetch: false)
            scheduleNext(name)
        case .refresh(let trigger):
            // From here on a new ask queues a new refresh: this one may have fetched too early for it.
            apps[name]?.refreshQueued = false
            await reconcile(name, trigger: trigger, forceFetch: true)
            scheduleNext(name)
        case .targetChanged:
            try? await clock.sleep(for: options.changeDebounce)
            await reconcile(name, trigger: .selfHeal, forceFetch: false, fetch: false)
        case .pass(let fetch, let done):
            await reconcile(name, trigger: .interval, forceFetch: false, fetch: fetch)
            done()
        case .sync(let request, let reply):
            apps[name]?.pendingManualSync = false
            await manualSync(name, request, reply: reply)
            scheduleNext(name)
        }
    }

    // MARK: Events

    func emit(app: String?, _ type: EventRecord.Severity, _ reason: String, _ message: String) async {
        var event = EventRecord(time: clock.now, app: app, type: type, reason: reason, message: message)
        do {
            event = try await store.addEvent(event)
        } catch let error as StoreError where error.leaseLost {
            // A replica that lost an application says nothing more in its name.
            logger.debug("event not recorded: \(error)")
            return
        } catch where !Task.isCancelled {
            logger.error("could not record event: \(error)")
        } catch {}
        logger.log(level: type == .warning ? .warning : .info, "\(app.map { "[\($0)] " } ?? "")\(reason): \(message)")
        for subscriber in subscribers.values { subscriber.yield(event) }
        share(event)
    }

    /// Every event from now on, for the live stream. `otherReplicas`: with replicas, the events
    /// the others record too (the stream shows all; notifications go out from the replica whose
    /// event it is, once).
    public func subscribe(otherReplicas: Bool = true) -> AsyncStream<EventRecord> {
        let (stream, continuation) = AsyncStream<EventRecord>.makeStream(bufferingPolicy: .bufferingNewest(1000))
        let id = UUID()
        subscribers[id] = continuation
        if !otherReplicas { localSubscribers.insert(id) }
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    func unsubscribe(_ id: UUID) {
        subscribers[id] = nil
        localSubscribers.remove(id)
    }
}

func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
