import BosunCore
import Testing

@testable import KubernetesSimulator

/// The non-apply patch formats and the selector syntaxes.
@Suite struct PatchAndSelectorTests {
    let deployment = JSONValue.object(Fixtures.deployment("web"))

    @Test func strategicMergeMergesContainersByName() throws {
        let patch = try JSONParser.parse(
            #"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy:1"},{"name":"web","image":"nginx:2"}]}}}}"#)
        let patched = try Patches.strategicMerge(deployment, patch, BuiltinSchemas.deployment)
        let containers = patched?[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        #expect(containers.compactMap { $0["name"]?.stringValue } == ["web", "sidecar"])
        #expect(containers.first?["image"] == "nginx:2")
        #expect(containers.first?["ports"] == [["containerPort": 80]])
    }

    @Test func strategicMergeDirectivesDeleteAndOrder() throws {
        let twoContainers = try Patches.strategicMerge(
            deployment, try JSONParser.parse(#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"envoy:1"}]}}}}"#),
            BuiltinSchemas.deployment)
        let reordered = try Patches.strategicMerge(
            twoContainers ?? .null,
            try JSONParser.parse(#"{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"web"}]}}}}"#),
            BuiltinSchemas.deployment)
        #expect(reordered?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["sidecar", "web"])
        let deleted = try Patches.strategicMerge(
            reordered ?? .null,
            try JSONParser.parse(#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}"#),
            BuiltinSchemas.deployment)
        #expect(deleted?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["web"])
        // Lists without a merge key are replaced whole.
        let args = try Patches.strategicMerge(
            deleted ?? .null, try JSONParser.parse(#"{"metadata":{"labels":null}}"#), BuiltinSchemas.deployment)
        #expect(args?[path: ["metadata", "labels"]] == nil)
    }

    @Test func jsonPatchAppliesInOrderAndReportsMissingPaths() throws {
        let patched = try Patches.jsonPatch(
            deployment,
            try JSONParser.parse(#"[{"op":"replace","path":"/spec/replicas","value":7},{"op":"add","path":"/metadata/labels/tier","value":"web"},{"op":"test","path":"/spec/replicas","value":7}]"#))
        #expect(patched[path: ["spec", "replicas"]] == 7)
        #expect(patched[path: ["metadata", "labels", "tier"]] == "web")
        #expect(throws: Patches.Failure.self) {
            try Patches.jsonPatch(deployment, try JSONParser.parse(#"[{"op":"replace","path":"/spec/paused","value":true}]"#))
        }
    }

    @Test func labelSelectorsParseAndMatch() throws {
        let selector = try LabelSelector(parsing: "app=web,tier!=db,env in (prod, staging),!legacy,team")
        #expect(selector.matches(["app": "web", "env": "prod", "team": "a"]))
        #expect(!selector.matches(["app": "web", "env": "dev", "team": "a"]))
        #expect(!selector.matches(["app": "web", "env": "prod", "team": "a", "legacy": "yes"]))
        #expect(!selector.matches(["app": "web", "env": "prod"]))
        do {
            _ = try LabelSelector(parsing: "app=web,(")
            Issue.record("a malformed selector should not parse")
        } catch {
            #expect(error.code == 400)
        }
        let object = LabelSelector(object: ["matchLabels": ["app": "web"], "matchExpressions": [["key": "tier", "operator": "In", "values": ["a", "b"]]]])
        #expect(object.description == "app=web,tier in (a,b)")
    }

    @Test func fieldSelectorsAreLimitedToIndexedFields() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("one", data: [:]))
        try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap("two", data: [:]))
        let one = try api.list(api.configMaps, namespace: "default", options: ListOptions(fieldSelector: "metadata.name=one"))
        #expect(one.items.map(\.name) == ["one"])
        do {
            _ = try api.list(api.configMaps, namespace: "default", options: ListOptions(fieldSelector: "data.color=blue"))
            Issue.record("an unindexed field should be refused")
        } catch {
            #expect(error.code == 400)
            #expect(error.message == "field label not supported: data.color")
        }
    }

    @Test func pagedListsContinueWhereTheyStopped() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        for name in ["a", "b", "c", "d", "e"] {
            try api.create(api.configMaps, namespace: "default", object: Fixtures.configMap(name, data: [:]))
        }
        var names: [String] = []
        var token: String?
        repeat {
            let page = try api.list(api.configMaps, namespace: "default", options: ListOptions(limit: 2, continueToken: token))
            names += page.items.map(\.name)
            token = page.continueToken
            if token != nil { #expect(page.items.count == 2) }
        } while token != nil
        #expect(names == ["a", "b", "c", "d", "e"])
    }
}
