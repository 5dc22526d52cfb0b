import BosunCore
import BosunKubernetes
import BosunTesting
import Foundation
import HummingbirdTLS
import Testing

/// TLS with a CA made in the test: the client trusts the server only through the
/// kubeconfig's certificate authority, and proves itself with client certificates.
@Suite struct TLSTests {
    static func serverTLS(_ pki: TestPKI, requireClientCertificate: Bool = false) throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(pki.serverCertificate)
        let key = try NIOSSLPrivateKey(file: pki.serverKey, format: .pem)
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        if requireClientCertificate {
            tls.certificateVerification = .noHostnameVerification
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(pki.caCertificate))
        }
        return tls
    }

    /// A kubeconfig for `server` with the given cluster and user fields.
    static func kubeconfig(_ pki: TestPKI, server: String, cluster: String, user: String = "{}") throws -> ClusterConnection {
        let file = try pki.folder.write("config-\(UUID().uuidString.prefix(6))", """
            current-context: test
            clusters: [{name: k, cluster: {server: "\(server)", \(cluster)}}]
            contexts: [{name: test, context: {cluster: k, user: u}}]
            users: [{name: u, user: \(user)}]
            """)
        return try KubeConfigLoader.connection(explicitPath: file.path, environment: [:])
    }

    /// Asks the server something (discovery of Namespace); returns the error, if any.
    static func probe(_ connection: ClusterConnection) async -> TargetError? {
        var options = KubernetesClientOptions()
        options.maxRetries = 0
        // An untrusted certificate fails only when connecting times out: keep that short.
        options.connectTimeout = .seconds(2)
        do {
            let client = try KubernetesClient(connection: connection, options: options)
            do {
                let found = try await client.discovery.resource(group: "", kind: "Namespace")
                await client.shutdown()
                return found == nil ? TargetError(.notFound, "Namespace not served") : nil
            } catch {
                await client.shutdown()
                return error as? TargetError ?? TargetError(.transient, "\(error)")
            }
        } catch {
            return error as? TargetError ?? TargetError(.invalid, "\(error)")
        }
    }

    @Test func trustsTheServerThroughTheKubeconfigCAFileAndSendsTheToken() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let server = try await FakeCluster().serve(tls: try Self.serverTLS(pki))
        let connection = try Self.kubeconfig(pki, server: server.url, cluster: "certificate-authority: \(pki.caCertificate)", user: "{token: tls-token}")
        let failure = await Self.probe(connection)
        await server.stop()
        #expect(failure == nil, "\(failure?.message ?? "")")
        #expect(server.requests.first?.headers["authorization"] == "Bearer tls-token")
    }

    @Test func trustsTheServerThroughCAData() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let server = try await FakeCluster().serve(tls: try Self.serverTLS(pki))
        let connection = try Self.kubeconfig(pki, server: server.url, cluster: "certificate-authority-data: \(try pki.base64(pki.caCertificate))")
        let failure = await Self.probe(connection)
        await server.stop()
        #expect(failure == nil, "\(failure?.message ?? "")")
    }

    @Test func refusesTheServerWithoutTheCA() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let server = try await FakeCluster().serve(tls: try Self.serverTLS(pki))
        let connection = try Self.kubeconfig(pki, server: server.url, cluster: "insecure-skip-tls-verify: false")
        let failure = await Self.probe(connection)
        await server.stop()
        #expect(failure?.code == .invalid)
        #expect(failure?.message.contains("TLS with the API server") == true, "\(failure?.message ?? "")")
        #expect(server.requests.isEmpty)
    }

    @Test func insecureSkipTLSVerifyAcceptsAnyCertificate() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let server = try await FakeCluster().serve(tls: try Self.serverTLS(pki))
        let connection = try Self.kubeconfig(pki, server: server.url, cluster: "insecure-skip-tls-verify: true")
        let failure = await Self.probe(connection)
        await server.stop()
        #expect(failure == nil, "\(failure?.message ?? "")")
    }

    @Test func tlsServerNameIsVerifiedInsteadOfTheAddress() async throws {
        // The server certificate names only api.bosun.test, not 127.0.0.1.
        let pki = try await TestPKI(serverNames: "DNS:api.bosun.test")
        defer { pki.remove() }
        let server = try await FakeCluster().serve(tls: try Self.serverTLS(pki))
        let plain = try Self.kubeconfig(pki, server: server.url, cluster: "certificate-authority: \(pki.caCertificate)")
        let named = try Self.kubeconfig(pki, server: server.url, cluster: "certificate-authority: \(pki.caCertificate), tls-server-name: api.bosun.test")
        let wrong = try Self.kubeconfig(pki, server: server.url, cluster: "certificate-authority: \(pki.caCertificate), tls-server-name: other.bosun.test")
        let plainFailure = await Self.probe(plain)
        let namedFailure = await Self.probe(named)
        let wrongFailure = await Self.probe(wrong)
        await server.stop()
        #expect(plainFailure != nil)
        #expect(namedFailure == nil, "\(namedFailure?.message ?? "")")
        #expect(wrongFailure != nil)
    }

    @Test func clientCertificateFilesAreShownToTheServer() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let server = try await FakeCluster().serve(tls: try Self.serverTLS(pki, requireClientCertificate: true))
        let ca = "certificate-authority: \(pki.caCertificate)"
        let withCertificate = try Self.kubeconfig(pki, server: server.url, cluster: ca, user: "{client-certificate: \(pki.clientCertificate), client-key: \(pki.clientKey)}")
        let withData = try Self.kubeconfig(pki, server: server.url, cluster: ca, user: "{client-certificate-data: \(try pki.base64(pki.clientCertificate)), client-key-data: \(try pki.base64(pki.clientKey))}")
        let without = try Self.kubeconfig(pki, server: server.url, cluster: ca)
        let certificateFailure = await Self.probe(withCertificate)
        let dataFailure = await Self.probe(withData)
        let anonymousFailure = await Self.probe(without)
        await server.stop()
        #expect(certificateFailure == nil, "\(certificateFailure?.message ?? "")")
        #expect(dataFailure == nil, "\(dataFailure?.message ?? "")")
        #expect(anonymousFailure != nil)
    }

    @Test func execPluginClientCertificateIsShownToTheServer() async throws {
        let pki = try await TestPKI()
        defer { pki.remove() }
        let credential: JSONValue = [
            "apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
            "status": ["clientCertificateData": .string(try pki.contents(pki.clientCertificate)), "clientKeyData": .string(try pki.contents(pki.clientKey))],
        ]
        try pki.folder.write("credential.json", credential.jsonString())
        let script = try pki.folder.write("cert-plugin", "#!/bin/sh\ncat \"$(dirname \"$0\")/credential.json\"\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let server = try await FakeCluster().serve(tls: try Self.serverTLS(pki, requireClientCertificate: true))
        let connection = try Self.kubeconfig(
            pki, server: server.url, cluster: "certificate-authority: \(pki.caCertificate)",
            user: "{exec: {apiVersion: client.authentication.k8s.io/v1, command: \(script.path)}}")
        let failure = await Self.probe(connection)
        await server.stop()
        #expect(failure == nil, "\(failure?.message ?? "")")
        #expect(server.requests.first?.headers["authorization"] == nil)
    }
}
