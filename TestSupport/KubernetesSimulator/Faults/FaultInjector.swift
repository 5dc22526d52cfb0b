import BosunCore
import Synchronization

/// Failures a test can ask the simulator for: error answers (500s, 429s with Retry-After),
/// slow answers, refused permissions, and watches that drop. Reachable in-process
/// (`simulator.faults`) and over HTTP (`/_simulator/faults`).
public final class FaultInjector: Sendable {
    /// One injected behaviour for matching requests.
    public struct Rule: Sendable {
        /// The status to answer with (500, 503, 429...); nil only delays.
        public var status: Int?
        /// How many matching requests it affects; nil for every one until cleared.
        public var count: Int?
        /// Extra delay before answering.
        public var delayMilliseconds: Int
        /// For 429 and 503: the Retry-After seconds.
        public var retryAfterSeconds: Int
        /// Only requests whose path starts with this.
        public var pathPrefix: String?
        /// Only requests with this method (GET, POST, PUT, PATCH, DELETE).
        public var method: String?
        /// Whether watch requests match (by default they do not: a failing watch is another fault).
        public var includeWatches: Bool

        public init(
            status: Int? = 500, count: Int? = nil, delayMilliseconds: Int = 0, retryAfterSeconds: Int = 1,
            pathPrefix: String? = nil, method: String? = nil, includeWatches: Bool = false
        ) {
            self.status = status
            self.count = count
            self.delayMilliseconds = delayMilliseconds
            self.retryAfterSeconds = retryAfterSeconds
            self.pathPrefix = pathPrefix
            self.method = method
            self.includeWatches = includeWatches
        }
    }

    /// A permission the simulated RBAC refuses: 403 for that verb on that resource.
    public struct Denial: Sendable {
        public var verb: String
        public var group: String
        public var resource: String
        /// nil for every namespace.
        public var namespace: String?
        public var user: String

        public init(verb: String, group: String = "", resource: String, namespace: String? = nil, user: String = "system:serviceaccount:default:bosun") {
            self.verb = verb
            self.group = group
            self.resource = resource
            self.namespace = namespace
            self.user = user
        }
    }

    private struct State {
        var latencyMilliseconds = 0
        var rules: [Rule] = []
        var denials: [Denial] = []
        var watchLifetimeSeconds: Double?
        var injectedCount = 0
    }

    private let state: Mutex<State>
    private let store: ObjectStore

    init(store: ObjectStore, latencyMilliseconds: Int) {
        self.store = store
        state = Mutex(State(latencyMilliseconds: latencyMilliseconds))
    }

    /// Delay every API request by this much.
    public func setLatency(milliseconds: Int) { state.withLock { $0.latencyMilliseconds = max(0, milliseconds) } }

    public func add(_ rule: Rule) { state.withLock { $0.rules.append(rule) } }

    /// The next `count` matching requests answer `status` (500 InternalError by default).
    public func failRequests(status: Int = 500, count: Int? = 1, pathPrefix: String? = nil, method: String? = nil) {
        add(Rule(status: status, count: count, pathPrefix: pathPrefix, method: method))
    }

    /// The next `count` matching requests answer 429 TooManyRequests with `Retry-After`.
    public func throttle(count: Int? = 1, retryAfterSeconds: Int = 1, pathPrefix: String? = nil, method: String? = nil) {
        add(Rule(status: 429, count: count, retryAfterSeconds: retryAfterSeconds, pathPrefix: pathPrefix, method: method))
    }

    /// The next `count` matching requests are answered only after `milliseconds`.
    public func slowDown(milliseconds: Int, count: Int? = nil, pathPrefix: String? = nil, method: String? = nil) {
        add(Rule(status: nil, count: count, delayMilliseconds: milliseconds, pathPrefix: pathPrefix, method: method))
    }

    /// Refuse a verb on a resource with 403 Forbidden, as RBAC would.
    public func deny(_ denial: Denial) { state.withLock { $0.denials.append(denial) } }

    /// Close every open watch now, as a dropped connection would.
    public func dropWatches() { store.dropAllWatches() }

    /// End every watch this long after it starts (nil: watches stay open).
    public func setWatchLifetime(seconds: Double?) { state.withLock { $0.watchLifetimeSeconds = seconds } }

    /// Back to a healthy server (the configured latency stays unless reset here too).
    public func clear(latencyMilliseconds: Int = 0) {
        state.withLock { $0 = State(latencyMilliseconds: latencyMilliseconds) }
    }

    /// How many requests a rule has failed or delayed so far.
    public var injectedCount: Int { state.withLock { $0.injectedCount } }

    var watchLifetimeSeconds: Double? { state.withLock { $0.watchLifetimeSeconds } }

