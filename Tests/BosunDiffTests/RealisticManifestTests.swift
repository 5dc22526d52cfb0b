import BosunCore
import Testing

@testable import BosunDiff

@Suite("Realistic manifests")
struct RealisticManifestTests {
    @Test func diffOfASetWithItselfIsEmpty() throws {
        let resources = try Fixture.resources("realistic.yaml") + [Fixture.resource("deployment-desired.yaml")]
        #expect(resources.count == 16)
        let byKey = Dictionary(uniqueKeysWithValues: resources.map { ($0.key, $0) })
        let diffs = Differ.diff(desired: resources, live: byKey, lastApplied: byKey, options: DiffOptions())
        #expect(diffs.count == resources.count)
        for diff in diffs {
            #expect(diff.action == .unchanged, "\(diff.key): \(diff.changedPaths)")
            #expect(diff.unified(color: false) == "")
        }
        let plan = Plan.make(desired: resources, diffs: diffs, prune: true)
        #expect(plan.isNoop)
    }

    @Test func everyResourceCreatesWhenNothingRuns() throws {
        let resources = try Fixture.resources("realistic.yaml")
        let diffs = Differ.diff(desired: resources, live: [:], lastApplied: [:], options: DiffOptions())
        #expect(diffs.allSatisfy { $0.action == .create })
        for diff in diffs {
            let text = diff.unified(color: false)
            // Every line of the object is added, and the Secret's values are not among them.
            #expect(text.contains("+kind: \(diff.key.kind)"))
            #expect(!text.contains("s3cr3t") && !text.contains("czNjcjN0"))
        }
    }
}
