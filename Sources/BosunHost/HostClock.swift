/// Time as the process supervisor sees it: a monotonic reading and a sleep. Injected so
/// backoff and readiness can be tested with a manual clock instead of real waits.
public protocol HostClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    var now: Duration { get }
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real, monotonic clock.
public struct SystemHostClock: HostClock {
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    /// A clock whose origin is now.
    public init() { origin = clock.now }

    /// Time since the clock was made.
    public var now: Duration { clock.now - origin }

    /// Sleeps in real time; throws when the task is cancelled.
    public func sleep(for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }
}

extension Duration {
    /// The duration in seconds, with fractions.
    var secondsValue: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// A short human form: `1 s`, `0.25 s`, `60 s`.
    var shortText: String {
        let s = secondsValue
        if s.rounded() == s { return "\(Int(s)) s" }
        return "\((s * 1000).rounded() / 1000) s"
    }

}
