import BosunCore

/// The apiextensions controllers (part of the API server, so they run even with
/// `--no-controllers`): a new CustomResourceDefinition gets NamesAccepted and Established, and
/// its kind is served from then on; a deleted one has its instances removed, then goes.
struct CustomResourceDefinitionController: Sendable {
    let context: ControllerContext

    var type: ResourceType { context.type("apiextensions.k8s.io", "CustomResourceDefinition") }

    func run() async {
        let type = self.type
        await context.follow(type) { event in
            guard let object = event.object?.object else { return }
            if event.type == .deleted {
                if let served = CustomResourceDefinitions.resourceType(from: object) { unserve(served.groupResource) }
                return
            }
            let name = object["metadata"]?["name"]?.stringValue ?? ""
            if object["metadata"]?["deletionTimestamp"] != nil {
                cleanUp(object, name: name)
                return
            }
            guard let served = CustomResourceDefinitions.resourceType(from: object) else { return }
            context.api.registry.register(served)
            guard !Conditions.isTrue(object, "Established") || object["status"]?["acceptedNames"]?["plural"]?.stringValue != served.plural else {
                return
            }
            context.updateStatus(type, namespace: "", name: name) { current in
                let now = Timestamp.now()
                var status = current["status"]?.objectValue ?? JSONObject()
                var conditions = status["conditions"]?.arrayValue ?? []
                conditions = Conditions.set(conditions, type: "NamesAccepted", status: "True", reason: "NoConflicts", message: "no conflicts found", now: now)
                conditions = Conditions.set(
                    conditions, type: "Established", status: "True", reason: "InitialNamesAccepted",
                    message: "the initial names have been accepted", now: now)
                status["conditions"] = .array(conditions)
                var accepted = current["spec"]?["names"]?.objectValue ?? JSONObject()
                accepted["singular"] = accepted["singular"] ?? .string(served.singular)
                accepted["listKind"] = accepted["listKind"] ?? .string(served.listKind)
                status["acceptedNames"] = .object(accepted)
                var stored = (status["storedVersions"]?.arrayValue ?? [])
                if !stored.contains(.string(served.version)) { stored.append(.string(served.version)) }
                status["storedVersions"] = .array(stored)
                return status
            }
        }
    }

    /// A terminating CRD: its instances are deleted, its kind is no longer served, its cleanup
    /// finalizer goes (and with it the CRD).
    private func cleanUp(_ crd: JSONObject, name: String) {
        let api = context.api
        let finalizers = (crd["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard finalizers.contains(CustomResourceDefinitions.cleanupFinalizer) else { return }
        if let served = CustomResourceDefinitions.resourceType(from: crd), let type = api.registry.type(served.groupResource) {
            for object in api.store.list(type.groupResource).items {
                _ = try? api.delete(type, namespace: object.namespace, name: object.name)
            }
            unserve(type.groupResource)
        }
        context.updateObject(self.type, namespace: "", name: name) { current in
            var object = current
            var metadata = object["metadata"]?.objectValue ?? JSONObject()
            let rest = (metadata["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != CustomResourceDefinitions.cleanupFinalizer }
            metadata["finalizers"] = rest.isEmpty ? JSONValue?.none : .array(rest)
            object["metadata"] = .object(metadata)
            return object
        }
    }

    private func unserve(_ resource: GroupResource) {
        context.api.registry.unregister(resource)
        context.api.store.removeAll(resource)
    }
}
