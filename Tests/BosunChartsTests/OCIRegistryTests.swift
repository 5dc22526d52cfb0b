import BosunCharts
import BosunCore
import BosunTesting
import Foundation
import Testing

/// Charts in a real OCI registry (Debian's docker-registry on loopback), pushed through the
/// registry HTTP API with Helm's media types.
@Suite(.enabled(if: RegistryServer.isAvailable, "needs Debian's docker-registry"))
struct OCIRegistryTests {
    static func access(_ url: String, env: [String: String] = [:], credentials: Bool = false) -> ChartRepositoryAccess {
        var spec = RepositorySpec(name: "ghcr-charts", url: url, type: .oci, plainHTTP: true)
        if credentials { spec.credentials = GitCredentials(usernameEnv: "OCI_USER", passwordEnv: "OCI_PASSWORD") }
        return ChartRepositoryAccess(spec, environment: env)
    }

    @Test func anonymousPullResolvesTagsBySemverAndVerifiesTheLayer() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-oci")
        let registry = try await RegistryServer(directory: dir.appending("registry"))
        defer { registry.stop(); dir.remove() }
        for version in ["6.0.0", "6.1.0", "7.0.0-rc.1"] {
            try await registry.push(ChartRepositoryTests.chart(version), path: "charts", work: dir.url)
        }
        let sources = ChartSources(cacheDirectory: dir.appending("cache"))
        let access = Self.access("oci://\(registry.host)/charts")
        let resolved = try await sources.resolve(access, chart: "podinfo", revision: .ref("^6.0"))
        #expect(resolved.revision == "podinfo@6.1.0" && resolved.digest.hasPrefix("sha256:"))
        let folder = try await sources.chartDirectory(resolved, access: access)
        #expect(try String(contentsOf: folder.appendingPathComponent("templates/cm.yaml"), encoding: .utf8).contains("6.1.0"))
        await #expect { try await sources.resolve(access, chart: "nope", revision: .ref("1.x")) } throws: { "\($0)".contains("no chart \"nope\"") }
        await sources.shutdown()
    }

    @Test func basicAuthWithHtpasswd() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-oci")
        let registry = try await RegistryServer(directory: dir.appending("registry"), username: "robot", password: "pull-pw")
        defer { registry.stop(); dir.remove() }
        try await registry.push(ChartRepositoryTests.chart("1.0.0"), path: "", work: dir.url)
        let sources = ChartSources(cacheDirectory: dir.appending("cache"))
        let good = Self.access("oci://\(registry.host)", env: ["OCI_USER": "robot", "OCI_PASSWORD": "pull-pw"], credentials: true)
        let resolved = try await sources.resolve(good, chart: "podinfo", revision: .ref("1.0.0"))
        _ = try await sources.chartDirectory(resolved, access: good)
        let none = Self.access("oci://\(registry.host)")
        await #expect { try await sources.resolve(none, chart: "podinfo", revision: .ref("1.0.0")) } throws: { "\($0)".contains("asks for credentials") }
        let wrong = Self.access("oci://\(registry.host)", env: ["OCI_USER": "robot", "OCI_PASSWORD": "nope"], credentials: true)
        let other = ChartSources(cacheDirectory: dir.appending("cache2"))
        await #expect { try await other.resolve(wrong, chart: "podinfo", revision: .ref("1.0.0")) } throws: { ($0 as? ChartError)?.code == .unauthorized }
        await sources.shutdown()
        await other.shutdown()
    }

    @Test func bearerTokenFlow() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-oci")
        let registry = try await RegistryServer(directory: dir.appending("registry"))
        try await registry.push(ChartRepositoryTests.chart("2.0.0"), path: "team", work: dir.url)
        try FileManager.default.createDirectory(at: dir.appending("front"), withIntermediateDirectories: true)
        // The registry behind a front that answers `WWW-Authenticate: Bearer` and issues tokens for basic credentials.
        let front = try ChartRepositoryServer(root: dir.appending("front"), username: "robot", password: "token-pw", registry: registry.url)
        defer { front.stop(); registry.stop(); dir.remove() }
        let sources = ChartSources(cacheDirectory: dir.appending("cache"))
        let access = Self.access("oci://127.0.0.1:\(front.port)/team", env: ["OCI_USER": "robot", "OCI_PASSWORD": "token-pw"], credentials: true)
        let resolved = try await sources.resolve(access, chart: "podinfo", revision: .ref("2.x"))
        _ = try await sources.chartDirectory(resolved, access: access)
        let log = front.requests
        #expect(log.contains { $0.hasPrefix("GET /token?") && $0.hasSuffix(" 200") })
        #expect(log.contains { $0.hasPrefix("GET /v2/team/podinfo/tags/list 401") })
        #expect(log.contains { $0.hasPrefix("GET /v2/team/podinfo/blobs/sha256:") && $0.hasSuffix(" 200") })
        // One token for the scope: later requests do not ask again.
        #expect(log.filter { $0.hasPrefix("GET /token") }.count == 1)
        await sources.shutdown()
    }
}
