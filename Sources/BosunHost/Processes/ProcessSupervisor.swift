import BosunCore
import Foundation

/// Keeps one process running as its spec says: starts it, watches readiness, restarts it after
/// an exit with exponential backoff (as its restart policy allows), and stops it gracefully.
/// One supervisor per run of a spec: a new spec (or a changed `restartOn` file) gets a new one.
actor ProcessSupervisor {
    let id: HostResourceID
    /// The manifest as applied (prepared), which the live object reports.
    let manifest: Resource
    let spec: ProcessSpec
    let request: LaunchRequest
    /// Digest of the `restartOn` files' content when this supervisor started.
    let restartOnDigest: String
    private let log: LogFile
    private let settings: SupervisionSettings
    private let store: HostStateStore
    private let changes: AsyncStream<TargetChange>.Continuation

    private var phase = ProcessPhase.starting
    private var current: LaunchedProcess?
    private var ready = false
    private var restarts = 0
    private var recentRestarts = 0
    private var lastExit: ExitStatus?
    private var backoff: Duration?
    private var message: String?
    private var runStartedAt = Duration.zero
    /// Counts runs, so a probe result from a previous run is never applied to the current one.
    private var generation = 0
    private var runTask: Task<Void, Never>?
    private var probeTask: Task<Void, Never>?
    private var stopRequested = false
    private var abandoned = false

    init(
        id: HostResourceID, manifest: Resource, spec: ProcessSpec, request: LaunchRequest, restartOnDigest: String, log: LogFile,
        settings: SupervisionSettings, store: HostStateStore, changes: AsyncStream<TargetChange>.Continuation
    ) {
        self.id = id
        self.manifest = manifest
        self.spec = spec
        self.request = request
        self.restartOnDigest = restartOnDigest
        self.log = log
        self.settings = settings
        self.store = store
        self.changes = changes
    }

    /// Shows a process that ended for good before Bosun restarted, without running it again.
    func restoreFinished(_ exit: ExitStatus) {
        guard runTask == nil else { return }
        lastExit = exit
        phase = exit.isSuccess ? .exited : .failed
        message = nil
    }

    /// Starts supervising; returns once the first start was attempted (so the live object has a
    /// pid), without waiting for readiness, which `status` and changes report.
    func start() async {
        guard runTask == nil, !stopRequested else { return }
        runTask = Task { await self.superviseRuns() }
        await withCheckedContinuation { continuation in firstLaunchWaiters.append(continuation) }
    }

    private var firstLaunchWaiters: [CheckedContinuation<Void, Never>] = []

    private func firstLaunchDone() {
        let waiters = firstLaunchWaiters
        firstLaunchWaiters = []
        for waiter in waiters { waiter.resume() }
    }

    /// Whether the process has ended for good (Never/OnFailure), so applying it again should run it again.
    var hasFinished: Bool { phase == .exited || phase == .failed }

    var status: ProcessStatus {
        // A run that has lasted long enough ends the crash loop even before it exits.
        if current != nil, settings.clock.now - runStartedAt >= settings.stableRunDuration { recentRestarts = 0 }
        return ProcessStatus(
            pid: current?.pid, phase: phase, restarts: restarts, recentRestarts: recentRestarts, lastExit: lastExit, backoff: backoff,
            message: message, crashLoopRestarts: settings.crashLoopRestarts, restartPolicy: spec.restartPolicy)
    }

    /// The live object: the manifest as applied, with what the process is doing as `status`.
    var live: Resource {
        var resource = manifest
        resource.body["status"] = .object(status.json)
        return resource
    }

    /// Stops the process gracefully (stop signal to its group, SIGKILL after the timeout) and ends
    /// supervision. Returns when nothing of the group is left.
    func stop() async {
        stopRequested = true
        probeTask?.cancel()
        runTask?.cancel()  // ends a backoff wait at once
        if let current {
            await ProcessGroupStopper.stop(group: current.pid, signal: spec.stopSignal, timeout: spec.stopTimeout, leaderExit: current.exit)
        }
        await runTask?.value
    }

    /// Ends supervision without touching the process, as if Bosun had crashed (tests use this
    /// to check what the next Bosun does with processes left behind).
    func abandon() {
        abandoned = true
        probeTask?.cancel()
        runTask?.cancel()
    }

    private var ending: Bool { stopRequested || abandoned }

    // MARK: The supervision loop

    /// Run, wait for the exit, decide by policy, back off, run again.
    private func superviseRuns() async {
        defer { firstLaunchDone() }
        while !ending {
            generation += 1
            phase = .starting
            ready = false
            backoff = nil
            message = spec.readinessProbe.map { "waiting for readiness probe: \($0.summary)" }
                ?? "started; ready once it has run \(settings.readyWithoutProbeAfter.shortText) (no readiness probe)"
            runStartedAt = settings.clock.now
            // Not cancellable: a launch cut short could leave a process nobody supervises.
            let request = self.request
            let log = self.log
            let launch = await Task { await ProcessLauncher.launch(request, log: log) }.value
            switch launch {
            case .failure(let failure):
                lastExit = .failedToStart(failure.reason)
                firstLaunchDone()
                if ending { return }
            case .success(let launched):
                if ending {
                    // Stopped while starting: the stop found no process to signal, so stop it here.
                    if stopRequested {
                        await ProcessGroupStopper.stop(group: launched.pid, signal: spec.stopSignal, timeout: spec.stopTimeout, leaderExit: launched.exit)
                    }
                    return
                }
                current = launched
                await store.setPid(id, pid: launched.pid, startTime: launched.startTime)
                firstLaunchDone()
                if restarts > 0 { emit("process \(id.name) restarted (pid \(launched.pid), restart \(restarts))") }
                let generation = self.generation
                probeTask = Task { await self.watchReadiness(generation: generation) }
                let exit = await launched.exit.value
                probeTask?.cancel()
                probeTask = nil
                if ending {
                    // stop() signals and waits for the group; a crash simulation leaves it alone.
                    return
                }
                current = nil
                ready = false
                lastExit = exit
                await store.setPid(id, pid: nil, startTime: nil)
                // Whatever the process left running in its group goes with it.
                await ProcessGroupStopper.stopRemains(group: launched.pid, signal: spec.stopSignal, timeout: spec.stopTimeout)
                if ending { return }
            }
            guard let exit = lastExit else { return }
            if spec.restartPolicy == .never || (spec.restartPolicy == .onFailure && exit.isSuccess) {
                phase = exit.isSuccess ? .exited : .failed
                message = nil
                await store.setFinished(id, exit)
                emit("process \(id.name) \(exit.isSuccess ? "exited" : "failed") (\(exit.description)); restartPolicy \(spec.restartPolicy.rawValue) does not restart it")
                return
            }
            if settings.clock.now - runStartedAt >= settings.stableRunDuration { recentRestarts = 0 }
            restarts += 1
            recentRestarts += 1
            let delay = settings.backoff(forRestart: recentRestarts)
            phase = .backOff
            backoff = delay
            message = nil
            emit("process \(id.name) \(startFailed(exit) ? "could not start" : "exited") (\(exit.description)); restarting in \(delay.shortText)")
            do {
                try await settings.clock.sleep(for: delay)
            } catch {
                return  // cancelled: stopping
            }
        }
    }

    private func startFailed(_ exit: ExitStatus) -> Bool {
        if case .failedToStart = exit { return true }
        return false
    }

    // MARK: Readiness

    /// Runs the readiness probe every period for one run (or, without a probe, waits the
    /// grace time), and moves the phase between Starting/Running and Ready.
    private func watchReadiness(generation: Int) async {
        guard let probe = spec.readinessProbe else {
            do { try await settings.clock.sleep(for: settings.readyWithoutProbeAfter) } catch { return }
            guard generation == self.generation, current != nil, !ending else { return }
            becomeReady()
            return
        }
        if probe.initialDelay > .zero {
            do { try await settings.clock.sleep(for: probe.initialDelay) } catch { return }
        }
        var failures = 0
        while !Task.isCancelled {
            let result = await ReadinessProbe.run(probe, workingDirectory: request.workingDirectory, environment: request.environment)
            guard generation == self.generation, current != nil, !ending, !Task.isCancelled else { return }
            if result.passed {
                failures = 0
                message = nil
                if !ready { becomeReady() }
            } else {
                failures += 1
                if ready {
                    if failures >= probe.failureThreshold {
                        ready = false
                        phase = .running
                        message = "readiness probe failed \(failures) times: \(result.message)"
                        emit("process \(id.name) is no longer ready: \(result.message)")
                    }
                } else {
                    message = "waiting for readiness probe: \(result.message)"
                }
            }
            do { try await settings.clock.sleep(for: probe.period) } catch { return }
        }
    }

    private func becomeReady() {
        ready = true
        phase = .ready
        message = nil
        emit("process \(id.name) is ready")
    }

    private func emit(_ reason: String) {
        changes.yield(TargetChange(app: id.app, key: id.key, reason: reason))
    }
}
