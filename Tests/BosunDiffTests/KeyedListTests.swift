import BosunCore
import Testing

@testable import BosunDiff

@Suite("Keyed lists")
struct KeyedListTests {
    let options = DiffOptions()

    /// A Deployment whose pod spec is the given YAML (indented by 6 spaces in the template).
    func deployment(_ podSpec: String) throws -> Resource {
        let indented = podSpec.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "      " + $0 }.joined(separator: "\n")
        return try Fixture.yaml(
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata: { name: web, namespace: shop }
            spec:
              template:
                spec:
            \(indented)
            """)
    }

    let web = """
        containers:
          - name: web
            image: web:1
          - name: worker
            image: worker:1
        """

    @Test func injectedSidecarIsNotDrift() throws {
        let desired = try deployment(web)
        let live = try deployment(web + "\n  - name: istio-proxy\n    image: proxyv2:1.22")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: desired, options: options)
        #expect(diff.action == .unchanged)
    }

    @Test func containerRemovedFromGitIsDrift() throws {
        let desired = try deployment("containers:\n  - name: web\n    image: web:1")
        let live = try deployment(web)
        let lastApplied = try deployment(web)
        let diff = Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: options)
        #expect(diff.action == .update)
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=worker"])
        #expect(diff.changes.first?.kind == .removed)
    }

    @Test func containerAddedInGitIsAnAddition() throws {
        let desired = try deployment(web + "\n  - name: metrics\n    image: exporter:1")
        let live = try deployment(web)
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=metrics"])
        #expect(diff.changes.first?.kind == .added)
    }

    @Test func itemsAreDiffedThreeWayInside() throws {
        // Live's container gained a defaulted field (not drift) and Git changed the image (drift).
        let desired = try deployment("containers:\n  - name: web\n    image: web:2")
        let live = try deployment("containers:\n  - name: web\n    image: web:1\n    imagePullPolicy: IfNotPresent")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=web/image"])
    }

    @Test func envIsMatchedByName() throws {
        let desired = try deployment(
            "containers:\n  - name: web\n    env:\n      - { name: A, value: '1' }\n      - { name: B, value: two }")
        let live = try deployment(
            "containers:\n  - name: web\n    env:\n      - { name: A, value: '1' }\n      - { name: B, value: three }\n      - { name: INJECTED, value: x }")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=web/env/name=B/value"])
    }

    @Test func volumeMountsAreMatchedByMountPath() throws {
        // The same volume mounted twice: names repeat, mount paths do not.
        let mounts = """
            containers:
              - name: web
                volumeMounts:
                  - { name: data, mountPath: /data/a, subPath: a }
                  - { name: data, mountPath: /data/b, subPath: %@ }
            """
        let desired = try deployment(mounts.replacingOccurrences(of: "%@", with: "b2"))
        let live = try deployment(mounts.replacingOccurrences(of: "%@", with: "b"))
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=web/volumeMounts/mountPath=~1data~1b/subPath"])
    }

    @Test func unnamedPortsAreMatchedByContainerPort() throws {
        let desired = try deployment("containers:\n  - name: web\n    ports:\n      - containerPort: 8080\n      - containerPort: 9090\n        hostPort: 9090")
        let live = try deployment(
            "containers:\n  - name: web\n    ports:\n      - { containerPort: 9090, protocol: TCP }\n      - { containerPort: 8080, protocol: TCP }")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        // The server's defaulted protocol is no drift; the missing hostPort is, and so is the order.
        #expect(diff.changedPaths.contains("/spec/template/spec/containers/name=web/ports/containerPort=9090/hostPort"))
        #expect(!diff.changedPaths.contains { $0.hasSuffix("/protocol") })
    }

    @Test func reorderedKeyedItemsAreAChangeOfTheList() throws {
        let desired = try deployment("initContainers:\n  - name: migrate\n  - name: warm-cache")
        let live = try deployment("initContainers:\n  - name: warm-cache\n  - name: migrate")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/initContainers"])
    }

    @Test func listsWithoutKeysCompareWhole() throws {
        let desired = try deployment("containers:\n  - name: web\n    args: [--port, '8080', --verbose]")
        let live = try deployment("containers:\n  - name: web\n    args: [--port, '8080']")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=web/args"])
        #expect(diff.changes.first?.new == ["--port", "8080", "--verbose"])
    }

    @Test func unkeyedObjectListsIgnoreDefaultsInsideItems() throws {
        let desired = try deployment("tolerations:\n  - { key: dedicated, operator: Equal, value: shop }")
        let same = try deployment("tolerations:\n  - { key: dedicated, operator: Equal, value: shop, effect: '' }")
        let changed = try deployment("tolerations:\n  - { key: dedicated, operator: Equal, value: other }")
        #expect(Differ.diff(desired: desired, live: same, lastApplied: nil, options: options).action == .unchanged)
        let diff = Differ.diff(desired: desired, live: changed, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/tolerations"])
    }

    @Test func listKeyChoice() {
        let named: [JSONValue] = [["name": "a"], ["name": "b"]]
        let repeated: [JSONValue] = [["name": "a"], ["name": "a"]]
        let ports: [JSONValue] = [["containerPort": 80], ["containerPort": 443]]
        let mounts: [JSONValue] = [["name": "d", "mountPath": "/a"], ["name": "d", "mountPath": "/b"]]
        #expect(ListKeys.keyField(forField: "containers", sides: [named, []]) == "name")
        #expect(ListKeys.keyField(forField: "containers", sides: [repeated]) == nil)
        #expect(ListKeys.keyField(forField: "ports", sides: [ports]) == "containerPort")
        #expect(ListKeys.keyField(forField: "volumeMounts", sides: [mounts]) == "mountPath")
        #expect(ListKeys.keyField(forField: "args", sides: [["a", "b"]]) == nil)
    }
}
