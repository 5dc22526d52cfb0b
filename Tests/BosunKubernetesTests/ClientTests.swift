import BosunCore
import BosunKubernetes
import BosunTesting
import Foundation
import Testing

@Suite struct DiscoveryTests {
    @Test func resolvesKindsAndCachesTheAnswer() async throws {
        let cluster = try await TestCluster.start()
        let deployments = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        #expect(deployments.name == "deployments")
        #expect(deployments.namespaced)
        #expect(deployments.verbs.contains("patch"))
        #expect(deployments.qualifiedName == "deployments.apps")
        let namespaces = try await cluster.client.discovery.resource(group: "", kind: "Namespace")
        #expect(namespaces?.namespaced == false)
        let roles = try await cluster.client.discovery.resource(group: "rbac.authorization.k8s.io", kind: "ClusterRole")
        #expect(roles?.apiVersion == "rbac.authorization.k8s.io/v1")
        let before = cluster.client.metrics.total("discovery")
        _ = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        _ = try await cluster.client.discovery.resource(group: "", kind: "Namespace")
        #expect(cluster.client.metrics.total("discovery") == before)
        await cluster.stop()
    }

    @Test func unknownKindIsRefreshedOnceThenNamed() async throws {
        let cluster = try await TestCluster.start()
        _ = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        do {
            _ = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deploymnet")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .invalid)
            #expect(error.message.contains("kind \"Deploymnet\" in apiVersion \"apps/v1\""))
        }
        // The cached list of apps/v1 was fresh, so it was not fetched again (the group list was,
        // to name the versions the group serves).
        #expect(cluster.requestLines.filter { $0 == "GET /apis/apps/v1" }.count == 1)
        do {
            _ = try await cluster.client.resource(apiVersion: "example.com/v1", kind: "Widget")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.contains("serves no API group \"example.com\""))
        }
        await cluster.stop()
    }

    @Test func aKindServedLaterIsFoundAfterARefresh() async throws {
        let cluster = try await TestCluster.start()
        #expect(try await cluster.client.discovery.resource(group: "example.com", kind: "Widget") == nil)
        cluster.fake.serve(.init(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true))
        // Within the refresh interval the answer stays cached...
        #expect(try await cluster.client.discovery.resource(group: "example.com", kind: "Widget") == nil)
        // ...until a CRD of the group is applied, which invalidates it.
        await cluster.client.discovery.invalidate(group: "example.com")
        #expect(try await cluster.client.discovery.resource(group: "example.com", kind: "Widget")?.name == "widgets")
        await cluster.stop()
    }

    @Test func anUnknownKindIsAskedAgainAfterTheRefreshInterval() async throws {
        let cluster = try await TestCluster.start()
        #expect(try await cluster.client.discovery.resource(apiVersion: "apps/v1", kind: "Rollout") == nil)
        cluster.fake.serve(.init(group: "apps", version: "v1", kind: "Rollout", plural: "rollouts", namespaced: true))
        try await cluster.clock.sleep(for: .seconds(6))
        #expect(try await cluster.client.discovery.resource(apiVersion: "apps/v1", kind: "Rollout")?.name == "rollouts")
        await cluster.stop()
    }
}

