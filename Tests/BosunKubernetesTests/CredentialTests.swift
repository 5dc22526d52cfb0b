import BosunCore
import BosunKubernetes
import BosunTesting
import Foundation
import Testing

/// Authentication as the API server sees it: the `Authorization` header of real requests.
@Suite struct CredentialTests {
    static let namespaces = APIResource(group: "", version: "v1", kind: "Namespace", name: "namespaces", namespaced: false)

    /// A server that answers every GET with a namespace, except 401 for the tokens in `refused`.
    static func server(refusing refused: LockedBox<Set<String>> = LockedBox([])) async throws -> ScriptedServer {
        try await ScriptedServer.start { request in
            if let auth = request.headers["authorization"], refused.get().contains(auth) {
                return .failure(401, reason: "Unauthorized", message: "Unauthorized")
            }
            return .json(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "default"]])
        }
    }

    static func authorizations(_ server: ScriptedServer) -> [String] {
        server.requests.map { $0.headers["authorization"] ?? "(none)" }
    }

    @Test func bearerTokenIsSent() async throws {
        let server = try await Self.server()
        let client = try KubernetesClient(connection: ClusterConnection(server: server.url, authentication: .bearer(Secret("abc"))))
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        await client.shutdown()
        await server.stop()
        #expect(Self.authorizations(server) == ["Bearer abc"])
    }

    @Test func basicAuthIsSent() async throws {
        let server = try await Self.server()
        let client = try KubernetesClient(connection: ClusterConnection(server: server.url, authentication: .basic(username: "admin", password: Secret("pw"))))
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        await client.shutdown()
        await server.stop()
        #expect(Self.authorizations(server) == ["Basic \(Data("admin:pw".utf8).base64EncodedString())"])
    }

    @Test func tokenFileIsReadAgainAfterAMinute() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let tokenFile = try folder.write("token", "first\n")
        let server = try await Self.server()
        let clock = ManualClock()
        let client = try KubernetesClient(connection: ClusterConnection(server: server.url, authentication: .tokenFile(tokenFile.path)), clock: clock)
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        try folder.write("token", "second\n")
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        clock.advance(by: .seconds(61))
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        await client.shutdown()
        await server.stop()
        #expect(Self.authorizations(server) == ["Bearer first", "Bearer first", "Bearer second"])
    }

    /// A plugin that counts its runs and answers token `<arg>-<run>` expiring at `$EXPIRY`,
    /// saving `KUBERNETES_EXEC_INFO` beside itself.
    static func plugin(in folder: TemporaryDirectory) throws -> String {
        let script = try folder.write("get-token", """
            #!/bin/sh
            dir="$(dirname "$0")"
            n=$(cat "$dir/count" 2>/dev/null || echo 0)
            n=$((n + 1))
            echo "$n" > "$dir/count"
            printf '%s' "$KUBERNETES_EXEC_INFO" > "$dir/exec-info.json"
            printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s-%s","expirationTimestamp":"%s"}}' "$1" "$n" "$EXPIRY"
            """)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        return script.path
    }

    static func iso8601(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }

    @Test func execCredentialIsCachedUntilItExpires() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clock = ManualClock()
        let exec = KubeConfig.ExecConfig(
            command: try Self.plugin(in: folder), args: ["tok"],
            env: [.init(name: "EXPIRY", value: Self.iso8601(clock.now.addingTimeInterval(300)))], provideClusterInfo: true)
        let server = try await Self.server()
        let client = try KubernetesClient(
            connection: ClusterConnection(server: server.url, authentication: .exec(exec, userName: "ops")), clock: clock)
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        #expect(await client.credentialPluginRuns == 1)
        // Shortly before it expires, the plugin runs again.
        clock.advance(by: .seconds(295))
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        #expect(await client.credentialPluginRuns == 2)
        await client.shutdown()
        await server.stop()
        #expect(Self.authorizations(server) == ["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"])

        let info = try JSONParser.parse(try Data(contentsOf: folder.appending("exec-info.json")))
        #expect(info["apiVersion"]?.stringValue == "client.authentication.k8s.io/v1")
        #expect(info["kind"]?.stringValue == "ExecCredential")
        #expect(info["spec"]?["interactive"]?.boolValue == false)
        #expect(info["spec"]?["cluster"]?["server"]?.stringValue == server.url)
    }

    @Test func refusedExecCredentialIsFetchedAgainOnce() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let clock = ManualClock()
        let exec = KubeConfig.ExecConfig(
            command: try Self.plugin(in: folder), args: ["tok"],
            env: [.init(name: "EXPIRY", value: Self.iso8601(clock.now.addingTimeInterval(3600)))])
        let refused = LockedBox<Set<String>>(["Bearer tok-1"])
        let server = try await Self.server(refusing: refused)
        let client = try KubernetesClient(
            connection: ClusterConnection(server: server.url, authentication: .exec(exec, userName: "ops")), clock: clock)
        _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
        #expect(Self.authorizations(server) == ["Bearer tok-1", "Bearer tok-2"])
        // A credential refused even when fresh is an error naming the context, not the token.
        refused.set(["Bearer tok-2", "Bearer tok-3"])
        do {
            _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
            Issue.record("expected a 401 error")
        } catch let error as TargetError {
            #expect(error.code == .forbidden)
            #expect(error.message.contains("401"))
            #expect(!error.message.contains("tok-"))
        }
        await client.shutdown()
        await server.stop()
    }

    @Test func failingPluginIsExplainedWithoutTheCredential() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let script = try folder.write("login", "#!/bin/sh\necho 'error: not logged in; run sso login' >&2\nexit 3\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script.path)
        let client = try KubernetesClient(connection: ClusterConnection(
            server: "http://127.0.0.1:9", authentication: .exec(.init(command: script.path), userName: "ops")))
        do {
            _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.contains("exec plugin \"\(script.path)\" of user \"ops\" failed with exit status 3"))
            #expect(error.message.contains("not logged in; run sso login"))
        }
        await client.shutdown()
    }

    @Test func missingPluginShowsTheInstallHint() async throws {
        let exec = KubeConfig.ExecConfig(command: "bosun-no-such-plugin", installHint: "Install it with: brew install bosun-login")
        let client = try KubernetesClient(
            connection: ClusterConnection(server: "http://127.0.0.1:9", authentication: .exec(exec, userName: "ops")),
            environment: ["PATH": "/usr/bin:/bin"])
        do {
            _ = try await client.get(Self.namespaces, namespace: nil, name: "default")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .invalid)
            #expect(error.message.contains("command not found. Install it with: brew install bosun-login"))
        }
        await client.shutdown()
    }

    @Test func pluginAnsweringInAnotherVersionIsRefused() throws {
        let output = Data(#"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","status":{"token":"t"}}"#.utf8)
        #expect(throws: TargetError.self) {
            try ExecCredentialPlugin.parse(output, config: .init(command: "x"), who: "plugin")
        }
        let certificate = Data(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"clientCertificateData":"C","clientKeyData":"K","expirationTimestamp":"2030-01-01T00:00:00.5Z"}}"#.utf8)
        let parsed = try ExecCredentialPlugin.parse(certificate, config: .init(command: "x"), who: "plugin")
        #expect(parsed.clientCertificatePEM == Array("C".utf8))
        #expect(parsed.token == nil)
        #expect(parsed.expiration != nil)
    }
}
