import Synchronization

/// Requests sent to the API server, counted by verb and answer, for benchmarks, metrics and
/// the tests that check a steady-state compare sends nothing.
public final class RequestMetrics: Sendable {
    /// One counter: a Kubernetes verb (`get`, `list`, `watch`, `patch`, `delete`, `create`,
    /// `discovery`) and the HTTP status (0: no answer, the connection failed).
    public struct Key: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var verb: String
        public var code: Int
        public init(verb: String, code: Int) {
            self.verb = verb
            self.code = code
        }
        public var description: String { "\(verb) \(code)" }
        public static func < (a: Key, b: Key) -> Bool { (a.verb, a.code) < (b.verb, b.code) }
    }

    private let counts = Mutex<[Key: Int]>([:])

    public init() {}

    func record(verb: String, code: Int) {
        counts.withLock { $0[Key(verb: verb, code: code), default: 0] += 1 }
    }

    /// Every counter so far.
    public var snapshot: [Key: Int] { counts.withLock { $0 } }

    /// Requests of `verb` (all of them when nil), whatever the answer.
    public func total(verb: String? = nil) -> Int {
        counts.withLock { counts in counts.filter { verb == nil || $0.key.verb == verb }.values.reduce(0, +) }
    }

    public func reset() { counts.withLock { $0 = [:] } }
}
