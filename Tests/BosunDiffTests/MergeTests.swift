import BosunCore
import Testing

@testable import BosunDiff

@Suite("Merged object")
struct MergeTests {
    typealias Mutation = @Sendable (inout JSONValue) throws -> Void

    static func set(_ pointer: String, _ value: JSONValue) -> Mutation {
        { document in document = try #require(JSONPointer(pointer).setting(value, in: document)) }
    }

    static func remove(_ pointer: String) -> Mutation {
        { document in document = try JSONPointer(pointer).removing(from: document) }
    }

    /// Edits Git might make to the Deployment fixture.
    static let gitEdits: [Mutation] = [
        set("/spec/template/spec/containers/name=web/image", "ghcr.io/acme/web:1.5.0"),
        set("/spec/replicas", 5),
        set("/spec/template/spec/containers/name=web/env/name=FEATURE_X", ["name": "FEATURE_X", "value": "on"]),
        remove("/spec/template/spec/containers/name=log-shipper"),
        set("/metadata/labels/tier", "frontend"),
        remove("/metadata/labels/app.kubernetes.io~1part-of"),
        set("/spec/template/spec/containers/name=web/resources/requests/memory", "2Gi"),
        set("/spec/template/spec/containers/name=metrics", ["name": "metrics", "image": "exporter:0.9"]),
        set("/spec/template/spec/volumes/name=cache/emptyDir/sizeLimit", "1Gi"),
        set("/spec/template/spec/containers/name=web/args", ["--listen", ":9090"]),
        { document in
            // Swap the two containers.
            guard case .array(let containers)? = try JSONPointer("/spec/template/spec/containers").value(in: document) else { return }
            document = try #require(JSONPointer("/spec/template/spec/containers").setting(.array(containers.reversed()), in: document))
        },
    ]

    /// Edits made to the live object by hand or by controllers.
    static let liveEdits: [Mutation] = [
        set("/spec/replicas", 10),
        set("/metadata/annotations/example.com~1scraped", "true"),
        set("/spec/template/spec/containers/name=web/image", "ghcr.io/acme/web:hotfix"),
        remove("/spec/template/spec/containers/name=log-shipper/env"),
    ]

    /// Applies the reported changes to live, as a sync would.
    func apply(_ changes: [FieldChange], to live: Resource) throws -> Resource {
        var document = live.value
        for change in changes {
            let pointer = JSONPointer(change.path)
            if let value = change.new {
                document = try #require(pointer.setting(value, in: document), "cannot set \(change.path)")
            } else {
                document = pointer.removing(from: document)
            }
        }
        return try #require(Resource(document))
    }

    @Test(arguments: 0..<40) func applyingReportedChangesToLiveYieldsDesired(seed: Int) throws {
        var random = SeededRandom(seed: UInt64(seed) &* 7919)
        let lastApplied = try Fixture.resource("deployment-desired.yaml")
        var desiredValue = lastApplied.value
        for _ in 0...random.next(upperBound: 3) {
            try Self.gitEdits[random.next(upperBound: Self.gitEdits.count)](&desiredValue)
        }
        var liveValue = try Fixture.resource("deployment-live.yaml").value
        if random.next(upperBound: 2) == 0 {
            try Self.liveEdits[random.next(upperBound: Self.liveEdits.count)](&liveValue)
        }
        let desired = try #require(Resource(desiredValue))
        let live = try #require(Resource(liveValue))

        let diff = Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: DiffOptions())
        let patched = try apply(diff.changes, to: live)
        let afterSync = Differ.diff(desired: desired, live: patched, lastApplied: lastApplied, options: DiffOptions())
        #expect(afterSync.changedPaths == [], "seed \(seed): still differs after applying \(diff.changedPaths)")

        // The merged object holds every field desired manages (a two-way diff finds nothing) ...
        let merged = Differ.merged(live: live, desired: desired, lastApplied: lastApplied)
        #expect(Differ.diff(desired: desired, live: merged, lastApplied: nil, options: DiffOptions()).changedPaths == [])
        #expect(Differ.diff(desired: desired, live: merged, lastApplied: lastApplied, options: DiffOptions()).changedPaths == [])
        // ... keeps what the server set ...
        #expect(merged["status"] == live["status"])
        #expect(merged.metadata["uid"] == live.metadata["uid"])
        // ... and the unified text is empty exactly when nothing changed.
        #expect(diff.unified(color: false).isEmpty == (diff.action == .unchanged))
    }

    @Test func mergedKeepsLiveSpellingOfEquivalentValues() throws {
        let desired = try Fixture.resource("deployment-desired.yaml")
        let live = try Fixture.resource("deployment-live.yaml")
        let merged = Differ.merged(live: live, desired: desired)
        #expect(try JSONPointer("/spec/template/spec/containers/name=web/resources/requests/cpu").value(in: merged.value) == "500m")
        #expect(merged == live)
    }

    @Test func mergedDropsFieldsGitRemovedAndKeepsInjectedItemsInPlace() throws {
        let lastApplied = try Fixture.resource("deployment-desired.yaml")
        var desiredValue = lastApplied.value
        try Self.remove("/spec/template/spec/containers/name=log-shipper")(&desiredValue)
        try Self.set("/spec/template/spec/containers/name=metrics", ["name": "metrics", "image": "exporter:0.9"])(&desiredValue)
        let desired = try #require(Resource(desiredValue))
        let live = try Fixture.resource("deployment-live.yaml")
        let merged = Differ.merged(live: live, desired: desired, lastApplied: lastApplied)
        let names = merged["spec", "template", "spec", "containers"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(names == ["web", "istio-proxy", "metrics"])
    }
}
