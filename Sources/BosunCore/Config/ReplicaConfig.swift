import Crypto
import Foundation
import Yams

/// `store:` — where Bosun keeps its records. Absent: one SQLite file under `dataDir`.
public struct StoreSpec: Sendable, Hashable {
    /// The environment variable holding the PostgreSQL URL (`postgres://user:password@host:port/db`).
    public var urlEnv: String
    public var caFile: String?
    public var certificateFile: String?
    public var keyFile: String?

    public init(urlEnv: String, caFile: String? = nil, certificateFile: String? = nil, keyFile: String? = nil) {
        self.urlEnv = urlEnv
        self.caFile = caFile
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// `ha:` — how replicas sharing a PostgreSQL store hold their applications.
public struct HASpec: Sendable, Hashable {
    /// How long a lease lasts without renewal: a dead replica's applications move after it.
    public var leaseDuration: Duration = .seconds(15)
    /// How often a replica renews its leases and looks at who is alive.
    public var renewEvery: Duration = .seconds(5)

    public init(leaseDuration: Duration = .seconds(15), renewEvery: Duration = .seconds(5)) {
        self.leaseDuration = leaseDuration
        self.renewEvery = renewEvery
    }
}

extension ConfigLoader {
    static func readStore(_ m: MappingView) -> StoreSpec? {
        guard let pg = m.mapping("postgres", known: ["urlEnv", "tls"]) else {
            m.reader.report(m.node, m.path, "no store named", fix: "write `store: { postgres: { urlEnv: BOSUN_DATABASE_URL } }`, or remove `store` to use SQLite")
            return nil
        }
        guard let env = pg.string("urlEnv", required: "BOSUN_DATABASE_URL") else { return nil }
        var spec = StoreSpec(urlEnv: env)
        if let tls = pg.mapping("tls", known: ["caFile", "certificateFile", "keyFile"]) {
            spec.caFile = tls.string("caFile")
            spec.certificateFile = tls.string("certificateFile")
            spec.keyFile = tls.string("keyFile")
        }
        return spec
    }

    static func readHA(_ m: MappingView) -> HASpec {
        var ha = HASpec()
        if let d = m.duration("leaseDuration") { ha.leaseDuration = d }
        if let d = m.duration("renewEvery") { ha.renewEvery = d }
        if ha.renewEvery * 2 > ha.leaseDuration || ha.renewEvery < .milliseconds(100) {
            m.reader.report(m.value("renewEvery") ?? m.node, m.childPath("renewEvery"),
                            "renewEvery must be at least 100ms and at most half of leaseDuration, so a lease survives one missed renewal",
                            fix: "for example `leaseDuration: 15s` with `renewEvery: 5s`")
        }
        return ha
    }

    /// With a PostgreSQL store any number of replicas may run, so a target that is one machine
    /// (host, Podman) must say which replica's machine it is.
    static func checkMachineTargets(_ config: Config, _ top: MappingView, _ reader: ConfigReader) {
        for (node, path) in top.list("targets") {
            guard case .mapping(let mapping) = node, case .scalar(let name)? = mapping["name"],
                let spec = config.target(named: name.string), ["host", "podman"].contains(spec.type), spec.replica == nil
            else { continue }
            reader.report(node, path + ".replica",
                          "a \(spec.type) target belongs to one machine, and with a PostgreSQL store several replicas may run",
                          fix: "add `replica: NAME` with the --replica name of the `bosun serve` on its machine (the host name by default)")
        }
    }

    /// A digest of what replicas must agree on, as written: targets, repositories, applications,
    /// sets, includes, health rules, notifications and leases. Not `dataDir`, `server` or key
    /// files: those belong to each machine.
    static func sharedHash(of top: MappingView) -> String {
        var hasher = SHA256()
        // Composed YAML has its aliases expanded: a hostile file (an alias bomb) must not make
        // the walk exponential, so it stops after a bounded number of nodes.
        var budget = 200_000
        for key in ["targets", "repositories", "applications", "applicationSets", "include", "healthRules", "notifications", "ha"] {
            hasher.update(data: Data(key.utf8))
            if let node = top.value(key) { canonical(node, into: &hasher, budget: &budget) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// The content of a node without its layout (flow or block, quotes, comments). Not Yams'
    /// emitter: it resolves the tags of the nodes it writes in place, and the reader needs them.
    static func canonical(_ node: Node, into hasher: inout SHA256, budget: inout Int) {
        guard budget > 0 else { return }
        budget -= 1
        switch node {
        case .scalar(let scalar):
            hasher.update(data: Data("s\(scalar.string.utf8.count):\(scalar.string)".utf8))
        case .mapping(let mapping):
            hasher.update(data: Data("m{".utf8))
            for (key, value) in mapping {
                canonical(key, into: &hasher, budget: &budget)
                canonical(value, into: &hasher, budget: &budget)
            }
            hasher.update(data: Data("}".utf8))
        case .sequence(let sequence):
            hasher.update(data: Data("q[".utf8))
            for element in sequence { canonical(element, into: &hasher, budget: &budget) }
            hasher.update(data: Data("]".utf8))
        default:
            hasher.update(data: Data("?".utf8))
        }
    }
}
