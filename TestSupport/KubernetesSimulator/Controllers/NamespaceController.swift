import BosunCore
import Synchronization

/// The namespace controller, simulated: a terminating namespace has its contents deleted, then
/// its `kubernetes` finalizer removed (through the finalize subresource), and is gone.
final class NamespaceController: Sendable {
    let context: ControllerContext
    private let terminating = Mutex<Set<String>>([])

    init(context: ControllerContext) { self.context = context }

    func run() async {
        let type = context.api.namespaceType
        await context.follow(type) { event in
            guard event.type != .deleted, let object = event.object, object.metadata["deletionTimestamp"] != nil else { return }
            let name = object.name
            let isNew = self.terminating.withLock { $0.insert(name).inserted }
            guard isNew else { return }
            Task {
                await self.terminate(name, uid: object.uid)
                _ = self.terminating.withLock { $0.remove(name) }
            }
        }
    }

    private func terminate(_ namespace: String, uid: String) async {
        let api = context.api
        while !Task.isCancelled {
            var remaining = 0
            for type in api.registry.all where type.namespaced {
                for object in api.store.list(type.groupResource, namespace: namespace).items {
                    remaining += 1
                    if object.metadata["deletionTimestamp"] == nil {
                        _ = try? api.delete(type, namespace: namespace, name: object.name)
                    }
                }
            }
            if remaining == 0 { break }
            try? await Task.sleep(for: .milliseconds(50))
        }
        context.updateObject(api.namespaceType, namespace: "", name: namespace, subresource: "finalize") { current in
            guard current["metadata"]?["uid"]?.stringValue == uid else { return nil }
            var object = current
            var spec = object["spec"]?.objectValue ?? JSONObject()
            spec["finalizers"] = .array((spec["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != "kubernetes" })
            object["spec"] = .object(spec)
            return object
        }
    }
}
