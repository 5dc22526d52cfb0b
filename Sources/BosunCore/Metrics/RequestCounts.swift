import Synchronization

/// Requests a target sent to its API, counted by operation and answer, for benchmarks, metrics
/// and the tests that check a steady-state pass sends nothing (Kubernetes) or one list call
/// instead of one request per job (Nomad).
public final class RequestCounts: Sendable {
    /// One counter: an operation (a Kubernetes verb such as `get`, `list`, `watch`, `patch`;
    /// a Nomad call such as `list`, `plan`, `register`) and the HTTP status (0: no answer, the
    /// connection failed).
    public struct Key: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var operation: String
        public var code: Int
        public init(operation: String, code: Int) {
            self.operation = operation
            self.code = code
        }
        public var description: String { "\(operation) \(code)" }
        public static func < (a: Key, b: Key) -> Bool { (a.operation, a.code) < (b.operation, b.code) }
    }

    private let counts = Mutex<[Key: Int]>([:])

    public init() {}

    public func record(_ operation: String, code: Int) {
        counts.withLock { $0[Key(operation: operation, code: code), default: 0] += 1 }
    }

    /// Every counter so far.
    public var snapshot: [Key: Int] { counts.withLock { $0 } }

    /// Requests of `operation` (all of them when nil), whatever the answer.
    public func total(_ operation: String? = nil) -> Int {
        counts.withLock { counts in counts.filter { operation == nil || $0.key.operation == operation }.values.reduce(0, +) }
    }

    /// `list 200: 1, read 200: 3`, for logs and benchmark output.
    public var summary: String {
        snapshot.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    }

    public func reset() { counts.withLock { $0 = [:] } }
}
