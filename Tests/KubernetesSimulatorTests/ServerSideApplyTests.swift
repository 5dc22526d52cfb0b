import BosunCore
import Testing

@testable import KubernetesSimulator

/// Server-side apply ownership, as the real API server keeps it in `managedFields`.
@Suite struct ServerSideApplyTests {
    let simulator: KubernetesSimulator
    var api: KubernetesAPI { simulator.api }

    init() async throws {
        simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
    }

    func apply(_ object: JSONObject, manager: String, force: Bool = false, dryRun: Bool = false) throws(APIError) -> StoredObject {
        let type = try api.type(apiVersion: object["apiVersion"]?.stringValue ?? "", kind: object["kind"]?.stringValue ?? "")
        return try api.apply(
            type, namespace: object["metadata"]?["namespace"]?.stringValue ?? "", name: object["metadata"]?["name"]?.stringValue ?? "",
            configuration: object, options: WriteOptions(fieldManager: manager, dryRun: dryRun, force: force)
        ).object
    }

    func entries(_ object: StoredObject) -> [JSONValue] { object["metadata", "managedFields"]?.arrayValue ?? [] }

    func entry(_ object: StoredObject, _ manager: String) -> JSONValue? {
        entries(object).first { $0["manager"]?.stringValue == manager }
    }

    @Test func applyRecordsTheManagersFieldsInFieldsV1Format() async throws {
        defer { Task { await simulator.stop() } }
        let stored = try apply(Fixtures.deployment("web"), manager: "kubectl")
        let kubectl = try #require(entry(stored, "kubectl"))
        #expect(kubectl["operation"] == "Apply")
        #expect(kubectl["apiVersion"] == "apps/v1")
        #expect(kubectl["fieldsType"] == "FieldsV1")
        #expect(kubectl["time"]?.stringValue?.hasSuffix("Z") == true)
        let expected =
            #"{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:replicas":{},"f:selector":{},"f:template":{"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{}}}}}}}}}"#
        #expect(kubectl["fieldsV1"]?.jsonString() == expected)
        // Defaults the server filled in belong to nobody.
        #expect(stored["spec", "progressDeadlineSeconds"] == 600)
        #expect(entries(stored).count == 1)
    }

    @Test func twoManagersShareAnObjectAndEachDropsOnlyItsOwnFields() async throws {
        defer { Task { await simulator.stop() } }
        _ = try apply(Fixtures.configMap("shared", data: ["a": "1"], labels: ["owner": "alpha"]), manager: "alpha")
        _ = try apply(Fixtures.configMap("shared", data: ["b": "2"], labels: ["team": "beta"]), manager: "beta")
        var stored = try api.get(api.configMaps, namespace: "default", name: "shared")
        #expect(stored["data"] == ["a": "1", "b": "2"])
        #expect(entries(stored).map { $0["manager"]?.stringValue } == ["alpha", "beta"])

        // alpha stops setting its label and key: they go, beta's stay.
        _ = try apply(Fixtures.configMap("shared", data: [:]), manager: "alpha")
        stored = try api.get(api.configMaps, namespace: "default", name: "shared")
        #expect(stored["data"] == ["b": "2"])
        #expect(stored["metadata", "labels"] == ["team": "beta"])
        #expect(entry(stored, "beta")?["fieldsV1"]?.jsonString() == #"{"f:data":{"f:b":{}},"f:metadata":{"f:labels":{"f:team":{}}}}"#)
    }

    @Test func aFieldSharedByTwoManagersSurvivesWhenOneDropsIt() async throws {
        defer { Task { await simulator.stop() } }
        _ = try apply(Fixtures.configMap("co", data: ["color": "blue"]), manager: "alpha")
        // Same value: no conflict, both own it.
        _ = try apply(Fixtures.configMap("co", data: ["color": "blue"]), manager: "beta")
        _ = try apply(Fixtures.configMap("co", data: [:]), manager: "alpha")
        let stored = try api.get(api.configMaps, namespace: "default", name: "co")
        #expect(stored["data"] == ["color": "blue"])
        #expect(entry(stored, "alpha") == nil)
    }

