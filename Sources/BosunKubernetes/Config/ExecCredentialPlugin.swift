import BosunCore
import Foundation

/// What an exec credential plugin answered: a token or a client certificate, and until when.
public struct ExecCredential: Sendable {
    public var token: Secret?
    public var clientCertificatePEM: [UInt8]?
    public var clientKeyPEM: Secret?
    /// Nil: valid until the server refuses it.
    public var expiration: Date?

    public init(token: Secret? = nil, clientCertificatePEM: [UInt8]? = nil, clientKeyPEM: Secret? = nil, expiration: Date? = nil) {
        self.token = token
        self.clientCertificatePEM = clientCertificatePEM
        self.clientKeyPEM = clientKeyPEM
        self.expiration = expiration
    }
}

/// Runs a kubeconfig `exec` credential plugin (`client.authentication.k8s.io/v1`): the command
/// with its args and env plus `KUBERNETES_EXEC_INFO`, and reads the ExecCredential it prints.
public enum ExecCredentialPlugin {
    public static let v1 = "client.authentication.k8s.io/v1"
    public static let v1beta1 = "client.authentication.k8s.io/v1beta1"

    /// The cluster details a plugin gets when it sets `provideClusterInfo`.
    public struct ClusterInfo: Sendable {
        public var server: String
        public var certificateAuthorityPEM: [UInt8]?
        public var insecureSkipVerify: Bool
        public var serverName: String?
    }

    /// Runs the plugin and parses its answer. Errors name the command and user, never the
    /// credential; standard error is quoted (trimmed) because plugins explain failures there.
    public static func run(
        _ config: KubeConfig.ExecConfig, userName: String, cluster: ClusterInfo?,
        environment: [String: String] = ProcessInfo.processInfo.environment, timeout: Duration = .seconds(60)
    ) async throws -> ExecCredential {
        let who = "exec plugin \"\(config.command)\" of user \"\(userName)\""
        guard let executable = resolve(config.command, path: environment["PATH"]) else {
            var message = "\(who): command not found"
            if let hint = config.installHint, !hint.isEmpty { message += ". \(hint.trimmingCharacters(in: .whitespacesAndNewlines))" }
            throw TargetError(.invalid, message)
        }
        var env = environment
        for variable in config.env { env[variable.name] = variable.value }
        env["KUBERNETES_EXEC_INFO"] = execInfo(config, cluster: cluster)

        let result: ProcessOutput
        do {
            result = try await ProcessOutput.run(executable: executable, arguments: config.args, environment: env, timeout: timeout)
        } catch let error as TargetError {
            throw TargetError(error.code, "\(who): \(error.message)")
        } catch {
            throw TargetError(.transient, "\(who) could not be started: \(error)")
        }
        guard result.status == 0 else {
            let stderr = String(decoding: result.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let quoted = stderr.isEmpty ? "" : ": \(String(stderr.suffix(600)))"
            throw TargetError(.forbidden, "\(who) failed with exit status \(result.status)\(quoted)")
        }
        return try parse(result.stdout, config: config, who: who)
    }

    /// Parses the ExecCredential a plugin printed.
    public static func parse(_ output: Data, config: KubeConfig.ExecConfig, who: String) throws -> ExecCredential {
        let value: JSONValue
        do {
            value = try JSONParser.parse(output)
        } catch {
            throw TargetError(.invalid, "\(who) printed something that is not an ExecCredential (\(error))")
        }
        guard value["kind"]?.stringValue == "ExecCredential" else {
            throw TargetError(.invalid, "\(who) printed an object of kind \"\(value["kind"]?.stringValue ?? "")\"; expected ExecCredential")
        }
        let apiVersion = value["apiVersion"]?.stringValue ?? ""
        guard apiVersion == config.apiVersion else {
            throw TargetError(.invalid, "\(who) answered in apiVersion \"\(apiVersion)\" but the kubeconfig asks for \"\(config.apiVersion)\"")
        }
        guard let status = value["status"]?.objectValue else {
            throw TargetError(.invalid, "\(who) printed an ExecCredential without status")
        }
        var credential = ExecCredential()
        if let token = status["token"]?.stringValue, !token.isEmpty { credential.token = Secret(token) }
        let cert = status["clientCertificateData"]?.stringValue ?? ""
        let key = status["clientKeyData"]?.stringValue ?? ""
        if !cert.isEmpty || !key.isEmpty {
            guard !cert.isEmpty, !key.isEmpty else {
                throw TargetError(.invalid, "\(who) returned only one of clientCertificateData and clientKeyData; both are needed")
            }
            credential.clientCertificatePEM = Array(cert.utf8)
            credential.clientKeyPEM = Secret(key)
        }
        guard credential.token != nil || credential.clientCertificatePEM != nil else {
            throw TargetError(.invalid, "\(who) returned neither a token nor a client certificate")
        }
        if let text = status["expirationTimestamp"]?.stringValue, !text.isEmpty {
            guard let date = Timestamps.parse(text) else {
                throw TargetError(.invalid, "\(who) returned expirationTimestamp \"\(text)\", which is not an RFC 3339 time")
            }
            credential.expiration = date
        }
        return credential
    }

    static func execInfo(_ config: KubeConfig.ExecConfig, cluster: ClusterInfo?) -> String {
        var spec: JSONObject = ["interactive": false]
        if config.provideClusterInfo, let cluster {
            var info: JSONObject = ["server": .string(cluster.server)]
            if let ca = cluster.certificateAuthorityPEM { info["certificate-authority-data"] = .string(Data(ca).base64EncodedString()) }
            if cluster.insecureSkipVerify { info["insecure-skip-tls-verify"] = true }
            if let name = cluster.serverName { info["tls-server-name"] = .string(name) }
            spec["cluster"] = .object(info)
        }
        let info: JSONValue = ["apiVersion": .string(config.apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
        return info.jsonString()
    }

    /// The executable for `command`: itself when it has a slash, else the first match on PATH.
    static func resolve(_ command: String, path: String?) -> String? {
        if command.contains("/") { return FileManager.default.isExecutableFile(atPath: command) ? command : nil }
        for folder in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(command)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// RFC 3339 timestamps as Kubernetes writes them (with or without fractional seconds).
enum Timestamps {
    static func parse(_ text: String) -> Date? {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }
}
