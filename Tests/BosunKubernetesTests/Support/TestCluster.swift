import BosunCore
import BosunKubernetes
import Foundation

/// A fake cluster served on loopback with a client (and a target) pointed at it.
struct TestCluster {
    let fake: FakeCluster
    let server: ScriptedServer
    let client: KubernetesClient
    let clock: RecordingClock

    static func start(options: KubernetesClientOptions = KubernetesClientOptions()) async throws -> TestCluster {
        let fake = FakeCluster()
        let server = try await fake.serve()
        let clock = RecordingClock()
        let client = try KubernetesClient(
            connection: ClusterConnection(server: server.url, namespace: "default", contextName: "test"), options: options, clock: clock)
        return TestCluster(fake: fake, server: server, client: client, clock: clock)
    }

    func stop() async {
        fake.closeWatches()
        await client.shutdown()
        await server.stop()
    }

    /// Requests the server received, as `METHOD path`.
    var requestLines: [String] { server.requests.map { "\($0.method) \($0.path)" } }
}

extension Resource {
    /// A resource from YAML text, for tests.
    static func yaml(_ text: String) throws -> Resource {
        guard let resource = Resource(try YAMLDecoder().value(text)) else { throw FixtureError("not an object: \(text)") }
        return resource
    }
}
