import BosunCore
import BosunKubernetes
import BosunTesting
import Foundation
import Testing

@Suite struct KubeConfigTests {
    static let twoContexts = """
        apiVersion: v1
        kind: Config
        current-context: dev
        clusters:
          - name: dev-cluster
            cluster: {server: "https://dev.example.com:6443", insecure-skip-tls-verify: true}
          - name: prod-cluster
            cluster: {server: "https://prod.example.com", certificate-authority-data: "\(Data("-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n".utf8).base64EncodedString())"}
        contexts:
          - name: dev
            context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
          - name: prod
            context: {cluster: prod-cluster, user: prod-user}
        users:
          - name: dev-user
            user: {token: dev-secret-token}
          - name: prod-user
            user: {username: admin, password: hunter2}
        """

    @Test func currentContextGivesServerNamespaceAndToken() throws {
        let config = try KubeConfig.parse(Self.twoContexts, path: "/tmp/kubeconfig")
        let connection = try config.connection()
        #expect(connection.server == "https://dev.example.com:6443")
        #expect(connection.namespace == "team-a")
        #expect(connection.contextName == "dev")
        #expect(connection.tls.insecureSkipVerify)
        guard case .bearer(let token) = connection.authentication else {
            Issue.record("expected a bearer token, got \(connection.authentication)")
            return
        }
        #expect(token.reveal == "dev-secret-token")
    }

    @Test func namedContextWinsAndNamespaceDefaults() throws {
        let connection = try KubeConfig.parse(Self.twoContexts, path: "/tmp/kubeconfig").connection(context: "prod")
        #expect(connection.server == "https://prod.example.com")
        #expect(connection.namespace == "default")
        #expect(connection.tls.certificateAuthorityPEM.map { String(decoding: $0, as: UTF8.self) }?.hasPrefix("-----BEGIN CERTIFICATE-----") == true)
        guard case .basic(let user, let password) = connection.authentication else {
            Issue.record("expected basic auth")
            return
        }
        #expect(user == "admin")
        #expect(password.reveal == "hunter2")
    }

    @Test func credentialsNeverShowInDescriptions() throws {
        let config = try KubeConfig.parse(Self.twoContexts, path: "/tmp/kubeconfig")
        for context in ["dev", "prod"] {
            let connection = try config.connection(context: context)
            for text in [String(describing: connection), String(reflecting: connection), "\(connection.authentication)"] {
                #expect(!text.contains("dev-secret-token"))
                #expect(!text.contains("hunter2"))
            }
        }
    }

