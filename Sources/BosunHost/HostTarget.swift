import BosunCore
import Foundation

/// The embedded default target: `File` and `Process` resources of `host.bosun.dev/v1` on this
/// machine, supervised by Bosun itself. See `docs/host.md` for the manifests.
///
/// ```yaml
/// apiVersion: host.bosun.dev/v1
/// kind: File
/// metadata: { name: index }
/// spec:
///   path: site/index.html        # relative to the target root; absolute or ..-escaping: rejected
///   content: |                   # or contentBase64: for bytes that are not text
///     <h1>Hello</h1>
///   mode: "0644"                 # octal string, or an integer; default 0644
/// ---
/// apiVersion: host.bosun.dev/v1
/// kind: Process
/// metadata: { name: web }
/// spec:
///   command: [python3, -m, http.server, "8765", --bind, 127.0.0.1]
///   workingDir: site             # relative to the root; default the root
///   env: [{ name: GREETING, value: hi }]   # also accepts a plain map
///   restartPolicy: Always        # Always (default) | OnFailure | Never
///   restartOn: [index]           # names of File resources of the same application
///   readinessProbe:
///     httpGet: { port: 8765, path: / }     # or tcpSocket: { port: 8765 } or exec: { command: [...] }
///     periodSeconds: 1           # defaults: period 2, timeout 1, failureThreshold 3, initialDelaySeconds 0
///   stopSignal: SIGTERM          # default SIGTERM
///   stopTimeoutSeconds: 10       # default 10
/// ```
///
/// The target option `root` overrides the default root `dataDir/host`. Process logs live at
/// `dataDir/host/logs/<app>/<name>.log`, Bosun's own state at `dataDir/host/.state/`.
public enum HostTarget {
    /// The `type` of a host target in `bosun.yaml`.
    public static let type = "host"
    /// The apiVersion of every kind this target holds.
    public static let apiVersion = "host.bosun.dev/v1"
    /// The API group of the kinds (the apiVersion without its version).
    public static let group = "host.bosun.dev"
    /// A file under the target root.
    public static let fileKind = "File"
    /// A process Bosun starts and supervises.
    public static let processKind = "Process"

    /// Builds a host target from its config entry, for `TargetFactory.register("host", HostTarget.make)`.
    public static func make(_ spec: TargetSpec, _ environment: TargetEnvironment) throws -> any DeploymentTarget {
        try HostDeploymentTarget(spec: spec, environment: environment)
    }

    /// The key of a host resource (the host has no namespaces).
    public static func key(kind: String, name: String) -> ResourceKey {
        ResourceKey(group: group, kind: kind, namespace: "", name: name)
    }
}

/// Tunables of a host target. The defaults are what the issue asks for; tests shorten them.
public struct HostTargetOptions: Sendable {
    /// A process log is rotated (to `<name>.log.1`) before it would grow past this many bytes.
    public var logRotationBytes: Int = 10 << 20
    /// The first restart delay after a crash; each further crash doubles it.
    public var backoffBase: Duration = .seconds(1)
    /// The longest restart delay.
    public var backoffLimit: Duration = .seconds(60)
    /// A run at least this long resets the backoff and the crash-loop count.
    public var stableRunDuration: Duration = .seconds(60)
    /// A process without a readiness probe is ready once it has run this long.
    public var readyWithoutProbeAfter: Duration = .seconds(1)
    /// Consecutive restarts after which a process counts as crash looping (Degraded).
    public var crashLoopRestarts: Int = 3
    /// How often the files Bosun wrote are checked for changes made on disk.
    public var filePollInterval: Duration = .seconds(2)
    /// The clock for backoff, readiness and probe periods (a manual clock in tests).
    /// Stop timeouts always use real time: they guard against processes that hang.
    public var clock: any HostClock = SystemHostClock()
    /// Variables a process inherits from Bosun's own environment; everything else (tokens
    /// named by `...Env` fields, for example) stays out of the processes Git describes.
    public var inheritedEnvironment: [String] = [
        "PATH", "HOME", "USER", "LOGNAME", "SHELL", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
    ]

    /// The defaults the issue asks for.
    public init() {}
}
