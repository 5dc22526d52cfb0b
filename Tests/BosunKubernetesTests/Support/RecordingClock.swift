import BosunCore
import BosunTesting
import Foundation

/// A clock whose sleeps return at once and are recorded (time moves by what was slept), so
/// backoff can be checked without waiting.
final class RecordingClock: BosunClock, @unchecked Sendable {
    private let state = LockedBox<(now: Date, sleeps: [TimeInterval])>((Date(timeIntervalSince1970: 1_800_000_000), []))

    var now: Date { state.get().now }
    var sleeps: [TimeInterval] { state.get().sleeps }

    func sleep(until deadline: Date) async throws {
        try Task.checkCancellation()
        state.update { state in
            state.sleeps.append(max(0, deadline.timeIntervalSince(state.now)))
            if deadline > state.now { state.now = deadline }
        }
        await Task.yield()
    }
}
