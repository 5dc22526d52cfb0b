import BosunCore
import Testing

@testable import KubernetesSimulator

/// Error answers on the wire: `Status` bodies shaped as the real server's, with their codes.
@Suite struct HTTPErrorStatusTests {
    let simulator: KubernetesSimulator
    let client: HTTPTestClient

    init() async throws {
        simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        client = HTTPTestClient(baseURL: simulator.url)
    }

    static let configMaps = "/api/v1/namespaces/default/configmaps"

    @Test func notFound() async throws {
        defer { Task { await simulator.stop() } }
        let reply = try await client.send("GET", "/apis/apps/v1/namespaces/default/deployments/missing")
        #expect(reply.status == 404)
        #expect(reply.headers["content-type"] == "application/json")
        #expect(
            reply.body
                == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"missing\" not found","reason":"NotFound","details":{"name":"missing","group":"apps","kind":"deployments"},"code":404}"#)
        let unknown = try await client.send("GET", "/apis/example.com/v1/namespaces/default/gadgets")
        #expect(unknown.status == 404)
        #expect(unknown.json?["message"] == "the server could not find the requested resource")
    }

    @Test func alreadyExistsAndStaleResourceVersionAreConflicts() async throws {
        defer { Task { await simulator.stop() } }
        let body = JSONValue.object(Fixtures.configMap("settings", data: ["a": "1"])).jsonString()
        #expect(try await client.send("POST", Self.configMaps, body: body).status == 201)
        let again = try await client.send("POST", Self.configMaps, body: body)
        #expect(again.status == 409)
        #expect(again.json?["reason"] == "AlreadyExists")
        #expect(again.json?["message"] == #"configmaps "settings" already exists"#)
        #expect(again.json?["details"] == ["name": "settings", "kind": "configmaps"])

        var stale = Fixtures.configMap("settings", data: ["a": "2"])
        stale["metadata"]?["resourceVersion"] = "1"
        let update = try await client.send("PUT", Self.configMaps + "/settings", body: JSONValue.object(stale).jsonString())
        #expect(update.status == 409)
        #expect(update.json?["reason"] == "Conflict")
        #expect(
            update.json?["message"]
                == #"Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again"#)
    }

    @Test func applyConflictOnTheWire() async throws {
        defer { Task { await simulator.stop() } }
        let path = "/apis/apps/v1/namespaces/default/deployments/web?fieldManager="
        let two = JSONValue.object(Fixtures.deployment("web", replicas: 2)).jsonString()
        let five = JSONValue.object(Fixtures.deployment("web", replicas: 5)).jsonString()
        let created = try await client.send("PATCH", path + "kubectl", body: two, contentType: "application/apply-patch+yaml")
        #expect(created.status == 201)
        let conflict = try await client.send("PATCH", path + "bosun", body: five, contentType: "application/apply-patch+yaml")
        #expect(conflict.status == 409)
        #expect(
            conflict.body
                == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas","reason":"Conflict","details":{"causes":[{"reason":"FieldManagerConflict","message":"conflict with \"kubectl\"","field":".spec.replicas"}]},"code":409}"#)
        let forced = try await client.send("PATCH", path + "bosun&force=true", body: five, contentType: "application/apply-patch+yaml")
        #expect(forced.status == 200)
        #expect(forced.json?["spec"]?["replicas"] == 5)
    }

    @Test func invalidObjectsAre422() async throws {
        defer { Task { await simulator.stop() } }
        var deployment = Fixtures.deployment("web")
        deployment["spec"]?["template"]?["metadata"]?["labels"] = ["app": "other"]
        let reply = try await client.send("POST", "/apis/apps/v1/namespaces/default/deployments", body: JSONValue.object(deployment).jsonString())
        #expect(reply.status == 422)
        #expect(reply.json?["reason"] == "Invalid")
        #expect(
            reply.json?["message"]
                == #"Deployment.apps "web" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`"#)
        #expect(reply.json?["details"]?["kind"] == "Deployment")
        #expect(reply.json?["details"]?["group"] == "apps")
        #expect(reply.json?["details"]?["causes"]?.arrayValue?.first?["field"] == "spec.template.metadata.labels")
        #expect(reply.json?["details"]?["causes"]?.arrayValue?.first?["reason"] == "FieldValueInvalid")
    }

    @Test func forbiddenByATerminatingNamespaceAndBySimulatedRBAC() async throws {
        defer { Task { await simulator.stop() } }
        let namespaces = simulator.api.namespaces
        try simulator.api.create(namespaces, namespace: "", object: ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "old"]])
        _ = try simulator.api.delete(namespaces, namespace: "", name: "old")
        let late = try await client.send(
            "POST", "/api/v1/namespaces/old/configmaps", body: JSONValue.object(Fixtures.configMap("x", data: [:], namespace: "old")).jsonString())
        #expect(late.status == 403)
        #expect(late.json?["reason"] == "Forbidden")
        #expect(late.json?["message"] == #"configmaps "x" is forbidden: unable to create new content in namespace old because it is being terminated"#)

        simulator.faults.deny(FaultInjector.Denial(verb: "list", resource: "secrets", namespace: "default"))
        let denied = try await client.send("GET", "/api/v1/namespaces/default/secrets")
        #expect(denied.status == 403)
        #expect(
            denied.json?["message"]
                == #"secrets is forbidden: User "system:serviceaccount:default:bosun" cannot list resource "secrets" in API group "" in the namespace "default""#)
    }

    @Test func deletingAnswersWithAStatusOrTheObject() async throws {
        defer { Task { await simulator.stop() } }
        _ = try await client.send("POST", Self.configMaps, body: JSONValue.object(Fixtures.configMap("gone", data: [:])).jsonString())
        let deleted = try await client.send("DELETE", Self.configMaps + "/gone")
        #expect(deleted.status == 200)
        #expect(deleted.json?["kind"] == "Status")
        #expect(deleted.json?["status"] == "Success")
        #expect(deleted.json?["details"]?["name"] == "gone")
        #expect(deleted.json?["details"]?["kind"] == "configmaps")
        #expect(try await client.send("DELETE", Self.configMaps + "/gone").status == 404)
    }
}
