import BosunCore
import Foundation

/// Knobs of the engine that tests and benchmarks turn; the defaults are what `bosun serve` uses.
public struct EngineOptions: Sendable {
    /// At most this many syncs run at once (never two of one application).
    public var maxConcurrentSyncs = 4
    /// At most this many applications are resolved, rendered and compared at once.
    public var maxConcurrentRefreshes = 8
    /// How often a sync looks at health while it waits.
    public var healthPollInterval: Duration = .seconds(1)
    /// Interval jitter: each wait is the interval times 1 ± this fraction.
    public var jitter = 0.1
    /// Random numbers in 0..<1 for jitter (tests fix them).
    public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }
    public var clock: any BosunClock = SystemClock()
    /// A repository is fetched at most once per this fraction of the shortest interval of the
    /// applications that read it, unless a webhook or a person asks for a refresh.
    public var fetchWindowFraction = 0.5
    /// How soon after a target reports a change the application is looked at again.
    public var changeDebounce: Duration = .milliseconds(500)

    public init() {}
}

/// Exponential backoff: `base` doubling up to `maximum`.
public func backoff(attempt: Int, base: Duration, maximum: Duration) -> Duration {
    guard attempt > 0 else { return .zero }
    let factor = pow(2.0, Double(min(attempt - 1, 30)))
    let seconds = min(base.seconds * factor, maximum.seconds)
    return .milliseconds(Int64(seconds * 1000))
}

/// The interval with ±`jitter` applied, from a random number in 0..<1.
public func jittered(_ interval: Duration, jitter: Double, random: Double) -> Duration {
    let factor = 1 + jitter * (random * 2 - 1)
    return .milliseconds(Int64(interval.seconds * factor * 1000))
}
