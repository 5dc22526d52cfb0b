import BosunCore
import BosunTesting
import Testing

@testable import KubernetesSimulator

/// What the server sets on objects: uid, creationTimestamp, a global resourceVersion, and a
/// generation that moves with the spec only.
@Suite struct ObjectLifecycleTests {
    @Test func theServerSetsIdentityAndIgnoresClientValues() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        var object = Fixtures.configMap("settings", data: ["a": "1"])
        object["metadata"]?["uid"] = "client-made-up"
        object["metadata"]?["creationTimestamp"] = "1999-01-01T00:00:00Z"
        let stored = try api.create(api.configMaps, namespace: "default", object: object)
        let uid = try #require(stored["metadata", "uid"]?.stringValue)
        #expect(uid != "client-made-up" && uid.count == 36)
        #expect(stored["metadata", "creationTimestamp"] != "1999-01-01T00:00:00Z")
        #expect(stored["metadata", "resourceVersion"] == .string(String(stored.resourceVersion)))
        // ConfigMaps have no spec, so no generation.
        #expect(stored["metadata", "generation"] == nil)
    }

    @Test func resourceVersionsAreGlobalAndGrow() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let a = try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("a", data: [:]))
        let b = try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("b"))
        let c = try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("c", data: [:]))
        #expect(a.resourceVersion < b.resourceVersion && b.resourceVersion < c.resourceVersion)
    }

    @Test func generationBumpsOnSpecChangesOnly() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let created = try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("web"))
        #expect(created["metadata", "generation"] == 1)
        let labelled = try api.patch(
            api.deployments, namespace: "default", name: "web", patchType: .merge,
            body: #"{"metadata":{"labels":{"extra":"yes"},"annotations":{"note":"hi"}}}"#
        ).object
        #expect(labelled["metadata", "generation"] == 1)
        #expect(labelled.resourceVersion > created.resourceVersion)
        var withStatus = labelled.object
        withStatus["status"] = ["replicas": 2, "observedGeneration": 1]
        let statusWritten = try api.update(api.deployments, namespace: "default", name: "web", object: withStatus, subresource: "status")
        #expect(statusWritten["metadata", "generation"] == 1)
        #expect(statusWritten["status", "replicas"] == 2)
        let scaled = try api.patch(api.deployments, namespace: "default", name: "web", patchType: .merge, body: #"{"spec":{"replicas":3}}"#).object
        #expect(scaled["metadata", "generation"] == 2)
        // A main-resource write cannot change status, and the status write could not change spec.
        #expect(scaled["status", "replicas"] == 2)
        let image = try api.patch(
            api.deployments, namespace: "default", name: "web", patchType: .strategicMerge,
            body: #"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}"#
        ).object
        #expect(image["metadata", "generation"] == 3)
        #expect(image["spec", "template", "spec", "containers"]?.arrayValue?.count == 1)
        #expect(image["spec", "template", "spec", "containers"]?.arrayValue?.first?["ports"] == [["containerPort": 80, "protocol": "TCP"]])
    }

    @Test func customResourcesGetAGenerationAndAreServedOnceEstablished() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let crdType = api.type(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition")
        try api.create(crdType, namespace: "", object: try Fixtures.yaml(Fixtures.widgetCRD))
        let established = await eventually {
            (try? api.get(crdType, namespace: "", name: "widgets.example.com")).map { Conditions.isTrue($0.object, "Established") } ?? false
        }
        #expect(established)
        let widgets = try api.type(apiVersion: "example.com/v1", kind: "Widget")
        let widget: JSONObject = ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w"], "spec": ["size": 1]]
        let created = try api.create(widgets, namespace: "default", object: widget)
        #expect(created["metadata", "generation"] == 1)
        #expect(created["status"] == nil)
        let resized = try api.patch(widgets, namespace: "default", name: "w", patchType: .merge, body: #"{"spec":{"size":2}}"#).object
        #expect(resized["metadata", "generation"] == 2)
    }

    @Test func customResourcesAreHeldToTheirSchema() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.type(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"), namespace: "", object: try Fixtures.yaml(Fixtures.widgetCRD))
        #expect(await eventually { (try? api.type(apiVersion: "example.com/v1", kind: "Widget")) != nil })
        let widgets = try api.type(apiVersion: "example.com/v1", kind: "Widget")
        func widget(_ name: String, spec: JSONValue) -> JSONObject {
            ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": .string(name)], "spec": spec]
        }
        // Unknown fields are pruned...
        let pruned = try api.create(widgets, namespace: "default", object: widget("a", spec: ["size": 1, "colour": "red"]))
        #expect(pruned["spec"] == ["size": 1])
        // ...or refused under strict field validation...
        do {
            try api.create(widgets, namespace: "default", object: widget("b", spec: ["size": 1, "colour": "red"]), options: WriteOptions(fieldValidation: "Strict"))
            Issue.record("strict validation should refuse an unknown field")
        } catch {
            #expect(error.code == 400)
            #expect(error.message == #"Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.colour""#)
        }
        // ...and by server-side apply.
        do {
            _ = try api.apply(widgets, namespace: "default", name: "c", configuration: widget("c", spec: ["colour": "red"]), options: WriteOptions(fieldManager: "kubectl"))
            Issue.record("apply should refuse an undeclared field")
        } catch {
            #expect(error.code == 500)
            #expect(error.message == "failed to create typed patch object (default/c; example.com/v1, Kind=Widget): .spec.colour: field not declared in schema")
        }
        // Values must have their declared types.
        do {
            try api.create(widgets, namespace: "default", object: widget("d", spec: ["size": "big"]))
            Issue.record("a string where an integer belongs should be invalid")
        } catch {
            #expect(error.code == 422)
            #expect(error.message == #"Widget.example.com "d" is invalid: spec.size: Invalid value: "big": spec.size in body must be of type integer: "string""#)
        }
    }

    @Test func aSchemaThatPreservesUnknownFieldsAtItsRootTakesAnyFieldByApply() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let crd = Fixtures.widgetCRD.replacingOccurrences(of: "name: widgets.example.com", with: "name: gadgets.example.com")
            .replacingOccurrences(of: "plural: widgets", with: "plural: gadgets").replacingOccurrences(of: "kind: Widget", with: "kind: Gadget")
        var object = try Fixtures.yaml(crd)
        var versions = object["spec"]?["versions"]?.arrayValue ?? []
        versions[0]["schema"] = ["openAPIV3Schema": ["type": "object", "x-kubernetes-preserve-unknown-fields": true]]
        object["spec"]?["versions"] = .array(versions)
        try api.create(api.type(group: "apiextensions.k8s.io", kind: "CustomResourceDefinition"), namespace: "", object: object)
        #expect(await eventually { (try? api.type(apiVersion: "example.com/v1", kind: "Gadget")) != nil })
        let gadgets = try api.type(apiVersion: "example.com/v1", kind: "Gadget")
        let applied = try api.apply(gadgets, namespace: "default", name: "g", configuration: [
            "apiVersion": "example.com/v1", "kind": "Gadget", "metadata": ["name": "g"], "spec": ["colour": "red", "sizes": [1, 2]],
        ], options: WriteOptions(fieldManager: "kubectl")).object
        #expect(applied["spec"] == ["colour": "red", "sizes": [1, 2]])
    }

    @Test func aNamespacedObjectNeedsItsNamespace() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        do {
            try api.create(api.configMaps, namespace: "nowhere", object: Fixtures.configMap("x", data: [:], namespace: "nowhere"))
            Issue.record("creating in a missing namespace should fail")
        } catch {
            #expect(error.code == 404)
            #expect(error.message == #"namespaces "nowhere" not found"#)
            #expect(error.details == ["name": "nowhere", "kind": "namespaces"])
        }
    }
}

extension Fixtures {
    static let widgetCRD = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: widgets.example.com
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
          versions:
          - name: v1
            served: true
            storage: true
            subresources: {status: {}}
            additionalPrinterColumns:
            - {name: Size, type: integer, jsonPath: .spec.size}
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    properties:
                      size: {type: integer}
                      ports:
                        type: array
                        x-kubernetes-list-type: map
                        x-kubernetes-list-map-keys: [name]
                        items: {type: object, properties: {name: {type: string}, port: {type: integer}}}
        """
}
