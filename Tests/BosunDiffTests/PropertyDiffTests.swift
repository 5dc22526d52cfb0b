import BosunCore
import Foundation
import PropertyBased
import Testing

@testable import BosunDiff

/// Properties of the diff engine over random manifests (see `ManifestGen`): what a user relies
/// on when Bosun says "in sync" or shows a diff. A failure prints the scenario and the seed to
/// replay it with `.fixedSeed(...)`.
@Suite("Diff properties")
struct PropertyDiffTests {
    /// Applies reported changes to live, as a sync would: a keyed item that is added goes where
    /// desired has it (after the item it follows there), as the API server's merge puts it.
    static func apply(_ changes: [FieldChange], to live: Resource, desired: Resource) -> Resource? {
        var document = live.value
        for change in changes {
            let pointer = JSONPointer(change.path)
            if change.kind == .added, let inserted = insertKeyedItem(change, desired: desired, into: document) {
                document = inserted
            } else if let value = change.new {
                guard let updated = pointer.setting(value, in: document) else { return nil }
                document = updated
            } else {
                document = pointer.removing(from: document)
            }
        }
        return Resource(document)
    }

    /// The added item of a keyed list, placed after the item that precedes it in desired.
    static func insertKeyedItem(_ change: FieldChange, desired: Resource, into document: JSONValue) -> JSONValue? {
        guard case .item(let field, let value)? = change.path.segments.last, let new = change.new else { return nil }
        let parent = JSONPointer(FieldPath(Array(change.path.segments.dropLast())))
        guard case .array(var items)? = parent.value(in: document), case .array(let wanted)? = parent.value(in: desired.value) else {
            return nil
        }
        func key(_ item: JSONValue) -> String? { item[field].flatMap { $0.intValue.map(String.init) ?? $0.stringValue } }
        guard let index = wanted.firstIndex(where: { key($0) == value }) else { return nil }
        var position = 0
        for earlier in wanted[..<index].reversed() {
            if let earlierKey = key(earlier), let at = items.firstIndex(where: { key($0) == earlierKey }) {
                position = at + 1
                break
            }
        }
        items.insert(new, at: position)
        return parent.setting(.array(items), in: document)
    }

    @Test("an object compared with itself has no diff, with or without last-applied and server fields")
    func diffOfItselfIsEmpty() async {
        await propertyCheck(count: 300, input: DiffScenario.generator) { scenario in
            for object in [scenario.desired, scenario.live] {
                for lastApplied in [nil, object, scenario.lastApplied] {
                    let diff = Differ.diff(desired: object, live: object, lastApplied: lastApplied, options: DiffOptions())
                    #expect(diff.action == .unchanged, "\(diff.changedPaths) in \(object.value.jsonString())")
                    #expect(diff.unified(color: false).isEmpty)
                }
            }
        }
    }

    @Test("applying the reported changes to live yields desired on every field desired manages")
    func applyingChangesConverges() async {
        await propertyCheck(count: 400, input: DiffScenario.generator) { scenario in
            let diff = Differ.diff(desired: scenario.desired, live: scenario.live, lastApplied: scenario.lastApplied, options: DiffOptions())
            guard let patched = Self.apply(diff.changes, to: scenario.live, desired: scenario.desired) else {
                Issue.record("a reported change cannot be applied: \(diff.changedPaths)\n\(scenario)")
                return
            }
            let after = Differ.diff(desired: scenario.desired, live: patched, lastApplied: scenario.lastApplied, options: DiffOptions())
            #expect(after.changedPaths == [], "still differs after applying \(diff.changedPaths)\n\(scenario)")
            // Two-way too: every field desired sets now holds desired's value.
            let twoWay = Differ.diff(desired: scenario.desired, live: patched, lastApplied: nil, options: DiffOptions())
            #expect(twoWay.changedPaths == [], "a managed field differs after the sync\n\(scenario)")
            // The server's own fields are never touched by a sync.
            #expect(patched["status"] == scenario.live["status"])
            #expect(patched.metadata["uid"] == scenario.live.metadata["uid"])
            // "In sync" and "no diff text" agree.
            #expect(diff.unified(color: false).isEmpty == (diff.action == .unchanged), "\(scenario)")
        }
    }

    @Test("the merged object a diff shows is what applying the changes gives, on managed fields")
    func mergedObjectAgreesWithChanges() async {
        await propertyCheck(count: 300, input: DiffScenario.generator) { scenario in
            let merged = Differ.merged(live: scenario.live, desired: scenario.desired, lastApplied: scenario.lastApplied)
            let after = Differ.diff(desired: scenario.desired, live: merged, lastApplied: scenario.lastApplied, options: DiffOptions())
            #expect(after.changedPaths == [], "\(scenario)")
            #expect(merged["status"] == scenario.live["status"])
        }
    }

    @Test("a diff is the same however often it is computed")
    func diffIsDeterministic() async {
        await propertyCheck(count: 100, input: DiffScenario.generator) { scenario in
            let a = Differ.diff(desired: scenario.desired, live: scenario.live, lastApplied: scenario.lastApplied, options: DiffOptions())
            let b = Differ.diff(desired: scenario.desired, live: scenario.live, lastApplied: scenario.lastApplied, options: DiffOptions())
            #expect(a.changedPaths == b.changedPaths && a.action == b.action)
            #expect(a.unified(color: false) == b.unified(color: false))
        }
    }

    @Test("masking never reveals a Secret value, in clear or base64, in any output of a diff")
    func maskingNeverRevealsSecretValues() async throws {
        await propertyCheck(count: 400, input: SecretScenario.generator) { scenario in
            let options = DiffOptions()
            let diffs = [
                Differ.diff(desired: scenario.desired, live: scenario.live, lastApplied: scenario.lastApplied, options: options),
                Differ.diff(desired: scenario.desired, live: nil, lastApplied: nil, options: options),
                Differ.diff(desired: nil, live: scenario.live, lastApplied: scenario.lastApplied, options: options),
            ]
            var outputs: [String] = []
            for diff in diffs {
                outputs.append(diff.unified(color: false))
                outputs.append(diff.unified(color: true))
                outputs.append(String(decoding: (try? JSONEncoder().encode(diff)) ?? Data(), as: UTF8.self))
                for change in diff.changes {
                    outputs.append("\(change) \(change.old?.jsonString() ?? "") \(change.new?.jsonString() ?? "")")
                }
            }
            for side in [scenario.desired, scenario.live] + (scenario.lastApplied.map { [$0] } ?? []) {
                outputs.append(YAMLWriter.string(SecretMasking.mask(side).value))
            }
            let plan = Plan.make(desired: [scenario.desired], diffs: diffs, prune: true)
            outputs.append(plan.description)
            let text = outputs.joined(separator: "\n")
            for value in scenario.values {
                for form in [value, Data(value.utf8).base64EncodedString()] {
                    #expect(!text.contains(form), "the value \(value) shows (as \(form)) in:\n\(text)\n\(scenario)")
                }
            }
        }
    }
}
