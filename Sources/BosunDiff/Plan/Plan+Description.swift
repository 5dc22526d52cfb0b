import BosunCore
import Foundation

extension Plan: CustomStringConvertible {
    /// The plan as people read it: a summary line, then hooks by phase, waves with their steps,
    /// prunes and kept resources, e.g.
    ///
    ///     Plan: 1 to create, 1 to update, 2 unchanged, 1 to prune, 1 kept, 1 hook
    ///     PreSync hooks:
    ///       wave 0  batch/Job/shop/migrate  (delete: BeforeHookCreation)
    ///     Wave 0:
    ///       create     /ConfigMap/shop/settings
    ///       update     apps/Deployment/shop/web
    ///     Prune (reverse order):
    ///       delete     /ConfigMap/shop/old
    ///     Kept (prune disabled):
    ///       /PersistentVolumeClaim/shop/data
    public var description: String {
        let all = steps
        let count = { (action: ChangeAction) in all.filter { $0.action == action }.count }
        var summary = [
            "\(count(.create)) to create", "\(count(.update)) to update", "\(count(.unchanged)) unchanged",
            "\(prunes.count) to prune",
        ]
        if !keptFromPrune.isEmpty { summary.append("\(keptFromPrune.count) kept") }
        if !hooks.isEmpty { summary.append("\(hooks.count) hook\(hooks.count == 1 ? "" : "s")") }
        var lines = ["Plan: " + summary.joined(separator: ", ") + (isNoop ? " (nothing to do)" : "")]

        func hookLines(_ phase: HookPhase) {
            let phaseHooks = hooks(phase)
            guard !phaseHooks.isEmpty else { return }
            lines.append("\(phase.rawValue) hooks:")
            for hook in phaseHooks {
                let policies = hook.deletePolicies.map(\.rawValue).joined(separator: ",")
                lines.append("  wave \(hook.wave)  \(hook.key)  (delete: \(policies))")
            }
        }
        func stepLine(_ step: Step) -> String {
            "  " + step.action.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0) + " \(step.key)"
        }

        hookLines(.preSync)
        for wave in waves {
            lines.append("Wave \(wave.number):")
            lines += wave.steps.map(stepLine)
        }
        hookLines(.sync)
        if !prunes.isEmpty {
            lines.append("Prune (reverse order):")
            lines += prunes.map(stepLine)
        }
        if !keptFromPrune.isEmpty {
            lines.append("Kept (prune disabled):")
            lines += keptFromPrune.map { "  \($0)" }
        }
        hookLines(.postSync)
        hookLines(.syncFail)
        return lines.joined(separator: "\n") + "\n"
    }
}
