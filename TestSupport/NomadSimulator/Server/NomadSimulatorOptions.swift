/// How a simulator is started.
public struct NomadSimulatorOptions: Sendable {
    /// Loopback address to bind.
    public var host = "127.0.0.1"
    /// 0 picks a free port; `NomadSimulator.port` tells which.
    public var port = 0
    /// Require ACL tokens (`X-Nomad-Token` or `Authorization: Bearer`), as a Nomad agent with ACLs enabled.
    public var acl = false
    /// The management token accepted when `acl` is on.
    public var managementToken = "00000000-0000-0000-0000-000000000001"
    /// A token that may only read (list/read jobs, deployments, allocations), when `acl` is on.
    public var readToken: String?
    /// Added before every API response.
    public var latency: Duration = .zero
    /// How long a placement takes to become healthy; tasks start after half of it.
    public var deployDelay: Duration = .milliseconds(500)
    /// Namespaces that exist besides `default`.
    public var namespaces: [String] = []

    public init() {}
}

/// Faults injected into the API, set with `NomadSimulator.setFaults` or `POST /_simulator/faults`.
public struct NomadFaults: Sendable, Equatable {
    /// The next this-many matching API requests fail.
    public var failNext = 0
    /// Status code of an injected failure.
    public var failStatus = 500
    /// Body of an injected failure (Nomad answers 500s with plain text such as this).
    public var failMessage = "No cluster leader"
    /// Only requests whose path starts with this fail ("" = any).
    public var failPathPrefix = ""
    /// Only requests with this method fail ("" = any).
    public var failMethod = ""
    /// Extra delay before each API response, on top of the start-up latency.
    public var latency: Duration = .zero

    public init(
        failNext: Int = 0, failStatus: Int = 500, failMessage: String = "No cluster leader", failPathPrefix: String = "",
        failMethod: String = "", latency: Duration = .zero
    ) {
        self.failNext = failNext
        self.failStatus = failStatus
        self.failMessage = failMessage
        self.failPathPrefix = failPathPrefix
        self.failMethod = failMethod
        self.latency = latency
    }
}

/// Holds the current faults; each injected failure uses one of `failNext`.
actor FaultInjector {
    private(set) var faults = NomadFaults()

    func set(_ faults: NomadFaults) { self.faults = faults }

    /// The failure to answer for this request, if one is due.
    func failure(method: String, path: String) -> (status: Int, message: String)? {
        guard faults.failNext > 0 else { return nil }
        if !faults.failPathPrefix.isEmpty && !path.hasPrefix(faults.failPathPrefix) { return nil }
        if !faults.failMethod.isEmpty && faults.failMethod.uppercased() != method.uppercased() { return nil }
        faults.failNext -= 1
        return (faults.failStatus, faults.failMessage)
    }
}