    /// What to do with a request: how long to wait first and, maybe, the error to answer.
    func decide(method: String, path: String, isWatch: Bool) -> (delayMilliseconds: Int, error: APIError?) {
        state.withLock { state in
            var delay = state.latencyMilliseconds
            for i in state.rules.indices {
                let rule = state.rules[i]
                if let prefix = rule.pathPrefix, !path.hasPrefix(prefix) { continue }
                if let wanted = rule.method, wanted.uppercased() != method { continue }
                if isWatch && !rule.includeWatches { continue }
                if let count = rule.count {
                    if count <= 0 { continue }
                    state.rules[i].count = count - 1
                }
                state.injectedCount += 1
                delay += rule.delayMilliseconds
                guard let status = rule.status else { continue }
                return (delay, Self.error(status: status, retryAfter: rule.retryAfterSeconds))
            }
            state.rules.removeAll { ($0.count ?? 1) <= 0 }
            return (delay, nil)
        }
    }

    /// The 403 a denial answers, worded as the RBAC authorizer words it.
    func denial(verb: String, type: ResourceType, namespace: String?, name: String?) -> APIError? {
        state.withLock { state in
            for denial in state.denials
            where denial.verb == verb && denial.group == type.group && denial.resource == type.plural
                && (denial.namespace == nil || denial.namespace == namespace)
            {
                let scope = namespace.map { "in the namespace \"\($0)\"" } ?? "at the cluster scope"
                return APIError.forbidden(
                    type.groupResource, name ?? "",
                    "User \"\(denial.user)\" cannot \(verb) resource \"\(type.plural)\" in API group \"\(type.group)\" \(scope)")
            }
            return nil
        }
    }

    static func error(status: Int, retryAfter: Int) -> APIError {
        switch status {
        case 429: return APIError.tooManyRequests(retryAfterSeconds: retryAfter)
        case 503:
            return APIError(
                code: 503, reason: "ServiceUnavailable", message: "the server is currently unable to handle the request",
                details: ["retryAfterSeconds": .int(retryAfter)])
        case 504: return APIError(code: 504, reason: "Timeout", message: "the server was unable to return a response in the time allotted")
        case 500: return APIError.internalError("injected fault")
        default: return APIError(code: status, reason: "InternalError", message: "injected fault (\(status))")
        }
    }

    /// The current faults, for `GET /_simulator/faults`.
    var json: JSONValue {
        state.withLock { state in
            [
                "latencyMs": .int(state.latencyMilliseconds),
                "rules": .array(state.rules.map { rule in
                    [
                        "status": rule.status.map(JSONValue.int) ?? .null, "count": rule.count.map(JSONValue.int) ?? .null,
                        "delayMs": .int(rule.delayMilliseconds), "pathPrefix": rule.pathPrefix.map(JSONValue.string) ?? .null,
                        "method": rule.method.map(JSONValue.string) ?? .null,
                    ]
                }),
                "denials": .array(state.denials.map { ["verb": .string($0.verb), "group": .string($0.group), "resource": .string($0.resource)] }),
                "watchLifetimeSeconds": state.watchLifetimeSeconds.map(JSONValue.double) ?? .null,
                "injected": .int(state.injectedCount),
            ]
        }
    }

    /// Applies a `POST /_simulator/faults` body: `latencyMs`, `errors` (rules), `forbid`,
    /// `dropWatches`, `watchLifetimeSeconds`, `clear`.
    func configure(_ body: JSONObject) throws(APIError) {
        if body["clear"]?.boolValue == true { clear() }
        if let latency = body["latencyMs"]?.intValue { setLatency(milliseconds: latency) }
        for item in body["errors"]?.arrayValue ?? [] {
            guard let object = item.objectValue else { throw APIError.badRequest("errors: each item must be an object") }
            add(
                Rule(
                    status: object["status"].map { $0.intValue } ?? 500, count: object["count"]?.intValue,
                    delayMilliseconds: object["delayMs"]?.intValue ?? 0,
                    retryAfterSeconds: object["retryAfterSeconds"]?.intValue ?? 1,
                    pathPrefix: object["pathPrefix"]?.stringValue, method: object["method"]?.stringValue,
                    includeWatches: object["includeWatches"]?.boolValue ?? false))
        }
        for item in body["forbid"]?.arrayValue ?? [] {
            guard let verb = item["verb"]?.stringValue, let resource = item["resource"]?.stringValue else {
                throw APIError.badRequest("forbid: each item needs verb and resource")
            }
            deny(
                Denial(
                    verb: verb, group: item["group"]?.stringValue ?? "", resource: resource,
                    namespace: item["namespace"]?.stringValue,
                    user: item["user"]?.stringValue ?? "system:serviceaccount:default:bosun"))
        }
        if let lifetime = body["watchLifetimeSeconds"] { setWatchLifetime(seconds: lifetime.doubleValue) }
        if body["dropWatches"]?.boolValue == true { dropWatches() }
    }
}
