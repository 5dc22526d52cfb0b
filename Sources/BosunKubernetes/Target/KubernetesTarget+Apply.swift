import BosunCore

extension KubernetesTarget {
    /// Server-side apply as field manager `bosun` (with `force` from the context); the
    /// namespace is created first when the application asks for it and it is missing.
    public func apply(_ resource: Resource, context: AppContext, dryRun: Bool) async throws -> Resource {
        let served = try await servedResource(for: resource)
        if context.createNamespace, served.namespaced, !resource.namespace.isEmpty {
            let exists = try await ensureNamespace(resource.namespace, context: context, dryRun: dryRun)
            // A dry run cannot ask the server about an object in a namespace that does not exist yet.
            if !exists { return resource }
        }
        // A hook under generateName: the server names it on creation (apply needs a name).
        if resource.hasGeneratedName {
            if dryRun { return resource }
            guard let created = try await client.create(resource, as: served) else {
                throw TargetError(.conflict, "the server generated a name that is taken; the next sync tries again", key: resource.key)
            }
            await cache.record(created)
            return created
        }
        guard !dryRun else { return try await submit(resource, as: served, context: context, dryRun: true) }
        await cache.beginApply(resource.key)
        let answer: Resource
        do {
            answer = try await submit(resource, as: served, context: context, dryRun: false)
        } catch {
            await cache.endApply(resource.key)
            throw error
        }
        if let defined = CustomResourceDefinitions.definedKind(resource) {
            pendingKinds.withLock { _ = $0.insert(defined) }
            await client.discovery.invalidate(group: resource.string("spec", "group") ?? "")
        }
        await cache.record(answer)
        await cache.endApply(resource.key)
        return answer
    }

    /// The apply request itself, making the namespace again if it vanished since it was checked.
    private func submit(_ resource: Resource, as served: APIResource, context: AppContext, dryRun: Bool) async throws -> Resource {
        do {
            return try await applyTakingBackEdits(resource, as: served, context: context, dryRun: dryRun)
        } catch let error as TargetError where error.code == .notFound && context.createNamespace && served.namespaced {
            knownNamespaces.withLock { _ = $0.remove(resource.namespace) }
            guard try await ensureNamespace(resource.namespace, context: context, dryRun: dryRun) else { return resource }
            return try await applyTakingBackEdits(resource, as: served, context: context, dryRun: dryRun)
        }
    }

    /// Server-side apply; a conflict only with managers that *updated* the object (`kubectl edit`,
    /// `scale`, `patch`, `label`: the drift self-heal exists to undo) is resolved by applying
    /// again with force. A conflict with another *applier* (another tool declaring the same
    /// field) stays an error unless the application sets `force`.
    private func applyTakingBackEdits(_ resource: Resource, as served: APIResource, context: AppContext, dryRun: Bool) async throws -> Resource {
        do {
            return try await client.apply(resource, as: served, force: context.force, dryRun: dryRun)
        } catch let error as TargetError where error.code == .conflict && !context.force {
            let live = try await client.get(served, namespace: served.namespaced ? resource.namespace : nil, name: resource.name)
            let otherAppliers = (live?.value["metadata"]?["managedFields"]?.arrayValue ?? []).filter {
                $0["operation"]?.stringValue == "Apply" && $0["manager"]?.stringValue != client.options.fieldManager
            }
            guard live != nil, otherAppliers.isEmpty else { throw error }
            logger.info("taking back fields edited outside Git", metadata: ["object": "\(resource.key.shortDescription)", "conflict": "\(error.message)"])
            return try await client.apply(resource, as: served, force: true, dryRun: dryRun)
        }
    }

    /// The resource serving the object's kind. A kind whose CRD this target just applied may
    /// take the server a moment to serve: wait for it a little, then report a transient error.
    func servedResource(for resource: Resource) async throws -> APIResource {
        let groupKind = "\(resource.group)/\(resource.kind)"
        var attempt = 0
        while true {
            do {
                let served = try await client.resource(apiVersion: resource.apiVersion, kind: resource.kind, key: resource.key)
                pendingKinds.withLock { _ = $0.remove(groupKind) }
                return served
            } catch let error as TargetError where error.code == .invalid && pendingKinds.withLock({ $0.contains(groupKind) }) {
                attempt += 1
                guard attempt < 6 else {
                    throw TargetError(.transient, "kind \"\(resource.kind)\" in apiVersion \"\(resource.apiVersion)\" is not served yet; its CustomResourceDefinition was just applied and is not established", key: resource.key)
                }
                try await clock.sleep(for: .seconds(1))
            }
        }
    }

    /// Makes sure `namespace` exists (creating it unless `dryRun`); returns whether it exists.
    func ensureNamespace(_ namespace: String, context: AppContext, dryRun: Bool) async throws -> Bool {
        if knownNamespaces.withLock({ $0.contains(namespace) }) { return true }
        let namespaces = try await client.resource(apiVersion: "v1", kind: "Namespace")
        if try await client.get(namespaces, namespace: nil, name: namespace) == nil {
            if dryRun { return false }
            let body: JSONObject = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace)]]
            let object = Resource(body)
            _ = try await client.create(object, as: namespaces)
            logger.info("created namespace", metadata: ["namespace": "\(namespace)", "app": "\(context.app)"])
        }
        knownNamespaces.withLock { _ = $0.insert(namespace) }
        return true
    }
}
