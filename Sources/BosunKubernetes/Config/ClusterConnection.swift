import BosunCore
import Foundation

/// Everything needed to reach one API server and prove who we are: the result of reading a
/// kubeconfig context or the in-cluster service account.
public struct ClusterConnection: Sendable {
    /// How requests authenticate.
    public enum Authentication: Sendable {
        case none
        case bearer(Secret)
        /// A token read from a file and re-read as it rotates (projected service-account tokens).
        case tokenFile(String)
        case basic(username: String, password: Secret)
        /// A credential plugin; its answer is cached until it expires.
        case exec(KubeConfig.ExecConfig, userName: String)
    }

    /// TLS material, already read from files or decoded from base64.
    public struct TLS: Sendable {
        /// PEM certificates to trust instead of the system roots.
        public var certificateAuthorityPEM: [UInt8]?
        public var insecureSkipVerify: Bool
        /// The name to verify the server certificate against, when not the server's host.
        public var serverName: String?
        public var clientCertificatePEM: [UInt8]?
        public var clientKeyPEM: Secret?

        public init(certificateAuthorityPEM: [UInt8]? = nil, insecureSkipVerify: Bool = false, serverName: String? = nil,
                    clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: Secret? = nil) {
            self.certificateAuthorityPEM = certificateAuthorityPEM
            self.insecureSkipVerify = insecureSkipVerify
            self.serverName = serverName
            self.clientCertificatePEM = clientCertificatePEM
            self.clientKeyPEM = clientKeyPEM
        }
    }

    /// `https://host:port`, without a trailing slash or path.
    public var server: String
    /// The namespace of the context (or service account); `default` when it names none.
    public var namespace: String
    /// The context it came from (nil for in-cluster).
    public var contextName: String?
    public var tls: TLS
    public var authentication: Authentication
    public var proxyURL: String?

    /// A connection; a trailing slash on `server` is dropped.
    public init(server: String, namespace: String = "default", contextName: String? = nil, tls: TLS = TLS(),
                authentication: Authentication = .none, proxyURL: String? = nil) {
        var trimmed = server
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.server = trimmed
        self.namespace = namespace
        self.contextName = contextName
        self.tls = tls
        self.authentication = authentication
        self.proxyURL = proxyURL
    }

    /// Where this connection came from, for messages: the context name or "in-cluster".
    public var origin: String { contextName.map { "context \"\($0)\"" } ?? "in-cluster config" }
}

extension KubeConfig {
    /// The connection for `context` (or the current context), with files read and checked.
    public func connection(context requested: String? = nil) throws -> ClusterConnection {
        let fileList = files.isEmpty ? "(no kubeconfig file)" : files.joined(separator: ", ")
        guard let contextName = requested ?? currentContext else {
            throw TargetError(.invalid, "no context given and no current-context set in \(fileList); set `context:` on the target or run `kubectl config use-context`")
        }
        guard let context = contexts[contextName] else {
            let known = contexts.keys.sorted().joined(separator: ", ")
            throw TargetError(.invalid, "context \"\(contextName)\" is not in \(fileList) (contexts: \(known.isEmpty ? "none" : known))")
        }
        guard let cluster = clusters[context.cluster] else {
            throw TargetError(.invalid, "context \"\(contextName)\" names cluster \"\(context.cluster)\", which is not in \(fileList)")
        }
        guard !cluster.server.isEmpty, let url = URL(string: cluster.server), let scheme = url.scheme, url.host != nil,
            scheme == "https" || scheme == "http"
        else {
            throw TargetError(.invalid, "cluster \"\(context.cluster)\" has no valid server URL (server: \"\(cluster.server)\"); expected https://host:port")
        }
        // A context may name no user (an open local cluster).
        let user = context.user.isEmpty ? User() : users[context.user]
        guard let user else {
            throw TargetError(.invalid, "context \"\(contextName)\" names user \"\(context.user)\", which is not in \(fileList)")
        }

        var tls = ClusterConnection.TLS(insecureSkipVerify: cluster.insecureSkipTLSVerify, serverName: cluster.tlsServerName)
        let clusterEntry = "cluster \"\(context.cluster)\""
        if let data = cluster.certificateAuthorityData {
            tls.certificateAuthorityPEM = Array(data)
        } else if let file = cluster.certificateAuthority {
            tls.certificateAuthorityPEM = Array(try Self.read(file, field: "certificate-authority", entry: clusterEntry))
        }
        if tls.insecureSkipVerify && tls.certificateAuthorityPEM != nil {
            throw TargetError(.invalid, "\(clusterEntry) sets both insecure-skip-tls-verify and a certificate authority; remove one")
        }

        let userEntry = "user \"\(context.user)\""
        if let data = user.clientCertificateData {
            tls.clientCertificatePEM = Array(data)
        } else if let file = user.clientCertificate {
            tls.clientCertificatePEM = Array(try Self.read(file, field: "client-certificate", entry: userEntry))
        }
        if let key = user.clientKeyData {
            tls.clientKeyPEM = key
        } else if let file = user.clientKey {
            tls.clientKeyPEM = Secret(String(decoding: try Self.read(file, field: "client-key", entry: userEntry), as: UTF8.self))
        }
        if (tls.clientCertificatePEM == nil) != (tls.clientKeyPEM == nil) {
            throw TargetError(.invalid, "\(userEntry) has a client certificate without a key (or a key without a certificate); set both client-certificate(-data) and client-key(-data)")
        }

        let authentication: ClusterConnection.Authentication
        if let provider = user.authProvider {
            throw TargetError(.invalid, "\(userEntry) uses auth-provider \"\(provider)\", which Bosun does not support; use an exec credential plugin instead (e.g. kubelogin or the cloud's get-token command)")
        } else if let token = user.token {
            authentication = .bearer(token)
        } else if let file = user.tokenFile {
            _ = try Self.read(file, field: "tokenFile", entry: userEntry)
            authentication = .tokenFile(file)
        } else if let exec = user.exec {
            guard exec.apiVersion == ExecCredentialPlugin.v1 || exec.apiVersion == ExecCredentialPlugin.v1beta1 else {
                throw TargetError(.invalid, "\(userEntry): exec.apiVersion \"\(exec.apiVersion)\" is not supported; use \(ExecCredentialPlugin.v1)")
            }
            authentication = .exec(exec, userName: context.user)
        } else if let username = user.username, let password = user.password {
            authentication = .basic(username: username, password: password)
        } else {
            authentication = .none
        }
        return ClusterConnection(
            server: cluster.server, namespace: context.namespace ?? "default", contextName: contextName, tls: tls,
            authentication: authentication, proxyURL: cluster.proxyURL)
    }

    static func read(_ path: String, field: String, entry: String) throws -> Data {
        do {
            return try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TargetError(.invalid, "\(entry): cannot read \(field) file \(path): \((error as NSError).localizedDescription)")
        }
    }
}
