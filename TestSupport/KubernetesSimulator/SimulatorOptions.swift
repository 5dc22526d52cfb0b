/// How a simulator runs: where it listens, how it authenticates, how fast its simulated
/// controllers are, and how much watch history it keeps.
public struct SimulatorOptions: Sendable {
    /// The address to listen on; the simulator is meant for loopback.
    public var host = "127.0.0.1"
    /// The port; 0 picks a free one (read it back from `KubernetesSimulator.port`).
    public var port = 0
    /// A delay added to every API request, to imitate a remote cluster.
    public var latencyMilliseconds = 0
    /// PEM files to serve HTTPS with; plain HTTP when nil.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// A PEM CA bundle: clients presenting a certificate it signed are authenticated (HTTPS only).
    public var clientCAPath: String?
    /// When set, API requests must carry `Authorization: Bearer <token>` (or a client
    /// certificate signed by `clientCAPath`); others get 401.
    public var token: String?
    /// Whether the simulated kube-controller-manager runs (Deployment status, Jobs, PVC binding,
    /// namespace termination, garbage collection).
    public var controllersEnabled = true
    /// How long a simulated rollout, job or volume binding takes.
    public var controllerDelayMilliseconds = 1000
    /// The longest a simulated rollout may be stuck before `ProgressDeadlineExceeded`: the
    /// Deployment's own `progressDeadlineSeconds` when shorter, this otherwise (the server's
    /// default of 600 s would make tests of failing rollouts wait ten minutes).
    public var progressDeadlineSeconds = 10
    /// How many recent events each collection keeps for watches resuming from a resourceVersion;
    /// older resourceVersions get 410 Expired.
    public var watchWindow = 1000
    /// How often a watch that asked for bookmarks gets one.
    public var bookmarkIntervalSeconds = 10.0
    /// Print one line per request to standard error.
    public var logRequests = false

    public init() {}

    var usesTLS: Bool { tlsCertificatePath != nil && tlsKeyPath != nil }
}
