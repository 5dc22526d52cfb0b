import Foundation
import Synchronization

/// Hands every value to every current subscriber; a subscriber that stops listening is
/// dropped. Subscribing is synchronous, so nothing sent after `subscribe()` returns is missed.
final class Broadcast<Value: Sendable>: Sendable {
    private let subscribers = Mutex<[UUID: AsyncStream<Value>.Continuation]>([:])

    func subscribe() -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream<Value>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        subscribers.withLock { $0[id] = continuation }
        return stream
    }

    func send(_ value: Value) {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.yield(value) }
    }

    func finish() {
        for continuation in subscribers.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
