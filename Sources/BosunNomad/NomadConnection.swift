import BosunCore
import Foundation

/// Where a Nomad cluster is and how to talk to it, from a `type: nomad` target entry:
///
/// ```yaml
/// targets:
///   - name: nomad
///     type: nomad
///     address: https://nomad.example.com:4646   # default $NOMAD_ADDR, else http://127.0.0.1:4646
///     namespace: apps                            # jobs that name no namespace go here (default "default")
///     region: eu                                 # default: the agent's region
///     tokenEnv: NOMAD_TOKEN                      # the ACL token is read from this variable
///     caCert: /etc/nomad/ca.pem
///     clientCert: /etc/nomad/cli.pem
///     clientKey: /etc/nomad/cli-key.pem
///     tlsServerName: server.global.nomad
///     tlsSkipVerify: false
///     purge: true                                # prune removes jobs for good (default: stop them)
/// ```
public struct NomadConnection: Sendable {
    /// The agent's HTTP address, without a trailing slash.
    public var address: String
    /// The namespace for jobs that name none and whose application names none.
    public var namespace: String
    public var region: String?
    /// The ACL token (never logged); nil sends none.
    var token: String?
    /// The variable the token came from, named in "permission denied" messages.
    public var tokenEnv: String?
    public var caCertPath: String?
    public var clientCertPath: String?
    public var clientKeyPath: String?
    public var tlsServerName: String?
    public var tlsSkipVerify: Bool
    /// Prune purges jobs (`DELETE ?purge=true`) instead of stopping them.
    public var purge: Bool

    public init(
        address: String, namespace: String = "default", region: String? = nil, token: String? = nil, tokenEnv: String? = nil,
        caCertPath: String? = nil, clientCertPath: String? = nil, clientKeyPath: String? = nil, tlsServerName: String? = nil,
        tlsSkipVerify: Bool = false, purge: Bool = false
    ) {
        var trimmed = address
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.address = trimmed
        self.namespace = namespace
        self.region = region
        self.token = token
        self.tokenEnv = tokenEnv
        self.caCertPath = caCertPath
        self.clientCertPath = clientCertPath
        self.clientKeyPath = clientKeyPath
        self.tlsServerName = tlsServerName
        self.tlsSkipVerify = tlsSkipVerify
        self.purge = purge
    }

    /// The connection a target entry describes; names the field that is wrong.
    public static func from(_ spec: TargetSpec, _ env: TargetEnvironment) throws -> NomadConnection {
        let address = spec.string("address") ?? env.environment["NOMAD_ADDR"] ?? "http://127.0.0.1:4646"
        guard let url = URLComponents(string: address), url.host != nil, url.scheme == "http" || url.scheme == "https" else {
            throw TargetError(.invalid, "target \"\(spec.name)\": address \"\(address)\" is not an http:// or https:// URL such as http://127.0.0.1:4646")
        }
        var token: String?
        let tokenEnv = spec.string("tokenEnv")
        if let tokenEnv {
            guard let value = env.environment[tokenEnv], !value.isEmpty else {
                throw TargetError(.invalid, "target \"\(spec.name)\": tokenEnv names $\(tokenEnv), which is not set; export the Nomad ACL token in it")
            }
            token = value
        }
        for field in ["namespace", "region", "caCert", "clientCert", "clientKey", "tlsServerName"] {
            if let value = spec.options[field], value.stringValue == nil {
                throw TargetError(.invalid, "target \"\(spec.name)\": \(field) must be a string")
            }
        }
        if (spec.string("clientCert") == nil) != (spec.string("clientKey") == nil) {
            throw TargetError(.invalid, "target \"\(spec.name)\": clientCert and clientKey go together; set both or neither")
        }
        return NomadConnection(
            address: address, namespace: spec.string("namespace") ?? "default", region: spec.string("region"), token: token,
            tokenEnv: tokenEnv, caCertPath: spec.string("caCert").map(env.resolvePath),
            clientCertPath: spec.string("clientCert").map(env.resolvePath), clientKeyPath: spec.string("clientKey").map(env.resolvePath),
            tlsServerName: spec.string("tlsServerName"), tlsSkipVerify: spec.bool("tlsSkipVerify") ?? false,
            purge: spec.bool("purge") ?? false)
    }
}
