import Foundation

/// Polls `condition` in real time until it holds or `seconds` pass; whether it held. The bound
/// guards against hangs and is not a measurement. An error the condition throws ends the wait
/// and is the caller's: a condition that tolerates errors says so with `try?`.
public func eventually(
    seconds: Double = 30, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    while true {
        if try await condition() { return true }
        // One last look after the deadline, so a condition that came true during the sleep counts.
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: interval)
    }
}

/// For a wait the test cannot go on without, on a system that is still settling (a server
/// starting, a sync running): an error the condition throws means not yet. Throws `TimedOut`
/// naming `what`, and the last error, when the condition never held.
public func eventually(
    _ what: String, seconds: Double = 60, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws {
    var lastError: (any Error)?
    let held = await eventually(seconds: seconds, every: interval) {
        do {
            return try await condition()
        } catch {
            lastError = error
            return false
        }
    }
    if !held { throw TimedOut(what: what, lastError: lastError) }
}

/// A wait whose condition never held.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let lastError: (any Error)?
    public var description: String { "timed out waiting for: \(what)\(lastError.map { " (last error: \($0))" } ?? "")" }
}
