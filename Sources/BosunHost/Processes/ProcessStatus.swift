import BosunCore

/// What a supervised process is doing, as `status.phase` says it.
enum ProcessPhase: String, Sendable, Hashable {
    /// Started, not ready yet (probe not passed, or not running long enough without a probe).
    case starting = "Starting"
    /// Running, but its readiness probe fails since it was ready.
    case running = "Running"
    case ready = "Ready"
    /// Exited; waiting to be started again.
    case backOff = "BackOff"
    /// Exited with status 0 and its policy does not restart it.
    case exited = "Exited"
    /// Exited otherwise (or never started) and its policy does not restart it.
    case failed = "Failed"
}

/// A moment's view of a supervised process, the `status` of its live object.
struct ProcessStatus: Sendable, Hashable {
    var pid: Int32?
    var phase: ProcessPhase
    var restarts: Int
    /// Restarts since the process last ran long enough to count as stable.
    var recentRestarts: Int
    var lastExit: ExitStatus?
    /// The delay before the next start, while backing off.
    var backoff: Duration?
    /// The last probe result, or why the process is not ready.
    var message: String?
    /// Restarts after which it counts as crash looping.
    var crashLoopRestarts: Int
    var restartPolicy: RestartPolicy

    var crashLooping: Bool { recentRestarts >= crashLoopRestarts && phase != .ready }

    var json: JSONObject {
        var status = JSONObject()
        if let pid { status["pid"] = .int(Int(pid)) }
        status["phase"] = .string(phase.rawValue)
        status["restarts"] = .int(restarts)
        status["recentRestarts"] = .int(recentRestarts)
        if crashLooping { status["crashLoop"] = .bool(true) }
        if let lastExit { status["lastExit"] = lastExit.json }
        if let backoff { status["backoffSeconds"] = .double(backoff.secondsValue) }
        if let message { status["message"] = .string(message) }
        return status
    }
}

/// The supervision rules a target gives each of its processes.
struct SupervisionSettings: Sendable {
    var backoffBase: Duration
    var backoffLimit: Duration
    var stableRunDuration: Duration
    var readyWithoutProbeAfter: Duration
    var crashLoopRestarts: Int
    var clock: any HostClock

    init(_ options: HostTargetOptions) {
        backoffBase = options.backoffBase
        backoffLimit = options.backoffLimit
        stableRunDuration = options.stableRunDuration
        readyWithoutProbeAfter = options.readyWithoutProbeAfter
        crashLoopRestarts = options.crashLoopRestarts
        clock = options.clock
    }

    /// The delay before restart number `restart` (1 for the first): the base, doubling, up to the limit.
    func backoff(forRestart restart: Int) -> Duration {
        var delay = backoffBase
        var remaining = max(0, restart - 1)
        while remaining > 0 && delay < backoffLimit {
            delay = delay * 2
            remaining -= 1
        }
        return min(delay, backoffLimit)
    }
}
