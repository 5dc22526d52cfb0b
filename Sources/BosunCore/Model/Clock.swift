import Foundation

/// Time for schedulers, backoff and health timeouts. Tests pass a manual clock instead of sleeping.
public protocol BosunClock: Sendable {
    var now: Date { get }
    /// Sleeps until `deadline` (returns at once when it has passed); throws when cancelled.
    func sleep(until deadline: Date) async throws
}

extension BosunClock {
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: now.addingTimeInterval(duration.seconds))
    }
}

/// The real clock.
public struct SystemClock: BosunClock {
    public init() {}
    public var now: Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 { try await Task.sleep(for: .milliseconds(Int64(interval * 1000))) } else { try Task.checkCancellation() }
    }
}
