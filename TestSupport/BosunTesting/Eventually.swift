import Foundation

/// Polls `condition` in real time until it holds or `seconds` pass; whether it held. The bound
/// guards against hangs and is not a measurement. A condition that throws has not held yet.
public func eventually(
    seconds: Double = 30, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async -> Bool {
    await poll(seconds: seconds, every: interval, condition).held
}

/// The same, for a wait the test cannot go on without: throws `TimedOut` naming `what`, and the
/// last error the condition threw, when it never held.
public func eventually(
    _ what: String, seconds: Double = 60, every interval: Duration = .milliseconds(50), _ condition: () async throws -> Bool
) async throws {
    let outcome = await poll(seconds: seconds, every: interval, condition)
    if !outcome.held { throw TimedOut(what: what, lastError: outcome.lastError) }
}

/// A wait whose condition never held.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let lastError: (any Error)?
    public var description: String { "timed out waiting for: \(what)\(lastError.map { " (last error: \($0))" } ?? "")" }
}

private func poll(seconds: Double, every interval: Duration, _ condition: () async throws -> Bool) async -> (held: Bool, lastError: (any Error)?) {
    let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
    var lastError: (any Error)?
    while true {
        do {
            if try await condition() { return (true, nil) }
        } catch {
            lastError = error
        }
        // One last look after the deadline, so a condition that came true during the sleep counts.
        guard ContinuousClock.now < deadline else { return (false, lastError) }
        try? await Task.sleep(for: interval)
    }
}