    @Test func applyingADifferentValueThanAnotherManagerIsAConflict() async throws {
        defer { Task { await simulator.stop() } }
        let first = try apply(Fixtures.deployment("web", replicas: 2), manager: "kubectl")
        do {
            _ = try apply(Fixtures.deployment("web", replicas: 5), manager: "bosun")
            Issue.record("the apply should have conflicted")
        } catch {
            #expect(error.code == 409)
            #expect(error.reason == "Conflict")
            #expect(error.message == #"Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas"#)
            #expect(error.details?["causes"] == [["reason": "FieldManagerConflict", "message": #"conflict with "kubectl""#, "field": ".spec.replicas"]])
        }
        let after = try api.get(api.deployments, namespace: "default", name: "web")
        #expect(after.resourceVersion == first.resourceVersion)
        #expect(after["spec", "replicas"] == 2)
    }

    @Test func conflictsWithSeveralFieldsListEachOne() async throws {
        defer { Task { await simulator.stop() } }
        _ = try apply(Fixtures.deployment("web", image: "nginx:1", replicas: 2), manager: "kubectl")
        do {
            _ = try apply(Fixtures.deployment("web", image: "nginx:2", replicas: 3), manager: "bosun")
            Issue.record("the apply should have conflicted")
        } catch {
            #expect(
                error.message
                    == "Apply failed with 2 conflicts: conflicts with \"kubectl\":\n- .spec.replicas\n- .spec.template.spec.containers[name=\"web\"].image")
        }
    }

    @Test func forceTakesOwnershipFromTheOtherManager() async throws {
        defer { Task { await simulator.stop() } }
        _ = try apply(Fixtures.deployment("web", replicas: 2), manager: "kubectl")
        let forced = try apply(Fixtures.deployment("web", replicas: 5), manager: "bosun", force: true)
        #expect(forced["spec", "replicas"] == 5)
        let kubectlFields = entry(forced, "kubectl")?["fieldsV1"]?["f:spec"]
        #expect(kubectlFields?["f:replicas"] == nil)
        #expect(kubectlFields?["f:selector"] != nil)
        #expect(entry(forced, "bosun")?["fieldsV1"]?["f:spec"]?["f:replicas"] != nil)
        // kubectl no longer owns replicas, so its next apply with the old value conflicts with bosun.
        #expect(throws: APIError.self) { try apply(Fixtures.deployment("web", replicas: 2), manager: "kubectl") }
    }

    @Test func aFieldDroppedByItsOnlyManagerIsRemoved() async throws {
        defer { Task { await simulator.stop() } }
        var deployment = Fixtures.deployment("web")
        var withEnv = deployment
        withEnv["spec"] = JSONValue.object(deployment)[path: ["spec"]].map { spec in
            var spec = spec
            spec["template"]?["spec"]?["containers"] = [["name": "web", "image": "nginx:1.27", "env": [["name": "MODE", "value": "fast"]]]]
            return spec
        }
        _ = try apply(withEnv, manager: "kubectl")
        deployment["metadata"]?["labels"] = nil
        let stored = try apply(deployment, manager: "kubectl")
        #expect(stored["spec", "template", "spec", "containers"]?.arrayValue?.first?["env"] == nil)
        #expect(stored["spec", "template", "spec", "containers"]?.arrayValue?.first?["ports"] == [["containerPort": 80, "protocol": "TCP"]])
        #expect(stored["metadata", "labels"] == nil)
    }

    @Test func aMapOwnedWholeThenEntryByEntryKeepsItsEntries() async throws {
        defer { Task { await simulator.stop() } }
        var empty = Fixtures.configMap("m", data: [:])
        empty["data"] = .object(JSONObject())
        let first = try apply(empty, manager: "kubectl")
        #expect(entry(first, "kubectl")?["fieldsV1"]?.jsonString() == #"{"f:data":{}}"#)
        let second = try apply(Fixtures.configMap("m", data: ["a": "1"]), manager: "kubectl")
        #expect(second["data"] == ["a": "1"])
        #expect(entry(second, "kubectl")?["fieldsV1"]?.jsonString() == #"{"f:data":{"f:a":{}}}"#)
    }

    @Test func updatesAreTrackedAndConflictWithAppliers() async throws {
        defer { Task { await simulator.stop() } }
        _ = try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("web"), options: WriteOptions(fieldManager: "kubectl-create"))
        _ = try api.patch(
            api.deployments, namespace: "default", name: "web", patchType: .merge, body: #"{"spec":{"replicas":4}}"#,
            options: WriteOptions(fieldManager: "kubectl-edit"))
        let stored = try api.get(api.deployments, namespace: "default", name: "web")
        let edit = try #require(entry(stored, "kubectl-edit"))
        #expect(edit["operation"] == "Update")
        #expect(edit["fieldsV1"]?.jsonString() == #"{"f:spec":{"f:replicas":{}}}"#)
        // The creator kept everything else, including the defaults it was given.
        #expect(entry(stored, "kubectl-create")?["fieldsV1"]?["f:spec"]?["f:progressDeadlineSeconds"] != nil)
        #expect(entry(stored, "kubectl-create")?["fieldsV1"]?["f:spec"]?["f:replicas"] == nil)
        // Values equal to the creator's are shared, not conflicts; the edited field is.
        do {
            _ = try apply(Fixtures.deployment("web", replicas: 2), manager: "bosun")
            Issue.record("the apply should have conflicted")
        } catch {
            #expect(error.message == #"Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas"#)
        }
        do {
            _ = try apply(Fixtures.deployment("web", image: "nginx:2", replicas: 2), manager: "bosun")
            Issue.record("the apply should have conflicted")
        } catch {
            #expect(
                error.message == """
                    Apply failed with 2 conflicts: conflicts with "kubectl-create" using apps/v1:
                    - .spec.template.spec.containers[name="web"].image
                    conflicts with "kubectl-edit" using apps/v1:
                    - .spec.replicas
                    """)
        }
    }

    @Test func aCreateIsOwnedAsTheRealServerRecordsIt() async throws {
        defer { Task { await simulator.stop() } }
        let created = try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("web"), options: WriteOptions(fieldManager: "kubectl-create"))
        let fields = entry(created, "kubectl-create")?["fieldsV1"]
        // What kube-apiserver 1.32 records for `kubectl create -f` of this manifest, defaults included.
        let expected = """
            {"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},"f:replicas":{},"f:revisionHistoryLimit":{},\
            "f:selector":{},"f:strategy":{"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},\
            "f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{"k:{\\"name\\":\\"web\\"}":{".":{},\
            "f:image":{},"f:imagePullPolicy":{},"f:name":{},"f:ports":{".":{},"k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},\
            "f:containerPort":{},"f:protocol":{}}},"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},\
            "f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},"f:terminationGracePeriodSeconds":{}}}}}
            """
        #expect(fields.map { $0.prettyJSONString(sortKeys: true) } == (try? JSONParser.parse(expected))?.prettyJSONString(sortKeys: true))
    }

    @Test func applyNeedsAFieldManager() async throws {
        defer { Task { await simulator.stop() } }
        do {
            _ = try api.apply(api.configMaps, namespace: "default", name: "x", configuration: Fixtures.configMap("x", data: [:]), options: WriteOptions())
            Issue.record("apply without a field manager should fail")
        } catch {
            #expect(error.code == 422)
            #expect(error.message == #"PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch"#)
        }
    }

    @Test func reapplyingTheSameConfigurationChangesNothing() async throws {
        defer { Task { await simulator.stop() } }
        let first = try apply(Fixtures.deployment("web"), manager: "kubectl")
        let again = try apply(Fixtures.deployment("web"), manager: "kubectl")
        #expect(again.resourceVersion == first.resourceVersion)
        #expect(api.store.revision == first.resourceVersion)
    }

    @Test func dryRunReturnsTheResultWithoutStoringIt() async throws {
        defer { Task { await simulator.stop() } }
        let preview = try apply(Fixtures.configMap("preview", data: ["a": "1"]), manager: "kubectl", dryRun: true)
        #expect(preview["data"] == ["a": "1"])
        #expect(preview["metadata", "uid"]?.stringValue?.isEmpty == false)
        #expect(throws: APIError.self) { try api.get(api.configMaps, namespace: "default", name: "preview") }
    }

    @Test func statusInAMainResourceApplyIsIgnored() async throws {
        defer { Task { await simulator.stop() } }
        var deployment = Fixtures.deployment("web")
        deployment["status"] = ["replicas": 9]
        let stored = try apply(deployment, manager: "kubectl")
        #expect(stored["status"] == .object(JSONObject()))
        #expect(entry(stored, "kubectl")?["fieldsV1"]?["f:status"] == nil)
    }
}
