import BosunCore
import Foundation

/// The parts of a kubeconfig file Bosun reads, as `clientcmd` defines them. Paths inside are
/// already made absolute against the folder of the file that named them.
public struct KubeConfig: Sendable {
    public struct Cluster: Sendable {
        public var server: String
        public var certificateAuthority: String?
        public var certificateAuthorityData: Data?
        public var insecureSkipTLSVerify: Bool
        public var tlsServerName: String?
        public var proxyURL: String?
    }

    /// The `exec` section of a user: a command that prints an ExecCredential.
    public struct ExecConfig: Sendable, Hashable {
        public struct EnvVar: Sendable, Hashable {
            public var name: String
            public var value: String
            public init(name: String, value: String) {
                self.name = name
                self.value = value
            }
        }

        public var command: String
        public var args: [String]
        public var env: [EnvVar]
        /// `client.authentication.k8s.io/v1` or `v1beta1`; the plugin must answer in the same.
        public var apiVersion: String
        public var installHint: String?
        public var provideClusterInfo: Bool

        public init(command: String, args: [String] = [], env: [EnvVar] = [],
                    apiVersion: String = ExecCredentialPlugin.v1, installHint: String? = nil, provideClusterInfo: Bool = false) {
            self.command = command
            self.args = args
            self.env = env
            self.apiVersion = apiVersion
            self.installHint = installHint
            self.provideClusterInfo = provideClusterInfo
        }
    }

    public struct User: Sendable {
        public var clientCertificate: String?
        public var clientCertificateData: Data?
        public var clientKey: String?
        public var clientKeyData: Secret?
        public var token: Secret?
        public var tokenFile: String?
        public var username: String?
        public var password: Secret?
        public var exec: ExecConfig?
        /// The name of an `auth-provider` (gcp, azure, oidc): not supported, named in the error.
        public var authProvider: String?
    }

    public struct Context: Sendable {
        public var cluster: String
        public var user: String
        public var namespace: String?
    }

    public var clusters: [String: Cluster] = [:]
    public var users: [String: User] = [:]
    public var contexts: [String: Context] = [:]
    public var currentContext: String?
    /// The files read, in order, for error messages.
    public var files: [String] = []

    public init() {}

    /// Parses one kubeconfig file's text; `path` names it in errors and anchors relative paths.
    public static func parse(_ text: String, path: String) throws -> KubeConfig {
        let value: JSONValue
        do {
            value = try YAMLDecoder().value(text)
        } catch {
            throw TargetError(.invalid, "kubeconfig \(path) is not valid YAML: \(error)")
        }
        var config = KubeConfig()
        config.files = [path]
        guard case .object(let root) = value else {
            if value.isNull { return config }
            throw TargetError(.invalid, "kubeconfig \(path) is not a mapping")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent()
        let reader = FieldReader(file: path, base: base)
        config.currentContext = root["current-context"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        for entry in try reader.namedList(root, "clusters", inner: "cluster") {
            config.clusters[entry.name] = try reader.cluster(entry.body, name: entry.name)
        }
        for entry in try reader.namedList(root, "users", inner: "user") {
            config.users[entry.name] = try reader.user(entry.body, name: entry.name)
        }
        for entry in try reader.namedList(root, "contexts", inner: "context") {
            config.contexts[entry.name] = Context(
                cluster: entry.body["cluster"]?.stringValue ?? "", user: entry.body["user"]?.stringValue ?? "",
                namespace: entry.body["namespace"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
        }
        return config
    }

    /// Merges files as `KUBECONFIG` does: the first file to define a name (or a current
    /// context) wins.
    public mutating func merge(_ later: KubeConfig) {
        for (name, cluster) in later.clusters where clusters[name] == nil { clusters[name] = cluster }
        for (name, user) in later.users where users[name] == nil { users[name] = user }
        for (name, context) in later.contexts where contexts[name] == nil { contexts[name] = context }
        if currentContext == nil { currentContext = later.currentContext }
        files += later.files
    }
}

/// Reads kubeconfig fields with errors that name the file, the entry and the field.
private struct FieldReader {
    var file: String
    var base: URL

    func namedList(_ root: JSONObject, _ field: String, inner: String) throws -> [(name: String, body: JSONObject)] {
        guard let list = root[field], !list.isNull else { return [] }
        guard let items = list.arrayValue else {
            throw TargetError(.invalid, "kubeconfig \(file): \(field) must be a list")
        }
        return try items.enumerated().map { index, item in
            guard let name = item["name"]?.stringValue, !name.isEmpty else {
                throw TargetError(.invalid, "kubeconfig \(file): \(field)[\(index)] has no name")
            }
            return (name, item[inner]?.objectValue ?? JSONObject())
        }
    }

    func path(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        let expanded = (text as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return base.appendingPathComponent(expanded).standardizedFileURL.path
    }

    func base64(_ value: JSONValue?, field: String, entry: String) throws -> Data? {
        guard let text = value?.stringValue, !text.isEmpty else { return nil }
        guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
            throw TargetError(.invalid, "kubeconfig \(file): \(entry): \(field) is not base64")
        }
        return data
    }

    func cluster(_ body: JSONObject, name: String) throws -> KubeConfig.Cluster {
        let entry = "cluster \"\(name)\""
        return KubeConfig.Cluster(
            server: body["server"]?.stringValue ?? "",
            certificateAuthority: path(body["certificate-authority"]),
            certificateAuthorityData: try base64(body["certificate-authority-data"], field: "certificate-authority-data", entry: entry),
            insecureSkipTLSVerify: body["insecure-skip-tls-verify"]?.boolValue ?? false,
            tlsServerName: body["tls-server-name"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            proxyURL: body["proxy-url"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 })
    }

    func user(_ body: JSONObject, name: String) throws -> KubeConfig.User {
        let entry = "user \"\(name)\""
        var user = KubeConfig.User()
        user.clientCertificate = path(body["client-certificate"])
        user.clientCertificateData = try base64(body["client-certificate-data"], field: "client-certificate-data", entry: entry)
        user.clientKey = path(body["client-key"])
        if let key = try base64(body["client-key-data"], field: "client-key-data", entry: entry) {
            user.clientKeyData = Secret(String(decoding: key, as: UTF8.self))
        }
        user.token = body["token"]?.stringValue.flatMap { $0.isEmpty ? nil : Secret($0) }
        user.tokenFile = path(body["tokenFile"])
        user.username = body["username"]?.stringValue
        user.password = body["password"]?.stringValue.map(Secret.init)
        user.authProvider = body["auth-provider"]?["name"]?.stringValue
        if let exec = body["exec"]?.objectValue {
            guard let command = exec["command"]?.stringValue, !command.isEmpty else {
                throw TargetError(.invalid, "kubeconfig \(file): \(entry): exec.command is missing")
            }
            // A command with a slash but no leading one is relative to the kubeconfig's folder.
            let resolved = command.contains("/") && !command.hasPrefix("/") ? (path(.string(command)) ?? command) : command
            user.exec = KubeConfig.ExecConfig(
                command: resolved,
                args: exec["args"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                env: (exec["env"]?.arrayValue ?? []).compactMap { item in
                    guard let name = item["name"]?.stringValue else { return nil }
                    return KubeConfig.ExecConfig.EnvVar(name: name, value: item["value"]?.stringValue ?? "")
                },
                apiVersion: exec["apiVersion"]?.stringValue ?? "",
                installHint: exec["installHint"]?.stringValue,
                provideClusterInfo: exec["provideClusterInfo"]?.boolValue ?? false)
        }
        return user
    }
}
