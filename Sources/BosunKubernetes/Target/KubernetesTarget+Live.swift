import BosunCore

extension KubernetesTarget {
    /// The live objects for `keys` and every other object labelled for the application.
    ///
    /// Kinds in use are watched (the first call lists them); afterwards the answer comes from
    /// memory. A key the cache cannot hold (an object without the label, such as a namespace
    /// made outside Bosun, or a kind that cannot be watched) is read from the server.
    public func live(keys: Set<ResourceKey>, context: AppContext) async throws -> [ResourceKey: Resource] {
        // Which kinds the keys need, as the server serves them; a kind it does not serve has no objects.
        var resources: [String: APIResource] = [:]
        for key in keys where resources["\(key.group)/\(key.kind)"] == nil {
            if let found = try await client.discovery.resource(group: key.group, kind: key.kind) {
                resources["\(key.group)/\(key.kind)"] = found
            }
        }
        try await cache.watch(Array(resources.values))

        var result = await cache.objects(app: context.app)
        var toRead: [(ResourceKey, APIResource)] = []
        for key in keys {
            guard let resource = resources["\(key.group)/\(key.kind)"] else { continue }
            try await cache.checkFresh(resource)
            if let cached = await cache.object(key) {
                result[key] = cached
            } else {
                toRead.append((key, resource))
            }
        }
        // Kinds that cannot be watched across namespaces: list the app's objects in its namespace.
        for resource in await cache.watchedResources {
            guard case .unwatchable = await cache.state(of: resource) else { continue }
            let scope = resource.namespaced ? namespace(for: context) : nil
            let selector = "\(Annotations.appLabel)=\(context.app)"
            for object in try await client.list(resource, namespace: scope, labelSelector: selector).items {
                result[object.key] = object
            }
        }
        toRead.removeAll { result[$0.0] != nil }
        for (key, object) in try await read(try await droppingAbsentNamespaces(toRead)) { result[key] = object }
        return result
    }

    /// A namespace that does not exist holds nothing: its keys need no read. The first sync into
    /// a new namespace then costs one request for the namespace, not one per object.
    func droppingAbsentNamespaces(_ wanted: [(ResourceKey, APIResource)]) async throws -> [(ResourceKey, APIResource)] {
        let namespaces = Set(wanted.compactMap { $0.1.namespaced && !$0.0.namespace.isEmpty ? $0.0.namespace : nil })
        guard !namespaces.isEmpty, let kind = try await client.discovery.resource(group: "", kind: "Namespace") else { return wanted }
        var absent = Set<String>()
        for name in namespaces {
            let key = ResourceKey(group: "", kind: "Namespace", name: name)
            if knownNamespaces.withLock({ $0.contains(name) }) { continue }
            if await cache.object(key) != nil { continue }
            if try await client.get(kind, namespace: nil, name: name) == nil {
                absent.insert(name)
            } else {
                knownNamespaces.withLock { _ = $0.insert(name) }
            }
        }
        // The namespaces found absent are not read again either.
        return wanted.filter { key, resource in
            resource.namespaced ? !absent.contains(key.namespace) : !(key.group.isEmpty && key.kind == "Namespace" && absent.contains(key.name))
        }
    }

    /// Reads objects the watch does not hold (absent, or made without Bosun's label): a GET
    /// each, except where many are wanted of one kind in one namespace (a first sync), which
    /// one unfiltered LIST answers instead of a request per object.
    func read(_ wanted: [(ResourceKey, APIResource)]) async throws -> [(ResourceKey, Resource)] {
        var groups: [String: [(ResourceKey, APIResource)]] = [:]
        for entry in wanted { groups["\(entry.1.group)/\(entry.1.kind)|\(entry.0.namespace)", default: []].append(entry) }
        var single: [(ResourceKey, APIResource)] = []
        var found: [(ResourceKey, Resource)] = []
        for group in groups.values {
            guard group.count > Self.listInsteadOfGets, let resource = group.first?.1 else {
                single.append(contentsOf: group)
                continue
            }
            let scope = resource.namespaced ? group[0].0.namespace : nil
            let objects = try await client.list(resource, namespace: scope).items
            let byKey = Dictionary(objects.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
            for (key, _) in group { if let object = byKey[key] { found.append((key, object)) } }
        }
        return found + (try await get(single))
    }

    /// Above this many objects of one kind in one namespace, one LIST reads them.
    static var listInsteadOfGets: Int { 8 }

    /// GETs objects a few at a time.
    func get(_ wanted: [(ResourceKey, APIResource)]) async throws -> [(ResourceKey, Resource)] {
        try await withThrowingTaskGroup(of: (ResourceKey, Resource?).self) { group in
            var found: [(ResourceKey, Resource)] = []
            var iterator = wanted.makeIterator()
            func next(_ group: inout ThrowingTaskGroup<(ResourceKey, Resource?), any Error>) {
                guard let (key, resource) = iterator.next() else { return }
                group.addTask { [client] in
                    (key, try await client.get(resource, namespace: key.namespace, name: key.name))
                }
            }
            for _ in 0..<8 { next(&group) }
            while let (key, object) = try await group.next() {
                if let object { found.append((key, object)) }
                next(&group)
            }
            return found
        }
    }
}
