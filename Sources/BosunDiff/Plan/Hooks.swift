import BosunCore
import Foundation

/// When a hook resource runs: before, during or after the sync, or when it fails.
public enum HookPhase: String, Sendable, Codable, CaseIterable {
    case preSync = "PreSync", sync = "Sync", postSync = "PostSync", syncFail = "SyncFail"
}

/// When a hook resource is deleted.
public enum HookDeletePolicy: String, Sendable, Codable, CaseIterable {
    /// Delete the previous run's object before creating it again (the default).
    case beforeHookCreation = "BeforeHookCreation"
    /// Delete it once it succeeded.
    case hookSucceeded = "HookSucceeded"
    /// Delete it once it failed.
    case hookFailed = "HookFailed"
}

/// Splits hook resources (by annotation) from kept resources.
///
/// A resource is a hook when it carries `bosun.dev/hook` (else `argocd.argoproj.io/hook`), a
/// comma-separated list of phases as Argo CD allows. Hooks are run by phase and are not part of
/// the kept inventory. `Skip` (or a list naming no known phase) makes a hook of no phase: it is
/// never applied.
public enum Hooks {
    /// The phases a hook runs in, in the order written; nil when the resource is not a hook.
    public static func phases(of r: Resource) -> [HookPhase]? {
        guard let text = r.annotation(Annotations.hook, or: Annotations.argoHook) else { return nil }
        var phases: [HookPhase] = []
        for word in words(text) {
            guard let phase = HookPhase.allCases.first(where: { $0.rawValue.lowercased() == word.lowercased() }) else {
                continue  // `Skip`, or a phase this version does not run
            }
            if !phases.contains(phase) { phases.append(phase) }
        }
        return phases
    }

    /// Whether the resource is a hook (of any phase, or none).
    public static func isHook(_ r: Resource) -> Bool { phases(of: r) != nil }

    /// The delete policies of a hook; `BeforeHookCreation` when none is set.
    public static func deletePolicies(of r: Resource) -> [HookDeletePolicy] {
        guard let text = r.annotation(Annotations.hookDeletePolicy, or: Annotations.argoHookDeletePolicy) else {
            return [.beforeHookCreation]
        }
        var policies: [HookDeletePolicy] = []
        for word in words(text) {
            guard let policy = HookDeletePolicy.allCases.first(where: { $0.rawValue.lowercased() == word.lowercased() })
            else { continue }
            if !policies.contains(policy) { policies.append(policy) }
        }
        return policies.isEmpty ? [.beforeHookCreation] : policies
    }

    static func words(_ text: String) -> [String] {
        text.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
