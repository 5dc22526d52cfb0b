import BosunCore
import Testing

@testable import BosunDiff

@Suite("ignoreDifferences and JSON pointers")
struct IgnoreDifferencesTests {
    func deployment(replicas: Int, annotation: String, image: String) throws -> Resource {
        try Fixture.yaml(
            """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
              annotations:
                example.com/owner~team: "\(annotation)"
            spec:
              replicas: \(replicas)
              template:
                spec:
                  containers:
                    - name: web
                      image: \(image)
            """)
    }

    @Test func ignoredPointersAreNotCompared() throws {
        let desired = try deployment(replicas: 3, annotation: "a", image: "web:1")
        let live = try deployment(replicas: 7, annotation: "b", image: "web:1")
        #expect(Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions()).changedPaths == [
            "/metadata/annotations/example.com~1owner~0team", "/spec/replicas",
        ])
        let rule = IgnoreDifference(
            group: "apps", kind: "Deployment", jsonPointers: ["/spec/replicas", "/metadata/annotations/example.com~1owner~0team"])
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions(ignoreDifferences: [rule]))
        #expect(diff.action == .unchanged)
        #expect(diff.unified(color: false) == "")
    }

    @Test func otherFieldsStillCount() throws {
        let desired = try deployment(replicas: 3, annotation: "a", image: "web:2")
        let live = try deployment(replicas: 7, annotation: "a", image: "web:1")
        let rule = IgnoreDifference(kind: "Deployment", jsonPointers: ["/spec/replicas"])
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions(ignoreDifferences: [rule]))
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=web/image"])
        #expect(!diff.unified(color: false).contains("replicas"))
    }

    @Test func rulesMatchGroupKindNameAndNamespace() throws {
        let desired = try deployment(replicas: 3, annotation: "a", image: "web:1")
        let live = try deployment(replicas: 7, annotation: "a", image: "web:1")
        let notMatching = [
            IgnoreDifference(group: "", kind: "Deployment", jsonPointers: ["/spec/replicas"]),
            IgnoreDifference(kind: "StatefulSet", jsonPointers: ["/spec/replicas"]),
            IgnoreDifference(kind: "Deployment", name: "api", jsonPointers: ["/spec/replicas"]),
            IgnoreDifference(kind: "Deployment", namespace: "other", jsonPointers: ["/spec/replicas"]),
        ]
        for rule in notMatching {
            let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions(ignoreDifferences: [rule]))
            #expect(diff.action == .update, "\(rule) should not match apps/Deployment/shop/web")
        }
        let matching = IgnoreDifference(kind: "Deployment", name: "web", namespace: "shop", jsonPointers: ["/spec/replicas"])
        #expect(Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions(ignoreDifferences: [matching])).action == .unchanged)
    }

    @Test func pointersIntoListsByIndexAndByKey() throws {
        let desired = try deployment(replicas: 3, annotation: "a", image: "web:2")
        let live = try deployment(replicas: 3, annotation: "a", image: "web:1")
        for pointer in ["/spec/template/spec/containers/0/image", "/spec/template/spec/containers/name=web/image"] {
            let rule = IgnoreDifference(kind: "Deployment", jsonPointers: [pointer])
            let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions(ignoreDifferences: [rule]))
            #expect(diff.action == .unchanged, "\(pointer)")
        }
    }

    @Test func pointerEscapesFollowRFC6901() throws {
        #expect(try JSONPointer("/a~1b/c~0d/~01").tokens == ["a/b", "c~d", "~1"])
        #expect(try JSONPointer("").tokens == [])
        #expect(try JSONPointer("/").tokens == [""])
        #expect(JSONPointer.escape("a/b~c") == "a~1b~0c")
        #expect(JSONPointer(tokens: ["a/b", "~"]).description == "/a~1b/~0")
        let document: JSONValue = ["a/b": ["c~d": 1], "": 2, "list": [10, 20]]
        #expect(try JSONPointer("/a~1b/c~0d").value(in: document) == 1)
        #expect(try JSONPointer("/").value(in: document) == 2)
        #expect(try JSONPointer("/list/1").value(in: document) == 20)
        #expect(try JSONPointer("/list/2").value(in: document) == nil)
        #expect(try JSONPointer("/list/-1").value(in: document) == nil)
    }

    @Test func invalidPointersSayWhatToWrite() {
        #expect(throws: JSONPointerError.self) { try JSONPointer("spec/replicas") }
        #expect(throws: JSONPointerError.self) { try JSONPointer("/a~2b") }
        do {
            _ = try JSONPointer("spec/replicas")
        } catch {
            #expect(error.description.contains("starts with \"/\""))
        }
    }

    @Test func settingAndRemovingThroughPointers() throws {
        var document: JSONValue = ["spec": ["containers": [["name": "web", "image": "web:1"]]]]
        document = try #require(try JSONPointer("/spec/containers/name=web/image").setting("web:2", in: document))
        document = try #require(try JSONPointer("/spec/containers/name=sidecar/image").setting("proxy:1", in: document))
        document = try #require(try JSONPointer("/metadata/labels/app").setting("web", in: document))
        #expect(document == ["spec": ["containers": [["name": "web", "image": "web:2"], ["name": "sidecar", "image": "proxy:1"]]], "metadata": ["labels": ["app": "web"]]])
        document = try JSONPointer("/spec/containers/name=web").removing(from: document)
        document = try JSONPointer("/metadata/labels/missing").removing(from: document)
        #expect(document == ["spec": ["containers": [["name": "sidecar", "image": "proxy:1"]]], "metadata": ["labels": ["app": "web"]]])
        let intoScalar = try JSONPointer("/spec/containers/0/image/deeper").setting(1, in: document)
        #expect(intoScalar == Optional<JSONValue>.none, "\(String(describing: intoScalar))")
    }

    @Test func fieldPathsRenderAsPointers() {
        let path = FieldPath([.key("spec"), .item(field: "mountPath", value: "/data"), .key("a~b"), .index(2)])
        #expect(path.pointer == "/spec/mountPath=~1data/a~0b/2")
        #expect(JSONPointer(path).tokens == ["spec", "mountPath=/data", "a~b", "2"])
    }
}
