import BosunCore
import BosunTesting
import Testing

@testable import KubernetesSimulator

@Suite struct NamespaceTests {
    @Test func deletingANamespaceDeletesItsContentsThenTheNamespace() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options())
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.namespaces, namespace: "", object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "shop"]])
        try api.create(api.configMaps, namespace: "shop", object: Fixtures.configMap("a", data: ["k": "v"], namespace: "shop"))
        let outcome = try api.delete(api.namespaces, namespace: "", name: "shop")
        guard case .pending(let terminating) = outcome else {
            Issue.record("a namespace waits for its finalizer")
            return
        }
        #expect(terminating["status", "phase"] == "Terminating")
        let gone = await eventually { (try? api.get(api.namespaces, namespace: "", name: "shop")) == nil }
        #expect(gone)
        #expect(api.store.list(api.configMaps.groupResource, namespace: "shop").items.isEmpty)
    }

    @Test func systemNamespacesCannotBeDeleted() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        #expect(throws: APIError.self) { try api.delete(api.namespaces, namespace: "", name: "default") }
        do {
            _ = try api.delete(api.namespaces, namespace: "", name: "kube-system")
        } catch {
            #expect(error.code == 403)
            #expect(error.reason == "Forbidden")
            #expect(error.message == "namespaces \"kube-system\" is forbidden: this namespace may not be deleted")
        }
    }
}
