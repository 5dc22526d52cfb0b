import Foundation

/// `bosun.yaml`: the targets, repositories and applications Bosun keeps in step with Git.
public struct Config: Sendable {
    public var dataDir: String
    public var server: ServerConfig
    public var targets: [TargetSpec]
    public var repositories: [RepositorySpec]
    public var applications: [ApplicationSpec]
    public var notifications: [NotificationSpec]
    /// Named decryption keys (local config only), see `DecryptionKeySpec`.
    public var decryptionKeys: [DecryptionKeySpec] = []
    /// Health rules declared per kind (`healthRules:`), for the targets that judge such objects.
    public var healthRules: [HealthRuleSet] = []
    /// Sets that generate applications (those of included files are added by the engine).
    public var applicationSets: [ApplicationSetSpec] = []
    /// Files of applications and sets read from Git.
    public var includes: [IncludeSpec] = []
    /// Which kinds of repository URL the config may name.
    public var repositorySchemes: Set<RepositoryScheme> = RepositoryScheme.defaults
    /// The file it was read from, when it was.
    public var file: String?
    /// PostgreSQL instead of the SQLite file (`store:`); needed for replicas.
    public var store: StoreSpec?
    /// Leases among replicas (`ha:`), used with a PostgreSQL store.
    public var ha = HASpec()
    /// A digest of the configuration replicas must share (see `ConfigLoader.sharedHash`).
    public var sharedHash = ""

    public init(
        dataDir: String = ".bosun", server: ServerConfig = ServerConfig(), targets: [TargetSpec] = [],
        repositories: [RepositorySpec] = [], applications: [ApplicationSpec] = [], notifications: [NotificationSpec] = [],
        file: String? = nil
    ) {
        self.dataDir = dataDir
        self.server = server
        self.targets = targets
        self.repositories = repositories
        self.applications = applications
        self.notifications = notifications
        self.file = file
    }

    public func target(named name: String) -> TargetSpec? { targets.first { $0.name == name } }
    public func repository(named name: String) -> RepositorySpec? { repositories.first { $0.name == name } }
    public func application(named name: String) -> ApplicationSpec? { applications.first { $0.name == name } }

    /// `dataDir` made absolute against the config file's folder (or the working directory).
    public var dataDirectory: URL {
        let expanded = (dataDir as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        let base = file.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return base.appendingPathComponent(expanded).standardizedFileURL
    }

    /// A path from the config, made absolute against the config file's folder.
    public func resolvePath(_ path: String) -> String {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        let base = file.map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        return base.appendingPathComponent(expanded).standardizedFileURL.path
    }
}

public struct ServerConfig: Sendable {
    public static let defaultListen = "127.0.0.1:8080"
    public var listen: String
    public var tokens: [APITokenSpec]
    public var tls: TLSFiles?

