import BosunCore
import Foundation
import Synchronization

/// The delivery ids seen in the last few minutes, so a host's redelivery (or a replay) of
/// the same push is answered without acting twice. Bounded in time and in size.
final class DeliveryLog: Sendable {
    let window: Duration
    let capacity: Int
    private let state = Mutex(State())

    private struct State {
        var seen: [String: Date] = [:]
        /// Arrival order, for expiry; `head` skips what has expired without shifting the array.
        var order: [(id: String, at: Date)] = []
        var head = 0
    }

    init(window: Duration = .seconds(300), capacity: Int = 500_000) {
        self.window = window
        self.capacity = capacity
    }

    /// True the first time `id` is seen within the window (and remembers it); false for a repeat.
    func firstSeen(_ id: String, now: Date) -> Bool {
        let cutoff = now.addingTimeInterval(-window.seconds)
        return state.withLock { state in
            while state.head < state.order.count, state.order[state.head].at <= cutoff || state.order.count - state.head >= capacity {
                let old = state.order[state.head]
                if state.seen[old.id] == old.at { state.seen[old.id] = nil }
                state.head += 1
            }
            if state.head > 4096 && state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
            if let at = state.seen[id], at > cutoff { return false }
            state.seen[id] = now
            state.order.append((id, now))
            return true
        }
    }
}
