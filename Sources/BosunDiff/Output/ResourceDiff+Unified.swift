import BosunCore

extension ResourceDiff {
    /// A unified diff of the YAML of the object as it runs (normalised live, or last-applied
    /// when there is no live object) against the object as it will be: for an update, live's
    /// fields merged with desired's (so fields the server set do not read as removals); for a
    /// create, desired; for a delete, nothing. Secret values are masked on both sides. Three lines
    /// of context; ANSI colour only when `color` is true. Empty when unchanged.
    public func unified(color: Bool) -> String {
        guard action != .unchanged else { return "" }
        let before = (live ?? lastApplied).map { Differ.normalized($0, options: options) }
        let after: Resource?
        switch action {
        case .create: after = desired.map { Differ.normalized($0, options: options) }
        case .update:
            guard let desired, let live else { return "" }
            let sides = Differ.normalized(desired: desired, live: live, lastApplied: lastApplied, options: options)
            after = Differ.merged(live: sides.live, desired: sides.desired, lastApplied: sides.lastApplied, options: options)
        case .delete, .unchanged: after = nil
        }
        let beforeLabel = live != nil ? "live" : lastApplied != nil ? "last applied" : "absent"
        let afterLabel = after != nil ? "desired" : "deleted"
        // Decrypted values are masked on both sides, wherever desired or last-applied has them.
        let sensitive = (desired?.sensitive ?? SensitiveFields()).union(lastApplied?.sensitive)
        let text = UnifiedDiff.text(
            old: Self.yaml(before, sensitive: sensitive), new: Self.yaml(after, sensitive: sensitive),
            oldLabel: "\(key) (\(beforeLabel))", newLabel: "\(key) (\(afterLabel))", color: color)
        guard let preview, !preview.isEmpty else { return text }
        let plan = sensitive.scrubbed(preview)
        return text + "\(key) (the target's plan):\n" + plan + (plan.hasSuffix("\n") ? "" : "\n")
    }

    static func yaml(_ resource: Resource?, sensitive: SensitiveFields? = nil) -> String {
        guard let resource else { return "" }
        return YAMLWriter.string(SecretMasking.mask(resource, sensitive: sensitive).value)
    }
}
