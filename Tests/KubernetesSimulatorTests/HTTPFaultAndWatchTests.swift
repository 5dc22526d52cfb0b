import BosunCore
import BosunTesting
import Testing

@testable import KubernetesSimulator

/// Injected faults, streamed watches and authentication, over HTTP.
@Suite struct HTTPFaultAndWatchTests {
    @Test func injectedErrorsAnswerThenStop() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let client = HTTPTestClient(baseURL: simulator.url)
        let configured = try await client.send("POST", "/_simulator/faults", body: #"{"errors":[{"status":500,"count":2,"pathPrefix":"/api/v1"}]}"#)
        #expect(configured.status == 200)
        for _ in 0..<2 {
            let failed = try await client.send("GET", "/api/v1/namespaces")
            #expect(failed.status == 500)
            #expect(failed.json?["reason"] == "InternalError")
            #expect(failed.json?["message"] == "Internal error occurred: injected fault")
        }
        #expect(try await client.send("GET", "/api/v1/namespaces").status == 200)
        // Other paths were never affected.
        #expect(try await client.send("GET", "/apis").status == 200)
    }

    @Test func throttledRequestsCarryRetryAfter() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let client = HTTPTestClient(baseURL: simulator.url)
        simulator.faults.throttle(count: 1, retryAfterSeconds: 3, method: "PATCH")
        #expect(try await client.send("GET", "/api/v1/namespaces/default").status == 200)
        let throttled = try await client.send(
            "PATCH", "/api/v1/namespaces/default/configmaps/x?fieldManager=t", body: #"{"apiVersion":"v1","kind":"ConfigMap"}"#,
            contentType: "application/apply-patch+yaml")
        #expect(throttled.status == 429)
        #expect(throttled.headers["retry-after"] == "3")
        #expect(throttled.json?["reason"] == "TooManyRequests")
        #expect(throttled.json?["details"]?["retryAfterSeconds"] == 3)
        #expect(simulator.faults.injectedCount == 1)
    }

    @Test func slowResponsesAreCountedAndStillAnswered() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let client = HTTPTestClient(baseURL: simulator.url)
        _ = try await client.send("POST", "/_simulator/faults", body: #"{"errors":[{"status":null,"delayMs":50,"count":1}]}"#)
        #expect(try await client.send("GET", "/api/v1/namespaces/default").status == 200)
        let faults = try await client.send("GET", "/_simulator/faults")
        #expect(faults.json?["injected"] == 1)
    }

    @Test func aWatchStreamsEventsUntilItIsDropped() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let client = HTTPTestClient(baseURL: simulator.url)
        let revision = simulator.api.store.revision
        let configMaps = simulator.api.configMaps.groupResource
        let watch = Task { try await client.send("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=\(revision)") }
        #expect(await eventually { simulator.api.store.openWatchCount(configMaps) == 1 })
        try simulator.api.create(simulator.api.configMaps, namespace: "default", object: Fixtures.configMap("seen", data: ["a": "1"]))
        _ = try await client.send("POST", "/_simulator/faults", body: #"{"dropWatches":true}"#)
        let reply = try await watch.value
        #expect(reply.status == 200)
        let lines = reply.body.split(separator: "\n").map(String.init)
        #expect(lines.count == 1)
        let event = try JSONParser.parse(lines[0])
        #expect(event["type"] == "ADDED")
        #expect(event["object"]?["metadata"]?["name"] == "seen")
        #expect(event["object"]?["kind"] == "ConfigMap")
    }

    @Test func aTooOldResourceVersionIsAnExpiredErrorEvent() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false, watchWindow: 2))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        for n in 0..<4 { try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("c\(n)", data: [:])) }
        let client = HTTPTestClient(baseURL: simulator.url)
        let reply = try await client.send("GET", "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2")
        #expect(reply.status == 200)
        let event = try JSONParser.parse(reply.body.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(event["type"] == "ERROR")
        #expect(event["object"]?["kind"] == "Status")
        #expect(event["object"]?["code"] == 410)
        #expect(event["object"]?["reason"] == "Expired")
    }

    @Test func aTokenIsRequiredWhenConfigured() async throws {
        var options = Fixtures.options(controllers: false)
        options.token = "s3cret"
        let simulator = try await KubernetesSimulator.start(options)
        defer { Task { await simulator.stop() } }
        let anonymous = try await HTTPTestClient(baseURL: simulator.url).send("GET", "/api/v1/namespaces")
        #expect(anonymous.status == 401)
        #expect(anonymous.json?["reason"] == "Unauthorized")
        let wrong = try await HTTPTestClient(baseURL: simulator.url, token: "guess").send("GET", "/api/v1/namespaces")
        #expect(wrong.status == 401)
        let right = try await HTTPTestClient(baseURL: simulator.url, token: "s3cret").send("GET", "/api/v1/namespaces")
        #expect(right.status == 200)
        #expect(right.json?["kind"] == "NamespaceList")
        // Version information stays public, as on a real cluster.
        #expect(try await HTTPTestClient(baseURL: simulator.url).send("GET", "/version").status == 200)
    }

    @Test func aggregatedDiscoveryListsGroupsResourcesAndSubresources() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let client = HTTPTestClient(baseURL: simulator.url)
        let accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
        let reply = try await client.send("GET", "/apis", accept: accept)
        #expect(reply.headers["content-type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
        let apps = reply.json?["items"]?.arrayValue?.first { $0["metadata"]?["name"] == "apps" }
        let deployments = apps?["versions"]?.arrayValue?.first?["resources"]?.arrayValue?.first { $0["resource"] == "deployments" }
        #expect(deployments?["scope"] == "Namespaced")
        #expect(deployments?["shortNames"] == ["deploy"])
        #expect(deployments?["verbs"] == ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"])
        #expect(deployments?["subresources"]?.arrayValue?.compactMap { $0["subresource"]?.stringValue } == ["scale", "status"])
        // Legacy discovery, for clients that do not ask for the aggregated form.
        let legacy = try await client.send("GET", "/api/v1")
        let namespaces = legacy.json?["resources"]?.arrayValue?.first { $0["name"] == "namespaces" }
        #expect(namespaces?["namespaced"] == false)
        #expect(namespaces?["verbs"] == ["create", "delete", "get", "list", "patch", "update", "watch"])
    }
}
