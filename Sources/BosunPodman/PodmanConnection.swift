import BosunCore
import Foundation

/// Where Podman's API socket is and what the target lets manifests do, from a `type: podman`
/// target entry:
///
/// ```yaml
/// targets:
///   - name: box
///     type: podman
///     socket: unix:///run/podman/podman.sock   # default $CONTAINER_HOST, else rootful, else rootless
///     hostPathAllowed: [/srv/data]              # hostPath volumes only under these (default: none)
///     allowPrivileged: false                    # privileged containers refused unless true
///     insecureRegistries: ["127.0.0.1:5000"]    # pulled without TLS verification
///     registryUsernameEnv: REGISTRY_USER        # pull credentials, read from these variables
///     registryPasswordEnv: REGISTRY_PASSWORD
///     requestTimeout: 2m                        # one API call (pulls take longer; default 2m)
///     minReadySeconds: 5                        # a container counts as up once it ran this long
/// ```
public struct PodmanConnection: Sendable {
    /// The rootful service's socket.
    public static let rootfulSocket = "/run/podman/podman.sock"

    /// The API socket's path on this machine.
    public var socketPath: String
    /// Host paths a `hostPath` volume may name (each with everything under it).
    public var hostPathAllowed: [String]
    public var allowPrivileged: Bool
    /// Registries (host or host:port) pulled from without TLS verification.
    public var insecureRegistries: Set<String>
    /// Registry credentials for pulls (never logged).
    var credentials: (username: String, password: String)?
    public var requestTimeout: Duration
    /// How long a container must run before it counts as up: one that crashes at once is caught
    /// before the sync is called healthy. A workload's own `spec.minReadySeconds` wins.
    public var minReadySeconds = 5

    public init(socketPath: String, hostPathAllowed: [String] = [], allowPrivileged: Bool = false,
                insecureRegistries: Set<String> = [], requestTimeout: Duration = .seconds(120)) {
        self.socketPath = socketPath
        self.hostPathAllowed = hostPathAllowed.map(Self.normalise)
        self.allowPrivileged = allowPrivileged
        self.insecureRegistries = insecureRegistries
        self.requestTimeout = requestTimeout
    }

    /// `unix:///run/podman/podman.sock`, as a person writes it.
    public var socketURL: String { "unix://\(socketPath)" }

    /// The connection a target entry describes; names the field that is wrong.
    public static func from(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> PodmanConnection {
        let prefix = "target \"\(spec.name)\""
        let written = spec.string("socket") ?? env.environment["CONTAINER_HOST"].flatMap { $0.isEmpty ? nil : $0 }
        let path: String
        if let written {
            guard let parsed = socketPath(written) else {
                throw TargetError(.invalid, "\(prefix): socket \"\(written)\" is not a unix socket; write it as unix:///run/podman/podman.sock (Bosun speaks to Podman over its local API socket only)")
            }
            path = env.resolvePath(parsed)
        } else {
            path = defaultSocket(environment: env.environment)
        }
        for field in ["hostPathAllowed", "insecureRegistries"] {
            if let value = spec.options[field], value.arrayValue == nil || value.arrayValue?.contains(where: { $0.stringValue == nil }) == true {
                throw TargetError(.invalid, "\(prefix): \(field) must be a list of strings, such as [/srv/data]")
            }
        }
        if let value = spec.options["allowPrivileged"], value.boolValue == nil {
            throw TargetError(.invalid, "\(prefix): allowPrivileged must be true or false")
        }
        let allowed = spec.strings("hostPathAllowed") ?? []
        for entry in allowed where !entry.hasPrefix("/") {
            throw TargetError(.invalid, "\(prefix): hostPathAllowed entry \"\(entry)\" is not an absolute path; write it as /srv/data")
        }
        var timeout = Duration.seconds(120)
        if let text = spec.options["requestTimeout"] {
            guard let parsed = text.stringValue.flatMap({ try? DurationText.parse($0) }) ?? text.intValue.map({ Duration.seconds($0) }), parsed > .zero else {
                throw TargetError(.invalid, "\(prefix): requestTimeout must be a duration such as 2m")
            }
            timeout = parsed
        }
        if let value = spec.options["minReadySeconds"], (value.intValue ?? -1) < 0 {
            throw TargetError(.invalid, "\(prefix): minReadySeconds must be a whole number of seconds, 0 or more, such as 5")
        }
        var connection = PodmanConnection(
            socketPath: path, hostPathAllowed: allowed, allowPrivileged: spec.bool("allowPrivileged") ?? false,
            insecureRegistries: Set(spec.strings("insecureRegistries") ?? []), requestTimeout: timeout)
        switch (spec.string("registryUsernameEnv"), spec.string("registryPasswordEnv")) {
        case (nil, nil): break
        case (let user?, let password?):
            guard let u = env.environment[user], !u.isEmpty else {
                throw TargetError(.invalid, "\(prefix): registryUsernameEnv names $\(user), which is not set; export the registry user in it")
            }
            guard let p = env.environment[password], !p.isEmpty else {
                throw TargetError(.invalid, "\(prefix): registryPasswordEnv names $\(password), which is not set; export the registry password in it")
            }
            connection.credentials = (u, p)
        default:
            throw TargetError(.invalid, "\(prefix): registryUsernameEnv and registryPasswordEnv go together; set both or neither")
        }
        if let seconds = spec.options["minReadySeconds"]?.intValue { connection.minReadySeconds = seconds }
        return connection
    }

    /// The path in `unix:///path` (or a bare absolute path); nil for anything else.
    static func socketPath(_ text: String) -> String? {
        if text.hasPrefix("unix://") {
            let path = String(text.dropFirst("unix://".count))
            return path.isEmpty ? nil : path
        }
        if text.hasPrefix("/") { return text }
        return nil
    }

    /// The rootful socket when this process may use it, else the rootless one under `$XDG_RUNTIME_DIR`.
    static func defaultSocket(environment: [String: String]) -> String {
        if getuid() == 0 || FileManager.default.fileExists(atPath: rootfulSocket) { return rootfulSocket }
        let runtime = environment["XDG_RUNTIME_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/run/user/\(getuid())"
        return "\(runtime)/podman/podman.sock"
    }

    /// Whether a host path lies inside one of `hostPathAllowed`.
    func allowsHostPath(_ path: String) -> Bool {
        let normalised = Self.normalise(path)
        guard !normalised.split(separator: "/").contains("..") else { return false }
        return hostPathAllowed.contains { allowed in
            allowed == "/" || normalised == allowed || normalised.hasPrefix(allowed + "/")
        }
    }

    static func normalise(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") where part != "." { parts.append(part) }
        return "/" + parts.joined(separator: "/")
    }
}