@Suite struct ClientRequestTests {
    static let deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop, labels: {bosun.dev/app: shop}}
        spec: {replicas: 2}
        """

    @Test func applyIsAServerSidePatchAsFieldManagerBosun() async throws {
        let cluster = try await TestCluster.start()
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        let object = try Resource.yaml(Self.deployment)
        let applied = try await cluster.client.apply(object, as: resource, force: false, dryRun: false)
        #expect(applied.resourceVersion != "")
        _ = try await cluster.client.apply(object, as: resource, force: true, dryRun: true)
        let patches = cluster.server.requests.filter { $0.method == "PATCH" }
        #expect(patches.map(\.path) == ["/apis/apps/v1/namespaces/shop/deployments/web", "/apis/apps/v1/namespaces/shop/deployments/web"])
        #expect(patches[0].headers["content-type"] == "application/apply-patch+yaml")
        #expect(patches[0].query == ["fieldManager": "bosun"])
        #expect(patches[1].query == ["fieldManager": "bosun", "force": "true", "dryRun": "All"])
        #expect(patches[0].bodyJSON == object.value)
        await cluster.stop()
    }

    @Test func deleteSendsThePropagationPolicyAndToleratesAbsence() async throws {
        let cluster = try await TestCluster.start()
        try cluster.fake.put(Self.deployment)
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        #expect(try await cluster.client.delete(resource, namespace: "shop", name: "web", propagation: .foreground))
        #expect(try await cluster.client.delete(resource, namespace: "shop", name: "web") == false)
        let deletes = cluster.server.requests.filter { $0.method == "DELETE" }
        #expect(deletes.map { $0.query["propagationPolicy"] } == ["Foreground", "Background"])
        #expect(deletes.first?.bodyJSON?["propagationPolicy"]?.stringValue == "Foreground")
        await cluster.stop()
    }

    @Test func listFillsKindAndPassesTheLabelSelector() async throws {
        let cluster = try await TestCluster.start()
        try cluster.fake.put(Self.deployment)
        try cluster.fake.put("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: other, namespace: shop}\n")
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        let list = try await cluster.client.list(resource, labelSelector: "bosun.dev/app")
        #expect(list.items.map(\.key.description) == ["apps/Deployment/shop/web"])
        #expect(list.items.first?.apiVersion == "apps/v1")
        #expect(!list.resourceVersion.isEmpty)
        #expect(cluster.server.requests.last?.query["labelSelector"] == "bosun.dev/app")
        #expect(cluster.server.requests.last?.path == "/apis/apps/v1/deployments")
        await cluster.stop()
    }

    @Test func forbiddenNamesTheVerbResourceAndNamespace() async throws {
        let cluster = try await TestCluster.start()
        cluster.fake.inject(.failure(403, reason: "Forbidden", message: #"deployments.apps "web" is forbidden: User "ci" cannot patch resource "deployments" in API group "apps" in the namespace "shop""#), method: "PATCH", pathContains: "/deployments/web")
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        do {
            _ = try await cluster.client.apply(try Resource.yaml(Self.deployment), as: resource, force: false, dryRun: false)
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .forbidden)
            #expect(error.message.contains("may not patch deployments.apps \"web\" in namespace \"shop\""))
            #expect(error.key?.description == "apps/Deployment/shop/web")
        }
        await cluster.stop()
    }

    @Test func fieldConflictNamesTheOtherManagerAndSuggestsForce() async throws {
        let cluster = try await TestCluster.start()
        let causes: [JSONValue] = [["reason": "FieldManagerConflict", "message": #"conflict with "kubectl-edit" using apps/v1"#, "field": ".spec.replicas"]]
        cluster.fake.inject(.failure(409, reason: "Conflict", message: #"Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas"#, causes: causes), method: "PATCH", pathContains: "/deployments/web")
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        do {
            _ = try await cluster.client.apply(try Resource.yaml(Self.deployment), as: resource, force: false, dryRun: false)
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .conflict)
            #expect(error.message.contains(#"field .spec.replicas is owned by field manager "kubectl-edit""#))
            #expect(error.message.contains("force: true"))
        }
        await cluster.stop()
    }

    @Test func invalidObjectListsTheFieldCauses() async throws {
        let cluster = try await TestCluster.start()
        let causes: [JSONValue] = [["reason": "FieldValueRequired", "message": "Required value", "field": "spec.template.spec.containers[0].image"]]
        cluster.fake.inject(.failure(422, reason: "Invalid", message: #"Deployment.apps "web" is invalid"#, causes: causes), method: "PATCH", pathContains: "/deployments/web")
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        do {
            _ = try await cluster.client.apply(try Resource.yaml(Self.deployment), as: resource, force: false, dryRun: false)
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .invalid)
            #expect(error.message.contains("spec.template.spec.containers[0].image: Required value"))
        }
        await cluster.stop()
    }

    @Test func serverErrorsAreRetriedWithBackoffAndCounted() async throws {
        let cluster = try await TestCluster.start()
        cluster.fake.inject(.failure(503, reason: "ServiceUnavailable", message: "etcd leader changed"), method: "PATCH", pathContains: "/deployments/web", times: 2)
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        let applied = try await cluster.client.apply(try Resource.yaml(Self.deployment), as: resource, force: false, dryRun: false)
        #expect(applied.name == "web")
        let counts = cluster.client.metrics.snapshot
        #expect(counts[.init(operation: "patch", code: 503)] == 2)
        #expect(counts[.init(operation: "patch", code: 200)] == 1)
        #expect(cluster.clock.sleeps.count == 2)
        #expect(cluster.clock.sleeps[1] > cluster.clock.sleeps[0] * 0.99 || cluster.clock.sleeps[1] >= 0.2)
        await cluster.stop()
    }

    @Test func throttlingHonoursRetryAfter() async throws {
        let cluster = try await TestCluster.start()
        cluster.fake.inject(.failure(429, reason: "TooManyRequests", message: "slow down", headers: ["Retry-After": "7"]), pathContains: "/namespaces/shop/deployments/web")
        let resource = try await cluster.client.resource(apiVersion: "apps/v1", kind: "Deployment")
        #expect(try await cluster.client.get(resource, namespace: "shop", name: "web") == nil)
        #expect(cluster.clock.sleeps == [7])
        await cluster.stop()
    }

    @Test func persistentFailureBecomesTransientAfterTheRetries() async throws {
        var options = KubernetesClientOptions()
        options.maxRetries = 2
        let cluster = try await TestCluster.start(options: options)
        cluster.fake.inject(.failure(500, reason: "InternalError", message: "boom"), pathContains: "/deployments", times: 100)
        let resource = APIResource(group: "apps", version: "v1", kind: "Deployment", name: "deployments", namespaced: true)
        do {
            _ = try await cluster.client.list(resource, namespace: "shop")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .transient)
            #expect(error.message.contains("list deployments.apps in namespace \"shop\""))
            #expect(error.message.contains("gave up after 3 attempts"))
        }
        #expect(cluster.client.metrics.snapshot[.init(operation: "list", code: 500)] == 3)
        await cluster.stop()
    }

    @Test func unreachableServerIsTransient() async throws {
        var options = KubernetesClientOptions()
        options.maxRetries = 1
        // A refused connection shows only when connecting times out (the pool keeps trying).
        options.connectTimeout = .milliseconds(500)
        let clock = RecordingClock()
        // Port 9 (discard) on loopback: nothing listens.
        let client = try KubernetesClient(connection: ClusterConnection(server: "http://127.0.0.1:9"), options: options, clock: clock)
        let namespaces = APIResource(group: "", version: "v1", kind: "Namespace", name: "namespaces", namespaced: false)
        do {
            _ = try await client.get(namespaces, namespace: nil, name: "default")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .transient)
            #expect(error.message.contains("cannot reach the API server at http://127.0.0.1:9"))
        }
        #expect(client.metrics.snapshot[.init(operation: "get", code: 0)] == 2)
        await client.shutdown()
    }
}

@Suite struct WatchTests {
    @Test func eventsArriveAsTheyHappenAndExpiryIsTyped() async throws {
        let cluster = try await TestCluster.start()
        let resource = try await cluster.client.resource(apiVersion: "v1", kind: "ConfigMap")
        let list = try await cluster.client.list(resource, labelSelector: "bosun.dev/app")
        let events = cluster.client.watch(resource, labelSelector: "bosun.dev/app", resourceVersion: list.resourceVersion)
        var iterator = events.makeAsyncIterator()
        while cluster.fake.openWatches == 0 { try await Task.sleep(for: .milliseconds(5)) }
        try cluster.fake.put("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x, labels: {bosun.dev/app: shop}}\ndata: {k: v}\n")
        try cluster.fake.put("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: unlabelled, namespace: x}\n")
        try cluster.fake.put("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: x, labels: {bosun.dev/app: shop}}\ndata: {k: w}\n")
        cluster.fake.remove(FakeCluster.builtInKinds[1], namespace: "x", name: "a")

        var seen: [String] = []
        for _ in 0..<3 {
            switch try await iterator.next() {
            case .added(let object)?: seen.append("added \(object.name)")
            case .modified(let object)?: seen.append("modified \(object.name) \(object["data", "k"]?.stringValue ?? "")")
            case .deleted(let object)?: seen.append("deleted \(object.name)")
            default: seen.append("other")
            }
        }
        #expect(seen == ["added a", "modified a w", "deleted a"])
        let request = try #require(cluster.server.requests.last { $0.query["watch"] == "1" })
        #expect(request.query["resourceVersion"] == list.resourceVersion)
        #expect(request.query["allowWatchBookmarks"] == "true")

        cluster.fake.expireWatches()
        await #expect(throws: WatchError.self) { _ = try await iterator.next() }
        await cluster.stop()
    }
}