    @Test func unknownContextListsTheKnownOnes() throws {
        let config = try KubeConfig.parse(Self.twoContexts, path: "/tmp/kubeconfig")
        do {
            _ = try config.connection(context: "staging")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .invalid)
            #expect(error.message.contains("context \"staging\" is not in /tmp/kubeconfig"))
            #expect(error.message.contains("dev, prod"))
            #expect(!error.message.contains("dev-secret-token"))
        }
    }

    @Test func kubeconfigListMergesWithFirstDefinitionWinning() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("a.yaml", """
            current-context: one
            clusters: [{name: shared, cluster: {server: "https://first.example.com"}}]
            contexts: [{name: one, context: {cluster: shared, user: u}}]
            users: [{name: u, user: {token: from-a}}]
            """)
        try folder.write("b.yaml", """
            current-context: two
            clusters:
              - {name: shared, cluster: {server: "https://second.example.com"}}
              - {name: other, cluster: {server: "https://other.example.com"}}
            contexts: [{name: two, context: {cluster: other, user: u, namespace: ops}}]
            users: [{name: u, user: {token: from-b}}]
            """)
        let environment = ["KUBECONFIG": "\(folder.path)/a.yaml:\(folder.path)/missing.yaml:\(folder.path)/b.yaml", "HOME": folder.path]
        let config = try KubeConfigLoader.load(environment: environment)
        #expect(config.files == ["\(folder.path)/a.yaml", "\(folder.path)/b.yaml"])
        let first = try config.connection()
        #expect(first.server == "https://first.example.com")
        let second = try config.connection(context: "two")
        #expect(second.server == "https://other.example.com")
        #expect(second.namespace == "ops")
        guard case .bearer(let token) = second.authentication else {
            Issue.record("expected a token")
            return
        }
        #expect(token.reveal == "from-a")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/kubectl")))
    func mergingAgreesWithKubectl() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("a.yaml", """
            apiVersion: v1
            kind: Config
            current-context: one
            clusters: [{name: shared, cluster: {server: "https://first.example.com"}}]
            contexts: [{name: one, context: {cluster: shared, user: u, namespace: first-ns}}]
            users: [{name: u, user: {token: a}}]
            """)
        try folder.write("b.yaml", """
            apiVersion: v1
            kind: Config
            current-context: two
            clusters:
              - {name: shared, cluster: {server: "https://second.example.com"}}
              - {name: other, cluster: {server: "https://other.example.com"}}
            contexts:
              - {name: one, context: {cluster: other, user: u, namespace: shadowed}}
              - {name: two, context: {cluster: shared, user: u}}
            users: [{name: u, user: {token: b}}]
            """)
        let environment = ["KUBECONFIG": "\(folder.path)/a.yaml:\(folder.path)/b.yaml", "HOME": folder.path]
        let ours = try KubeConfigLoader.load(environment: environment)
        for context in [nil, "one", "two"] as [String?] {
            let arguments = ["kubectl", "config", "view", "--minify", "-o", "json"] + (context.map { ["--context", $0] } ?? [])
            let view = try await JSONParser.parse(try Shell.run(arguments, environment: environment))
            let kubectlServer = view["clusters"]?.arrayValue?.first?["cluster"]?["server"]?.stringValue
            let kubectlNamespace = view["contexts"]?.arrayValue?.first?["context"]?["namespace"]?.stringValue ?? "default"
            let connection = try ours.connection(context: context)
            #expect(connection.server == kubectlServer, "context \(context ?? "(current)")")
            #expect(connection.namespace == kubectlNamespace, "context \(context ?? "(current)")")
        }
    }

    @Test func explicitPathMustExistAndHomeConfigIsTheFallback() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        #expect(throws: TargetError.self) { try KubeConfigLoader.load(explicitPath: "\(folder.path)/nope", environment: [:]) }
        do {
            _ = try KubeConfigLoader.load(environment: ["HOME": folder.path])
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.contains("\(folder.path)/.kube/config"))
        }
        try folder.write(".kube/config", Self.twoContexts)
        #expect(try KubeConfigLoader.connection(environment: ["HOME": folder.path]).contextName == "dev")
        #expect(try KubeConfigLoader.connection(explicitPath: "~/.kube/config", context: "prod", environment: ["HOME": folder.path]).contextName == "prod")
    }

    @Test func filesAreReadRelativeToTheKubeconfig() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        try pki.folder.write("token.txt", "file-token\n")
        try pki.folder.write("config", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt, tls-server-name: localhost}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users: [{name: u, user: {client-certificate: client.crt, client-key: client.key, tokenFile: token.txt}}]
            """)
        let connection = try KubeConfigLoader.connection(explicitPath: pki.folder.appending("config").path, environment: [:])
        #expect(connection.tls.certificateAuthorityPEM == Array(try Data(contentsOf: URL(fileURLWithPath: pki.caCertificate))))
        #expect(connection.tls.clientCertificatePEM == Array(try Data(contentsOf: URL(fileURLWithPath: pki.clientCertificate))))
        #expect(connection.tls.clientKeyPEM?.reveal == (try pki.contents(pki.clientKey)))
        #expect(connection.tls.serverName == "localhost")
        guard case .tokenFile(let path) = connection.authentication else {
            Issue.record("expected a token file")
            return
        }
        #expect(path == pki.folder.appending("token.txt").path)
    }

    @Test func clientCertificateAndCAAsData() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let config = try KubeConfig.parse("""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://127.0.0.1:6443", certificate-authority-data: \(try pki.base64(pki.caCertificate))}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users: [{name: u, user: {client-certificate-data: \(try pki.base64(pki.clientCertificate)), client-key-data: \(try pki.base64(pki.clientKey))}}]
            """, path: "/elsewhere/config")
        let connection = try config.connection()
        #expect(connection.tls.certificateAuthorityPEM == Array(try Data(contentsOf: URL(fileURLWithPath: pki.caCertificate))))
        #expect(connection.tls.clientKeyPEM?.reveal == (try pki.contents(pki.clientKey)))
        guard case .none = connection.authentication else {
            Issue.record("a client certificate needs no other authentication")
            return
        }
    }

    @Test func execPluginSettingsAreRead() throws {
        let config = try KubeConfig.parse("""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k.example.com"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            users:
              - name: u
                user:
                  exec:
                    apiVersion: client.authentication.k8s.io/v1
                    command: ./bin/get-token
                    args: [--cluster, k]
                    env: [{name: REGION, value: eu-west-1}]
                    provideClusterInfo: true
                    installHint: install get-token from the platform team
                    interactiveMode: Never
            """, path: "/home/ops/.kube/config")
        guard case .exec(let exec, let user) = try config.connection().authentication else {
            Issue.record("expected an exec plugin")
            return
        }
        #expect(user == "u")
        #expect(exec.command == "/home/ops/.kube/bin/get-token")
        #expect(exec.args == ["--cluster", "k"])
        #expect(exec.env == [.init(name: "REGION", value: "eu-west-1")])
        #expect(exec.provideClusterInfo)
        #expect(exec.installHint == "install get-token from the platform team")
    }

    @Test(arguments: [
        ("users: [{name: u, user: {auth-provider: {name: oidc}}}]", "auth-provider \"oidc\""),
        ("users: [{name: u, user: {client-certificate-data: \(Data("x".utf8).base64EncodedString())}}]", "without a key"),
        ("users: [{name: u, user: {exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}}]", "v1alpha1"),
        ("users: [{name: other, user: {token: t}}]", "user \"u\", which is not in"),
    ])
    func unusableUsersAreExplained(users: String, expected: String) throws {
        let config = try KubeConfig.parse("""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k.example.com"}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            \(users)
            """, path: "/tmp/config")
        do {
            _ = try config.connection()
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .invalid)
            #expect(error.message.contains(expected), "\(error.message)")
        }
    }

    @Test func insecureAndACertificateAuthorityTogetherAreRefused() throws {
        let config = try KubeConfig.parse("""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k.example.com", insecure-skip-tls-verify: true, certificate-authority-data: \(Data("x".utf8).base64EncodedString())}}]
            contexts: [{name: c, context: {cluster: k}}]
            """, path: "/tmp/config")
        #expect(throws: TargetError.self) { try config.connection() }
    }

    @Test func missingCertificateFileIsNamed() throws {
        let config = try KubeConfig.parse("""
            current-context: c
            clusters: [{name: k, cluster: {server: "https://k.example.com", certificate-authority: /nonexistent/ca.crt}}]
            contexts: [{name: c, context: {cluster: k}}]
            """, path: "/tmp/config")
        do {
            _ = try config.connection()
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.contains("certificate-authority file /nonexistent/ca.crt"))
        }
    }
}

@Suite struct InClusterConfigTests {
    func serviceAccount(namespace: String? = "payments") throws -> TemporaryDirectory {
        let folder = try TemporaryDirectory(prefix: "serviceaccount")
        try folder.write("token", "sa-token\n")
        try folder.write("ca.crt", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
        if let namespace { try folder.write("namespace", namespace) }
        return folder
    }

    @Test func readsTheServiceAccountFolderAndServiceEnvironment() throws {
        let folder = try serviceAccount()
        defer { folder.remove() }
        let connection = try InClusterConfig.connection(
            environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: folder.path)
        #expect(connection.server == "https://10.96.0.1:443")
        #expect(connection.namespace == "payments")
        #expect(connection.origin == "in-cluster config")
        #expect(connection.tls.certificateAuthorityPEM != nil)
        guard case .tokenFile(let path) = connection.authentication else {
            Issue.record("expected the token file, re-read as it rotates")
            return
        }
        #expect(path == "\(folder.path)/token")
    }

    @Test func ipv6HostIsBracketedAndNamespaceDefaults() throws {
        let folder = try serviceAccount(namespace: nil)
        defer { folder.remove() }
        let connection = try InClusterConfig.connection(
            environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"], directory: folder.path)
        #expect(connection.server == "https://[fd00::1]:6443")
        #expect(connection.namespace == "default")
    }

    @Test func outsideAPodTheErrorSaysSo() throws {
        let folder = try serviceAccount()
        defer { folder.remove() }
        do {
            _ = try InClusterConfig.connection(environment: [:], directory: folder.path)
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.contains("KUBERNETES_SERVICE_HOST"))
        }
        do {
            _ = try InClusterConfig.connection(
                environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"], directory: "\(folder.path)/missing")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.contains("token"))
        }
    }
}
