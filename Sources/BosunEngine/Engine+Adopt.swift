import BosunCore
import BosunDiff
import BosunStore
import Foundation

extension Engine {
    /// A sync cut off (SIGKILL, power loss) between a target's apply and the store's record
    /// leaves the object right and its inventory entry behind. The next sync sees no change to
    /// make, so it records the desired body as last-applied for every unchanged resource whose
    /// entry is stale or missing: the inventory again says what exists, without applying twice.
    func adoptApplied(_ name: String, desired: DesiredState, observation: Observation) async throws {
        let unchanged = Set(observation.diffs.filter { $0.action == .unchanged }.map(\.key))
        guard !unchanged.isEmpty else { return }
        let inventory = try await store.inventory(app: name)
        for resource in desired.resources where unchanged.contains(resource.key) && observation.live[resource.key] != nil {
            let kept = try await forInventory(resource)
            if let entry = inventory[resource.key], entry.lastApplied.value == kept.value { continue }
            try await store.setInventory(app: name, resource: kept, revision: desired.commit.sha, at: clock.now)
        }
    }
}