    public init(listen: String = ServerConfig.defaultListen, tokens: [APITokenSpec] = [], tls: TLSFiles? = nil) {
        self.listen = listen
        self.tokens = tokens
        self.tls = tls
    }
}

public struct TLSFiles: Sendable, Hashable {
    public var certificateFile: String
    public var keyFile: String
    public init(certificateFile: String, keyFile: String) {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

public enum Role: String, Sendable, Codable, CaseIterable, Comparable {
    case viewer, operator_ = "operator", admin
    var rank: Int { self == .viewer ? 0 : self == .operator_ ? 1 : 2 }
    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

public struct APITokenSpec: Sendable, Hashable {
    public var name: String
    /// Lowercase hex SHA-256 of the token.
    public var sha256: String
    public var role: Role
    public init(name: String, sha256: String, role: Role) {
        self.name = name
        self.sha256 = sha256
        self.role = role
    }
}

/// A deployment target. Fields beyond name and type belong to the target's module and
/// are kept as written in `options`.
public struct TargetSpec: Sendable, Hashable {
    public var name: String
    public var type: String
    public var options: JSONObject

    public init(name: String, type: String, options: JSONObject = JSONObject()) {
        self.name = name
        self.type = type
        self.options = options
    }

    public func string(_ key: String) -> String? { options[key]?.stringValue }
    public func bool(_ key: String) -> Bool? { options[key]?.boolValue }
    /// The replica a host or Podman target belongs to (`replica:`): its applications are owned
    /// by that replica only, and wait while it is down.
    public var replica: String? { string("replica") }
    /// A list option (`hostPathAllowed: [/srv/data]`); nil when absent or not a list of strings.
    public func strings(_ key: String) -> [String]? {
        options[key]?.arrayValue.map { $0.compactMap(\.stringValue) }
    }

    /// The option fields each target type accepts, so validation can name a typo.
    public static let knownOptions: [String: [String]] = [
        "host": ["root", "replica"],
        "kubernetes": ["kubeconfig", "context", "inCluster", "namespace", "qps", "requestTimeout"],
        "nomad": ["address", "namespace", "region", "tokenEnv", "caCert", "clientCert", "clientKey", "tlsSkipVerify", "tlsServerName", "purge"],
        "podman": ["socket", "hostPathAllowed", "allowPrivileged", "insecureRegistries", "registryUsernameEnv", "registryPasswordEnv", "requestTimeout", "minReadySeconds", "replica"],
    ]
}

public struct RepositorySpec: Sendable, Hashable {
    public var name: String
    public var url: String
    public var credentials: GitCredentials?
    public var webhook: WebhookSpec?
    public var verify: VerifySpec?
    public var fetchTimeout: Duration
    /// The decryption of applications reading this repository, unless they set their own.
    public var decryption: DecryptionSpec?
    /// Git (default), a Helm chart repository, or an OCI registry.
    public var type: RepositoryType
    /// PEM file of the certificate authorities to trust for a chart repository or registry.
    public var caFile: String?
    /// An OCI registry spoken to over plain HTTP (Helm's `--plain-http`); needs `http` in
    /// `security.repositorySchemes`.
    public var plainHTTP: Bool

    public init(
        name: String, url: String, credentials: GitCredentials? = nil, webhook: WebhookSpec? = nil,
        verify: VerifySpec? = nil, fetchTimeout: Duration = .seconds(120), type: RepositoryType = .git,
        caFile: String? = nil, plainHTTP: Bool = false
    ) {
        self.name = name
        self.url = url
        self.type = type
        self.caFile = caFile
        self.plainHTTP = plainHTTP
        self.credentials = credentials
        self.webhook = webhook
        self.verify = verify
        self.fetchTimeout = fetchTimeout
    }
}

/// Where Git credentials come from. Values are never in the config itself.
public struct GitCredentials: Sendable, Hashable {
    public var usernameEnv: String?
    public var passwordEnv: String?
    public var sshKeyFile: String?
    public var knownHostsFile: String?
    public init(usernameEnv: String? = nil, passwordEnv: String? = nil, sshKeyFile: String? = nil, knownHostsFile: String? = nil) {
        self.usernameEnv = usernameEnv
        self.passwordEnv = passwordEnv
        self.sshKeyFile = sshKeyFile
        self.knownHostsFile = knownHostsFile
    }
}

public struct WebhookSpec: Sendable, Hashable {
    public var secretEnv: String
    public init(secretEnv: String) { self.secretEnv = secretEnv }
}

public struct VerifySpec: Sendable, Hashable {
    public enum Mode: String, Sendable, CaseIterable { case commit, tag }
    public var mode: Mode
    public var gpgKeys: [String]
    public var sshAllowedSigners: String?
    public init(mode: Mode, gpgKeys: [String] = [], sshAllowedSigners: String? = nil) {
        self.mode = mode
        self.gpgKeys = gpgKeys
        self.sshAllowedSigners = sshAllowedSigners
    }
}

/// What to deploy: a branch, a tag, a commit, or the highest tag in a semver range.
public enum RevisionSpec: Sendable, Hashable, CustomStringConvertible {
    case ref(String)
    case semver(SemVerRange)

    public var description: String {
        switch self {
        case .ref(let r): r
        case .semver(let range): "semver \(range.text)"
        }
    }
}

public enum RenderKind: String, Sendable, CaseIterable, Codable {
    case plain, kustomize, helm, nomad, jsonnet
}

public struct HelmOptions: Sendable, Hashable {
    public var releaseName: String?
    public var valuesFiles: [String]
    public var values: JSONObject
    /// Values files from other repositories, applied after `valuesFiles` and before `values`.
    public var valuesFrom: [ValuesSource]
    public init(releaseName: String? = nil, valuesFiles: [String] = [], values: JSONObject = JSONObject(),
                valuesFrom: [ValuesSource] = []) {
        self.releaseName = releaseName
        self.valuesFiles = valuesFiles
        self.values = values
        self.valuesFrom = valuesFrom
    }
}

public struct SourceSpec: Sendable, Hashable {
    public var repository: String
    public var revision: RevisionSpec
    public var path: String
    /// nil: decided from the files (a kustomization means Kustomize, else plain).
    public var render: RenderKind?
    public var helm: HelmOptions?
    /// A file of HCL2 variables for Nomad jobs, relative to the repository root.
    public var varsFile: String?
    /// The chart's name, for a repository of type helm or oci (`path` is then not used).
    public var chart: String?
    public var jsonnet: JsonnetOptions?
    public var directory: DirectoryOptions?

    public init(repository: String, revision: RevisionSpec = .ref("HEAD"), path: String = ".", render: RenderKind? = nil,
                helm: HelmOptions? = nil, varsFile: String? = nil, chart: String? = nil, jsonnet: JsonnetOptions? = nil,
                directory: DirectoryOptions? = nil) {
        self.chart = chart
        self.jsonnet = jsonnet
        self.directory = directory
        self.repository = repository
        self.revision = revision
        self.path = path
        self.render = render
        self.helm = helm
        self.varsFile = varsFile
    }
}

public struct DestinationSpec: Sendable, Hashable {
    public var target: String
    public var namespace: String?
    public init(target: String, namespace: String? = nil) {
        self.target = target
        self.namespace = namespace
    }
}

public struct SyncPolicy: Sendable, Hashable {
    public static let defaultInterval: Duration = .seconds(180)
    public static let defaultHealthTimeout: Duration = .seconds(300)

    public var auto: Bool
    public var prune: Bool
    public var selfHeal: Bool
    public var interval: Duration
    public var autoRollback: Bool
    public var healthTimeout: Duration
    /// How many times a failed sync is retried before waiting for a new commit; nil retries forever.
    public var retryLimit: Int?
    public var retryBackoff: Duration
    public var retryMaxBackoff: Duration
    public var createNamespace: Bool
    public var force: Bool
    public var maxPrunePercent: Int
    public var allowEmpty: Bool

    public init(
        auto: Bool = false, prune: Bool = false, selfHeal: Bool = false, interval: Duration = SyncPolicy.defaultInterval,
        autoRollback: Bool = false, healthTimeout: Duration = SyncPolicy.defaultHealthTimeout, retryLimit: Int? = 5,
        retryBackoff: Duration = .seconds(5), retryMaxBackoff: Duration = .seconds(180), createNamespace: Bool = false,
        force: Bool = false, maxPrunePercent: Int = 50, allowEmpty: Bool = false
    ) {
        self.auto = auto
        self.prune = prune
        self.selfHeal = selfHeal
        self.interval = interval
        self.autoRollback = autoRollback
        self.healthTimeout = healthTimeout
        self.retryLimit = retryLimit
        self.retryBackoff = retryBackoff
        self.retryMaxBackoff = retryMaxBackoff
        self.createNamespace = createNamespace
        self.force = force
        self.maxPrunePercent = maxPrunePercent
        self.allowEmpty = allowEmpty
    }
}

/// Fields of matching resources that are never drift.
public struct IgnoreDifference: Sendable, Hashable {
    public var group: String?
    public var kind: String
    public var name: String?
    public var namespace: String?
    public var jsonPointers: [String]

    public init(group: String? = nil, kind: String, name: String? = nil, namespace: String? = nil, jsonPointers: [String]) {
        self.group = group
        self.kind = kind
        self.name = name
        self.namespace = namespace
        self.jsonPointers = jsonPointers
    }

    public func matches(_ key: ResourceKey) -> Bool {
        (group == nil || group == key.group) && kind == key.kind && (name == nil || name == key.name)
            && (namespace == nil || namespace == key.namespace)
    }
}

public struct ApplicationSpec: Sendable, Hashable {
    public static let defaultHistoryLimit = 50

    public var name: String
    public var source: SourceSpec
    public var destination: DestinationSpec
    public var sync: SyncPolicy
    public var dependsOn: [String]
    public var ignoreDifferences: [IgnoreDifference]
    public var historyLimit: Int
    public var pruneOnDelete: Bool
    /// How SOPS-encrypted manifests are decrypted (else the repository's default).
    public var decryption: DecryptionSpec?

    public init(
        name: String, source: SourceSpec, destination: DestinationSpec, sync: SyncPolicy = SyncPolicy(),
        dependsOn: [String] = [], ignoreDifferences: [IgnoreDifference] = [],
        historyLimit: Int = ApplicationSpec.defaultHistoryLimit, pruneOnDelete: Bool = false
    ) {
        self.name = name
        self.source = source
        self.destination = destination
        self.sync = sync
        self.dependsOn = dependsOn
        self.ignoreDifferences = ignoreDifferences
        self.historyLimit = historyLimit
        self.pruneOnDelete = pruneOnDelete
    }
}

public struct NotificationSpec: Sendable, Hashable {
    public enum Format: String, Sendable, CaseIterable { case json, slack }
    public enum Event: String, Sendable, CaseIterable {
        case syncSucceeded, syncFailed, healthDegraded, rolledBack, driftDetected, pruneRefused
    }
    public var name: String
    /// The environment variable that holds the URL (URLs often carry secrets).
    public var urlEnv: String?
    public var url: String?
    public var format: Format
    public var events: [Event]
    /// Only these applications; empty: all.
    public var applications: [String]

    public init(name: String, urlEnv: String? = nil, url: String? = nil, format: Format = .json, events: [Event] = Event.allCases,
                applications: [String] = []) {
        self.name = name
        self.urlEnv = urlEnv
        self.url = url
        self.format = format
        self.events = events
        self.applications = applications
    }
}

/// The kinds of repository URL. Local paths and `file://` read this machine's disk and plain
/// `http://` is unencrypted, so both are off unless the config lists them under
/// `security.repositorySchemes`.
public enum RepositoryScheme: String, Sendable, CaseIterable, Hashable {
    case https, ssh, http, file, oci

    /// `oci://` is HTTPS to a registry unless the repository says `plainHTTP: true`.
    public static let defaults: Set<RepositoryScheme> = [.https, .ssh, .oci]

    /// The scheme of a URL as written in the config (`git@host:org/repo` is ssh; a path is file).
    public init?(url: String) {
        let lower = url.lowercased()
        if lower.hasPrefix("https://") { self = .https }
        else if lower.hasPrefix("http://") { self = .http }
        else if lower.hasPrefix("ssh://") || lower.hasPrefix("git+ssh://") { self = .ssh }
        else if lower.hasPrefix("file://") { self = .file }
        else if lower.hasPrefix("oci://") { self = .oci }
        else if lower.contains("://") { return nil }
        else if let colon = url.firstIndex(of: ":"), !url[..<colon].contains("/") { self = .ssh }
        else { self = .file }
    }
}
