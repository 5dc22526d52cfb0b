import BosunCore
import BosunDiff

extension Engine {
    /// BeforeHookCreation for a hook under `metadata.generateName`: the objects earlier runs
    /// created (same kind and prefix, labelled for this application, still hooks) go first.
    func deleteEarlierRuns(of hook: Resource, target: any DeploymentTarget, ctx: AppContext) async throws {
        let prefix = hook.metadata["generateName"]?.stringValue ?? ""
        let live = try await target.live(keys: [hook.key], context: ctx)
        for (key, object) in live.sorted(by: { $0.key < $1.key })
        where key.kind == hook.kind && key.group == hook.group && key != hook.key
            && object.metadata["generateName"]?.stringValue == prefix && Hooks.phases(of: object) != nil
            && object.label(Annotations.appLabel) == ctx.app
        {
            try await target.delete(key, context: ctx)
        }
    }
}
