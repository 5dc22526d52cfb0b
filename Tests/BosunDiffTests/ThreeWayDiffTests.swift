import BosunCore
import Testing

@testable import BosunDiff

@Suite("Three-way diff")
struct ThreeWayDiffTests {
    let options = DiffOptions()

    func configMap(_ data: String, extra: String = "") throws -> Resource {
        try Fixture.yaml(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              namespace: shop
            \(extra)
            data:
            \(data)
            """)
    }

    @Test func identicalResourcesAreUnchanged() throws {
        let resource = try configMap("  a: one\n  b: two")
        let diff = Differ.diff(desired: resource, live: resource, lastApplied: resource, options: options)
        #expect(diff.action == .unchanged)
        #expect(diff.changedPaths.isEmpty)
        #expect(diff.key.description == "/ConfigMap/shop/settings")
    }

    @Test func changedFieldIsAnUpdate() throws {
        let desired = try configMap("  a: one\n  b: three")
        let live = try configMap("  a: one\n  b: two")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.action == .update)
        #expect(diff.changedPaths == ["/data/b"])
        #expect(diff.changes.first?.kind == .changed)
        #expect(diff.changes.first?.old == "two")
        #expect(diff.changes.first?.new == "three")
    }

    @Test func fieldDesiredAddsIsAnAddition() throws {
        let desired = try configMap("  a: one\n  c: new")
        let live = try configMap("  a: one")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changes.map(\.kind) == [.added])
        #expect(diff.changedPaths == ["/data/c"])
    }

    @Test func fieldOnlyLiveHasIsNotDrift() throws {
        let desired = try configMap("  a: one")
        let live = try configMap("  a: one\n  injected: by-controller")
        let lastApplied = desired
        #expect(Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: options).action == .unchanged)
        #expect(Differ.diff(desired: desired, live: live, lastApplied: nil, options: options).action == .unchanged)
    }

    @Test func fieldGitRemovedIsARemoval() throws {
        let desired = try configMap("  a: one")
        let live = try configMap("  a: one\n  b: two")
        let lastApplied = try configMap("  a: one\n  b: two")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: options)
        #expect(diff.action == .update)
        #expect(diff.changes.map(\.kind) == [.removed])
        #expect(diff.changedPaths == ["/data/b"])
        #expect(diff.changes.first?.old == "two")
        #expect(diff.changes.first?.new == nil)
    }

    @Test func nestedRemovalIsFoundInsideObjects() throws {
        let desired = try configMap("  a: one", extra: "  labels:\n    team: shop")
        let live = try configMap("  a: one", extra: "  labels:\n    team: shop\n    tier: web\n    added-by: policy")
        let lastApplied = try configMap("  a: one", extra: "  labels:\n    team: shop\n    tier: web")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: options)
        #expect(diff.changedPaths == ["/metadata/labels/tier"])
    }

    @Test func typeChangeIsAChange() throws {
        let desired = try configMap("  a: one", extra: "  labels:\n    team: shop")
        var live = desired
        live.body["data"] = ["a": ["nested": "object"]]
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/data/a"])
    }

    @Test func createDeleteAndGoneObjects() throws {
        let resource = try configMap("  a: one")
        #expect(Differ.diff(desired: resource, live: nil, lastApplied: nil, options: options).action == .create)
        // Deleted out of band but still in Git: create it again.
        #expect(Differ.diff(desired: resource, live: nil, lastApplied: resource, options: options).action == .create)
        #expect(Differ.diff(desired: nil, live: resource, lastApplied: nil, options: options).action == .delete)
        #expect(Differ.diff(desired: nil, live: nil, lastApplied: resource, options: options).action == .delete)
        #expect(Differ.diff(desired: nil, live: resource, lastApplied: nil, options: options).key == resource.key)
    }

    @Test func setLevelDiffCoversEveryKeySorted() throws {
        let kept = try configMap("  a: one")
        var changed = try configMap("  a: one")
        changed.body["metadata"]?["name"] = "changed"
        var changedLive = changed
        changedLive.body["data"] = ["a": "two"]
        var created = kept
        created.body["metadata"]?["name"] = "created"
        var orphan = kept
        orphan.body["metadata"]?["name"] = "orphan"
        var gone = kept
        gone.body["metadata"]?["name"] = "gone"

        let diffs = Differ.diff(
            desired: [kept, created, changed],
            live: [kept.key: kept, changed.key: changedLive, orphan.key: orphan],
            lastApplied: [gone.key: gone, kept.key: kept],
            options: options)
        #expect(diffs.map(\.key.name) == ["changed", "created", "gone", "orphan", "settings"])
        #expect(diffs.map(\.action) == [.update, .create, .delete, .delete, .unchanged])
    }

    @Test func serverReturnedDeploymentIsNotDrift() throws {
        let desired = try Fixture.resource("deployment-desired.yaml")
        let live = try Fixture.resource("deployment-live.yaml")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: desired, options: options)
        #expect(diff.changedPaths == [])
        #expect(diff.action == .unchanged)
        #expect(diff.unified(color: false) == "")
    }

    @Test func imageBumpInServerReturnedDeploymentIsTheOnlyChange() throws {
        var desired = try Fixture.resource("deployment-desired.yaml")
        let live = try Fixture.resource("deployment-live.yaml")
        desired = try desired.setting("/spec/template/spec/containers/name=web/image", "ghcr.io/acme/web:1.5.0")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        #expect(diff.changedPaths == ["/spec/template/spec/containers/name=web/image"])
        #expect(diff.changes.first?.old == "ghcr.io/acme/web:1.4.0")
    }

    @Test func encodesKeyActionAndChangedPaths() throws {
        let desired = try configMap("  a: one\n  b: three")
        let live = try configMap("  a: one\n  b: two")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: options)
        let json = try JSONParser.parse(String(decoding: JSONEncoderForTests.encode(diff), as: UTF8.self))
        #expect(json["key"] == "/ConfigMap/shop/settings")
        #expect(json["action"] == "update")
        #expect(json["changedPaths"] == ["/data/b"])
        #expect(json.objectValue?.keys.sorted() == ["action", "changedPaths", "key"])
    }
}
