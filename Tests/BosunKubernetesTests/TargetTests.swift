import BosunCore
import BosunKubernetes
import BosunTesting
import Foundation
import Testing

/// The target against a fake API server on loopback.
@Suite struct KubernetesTargetTests {
    static let context = AppContext(app: "shop", namespace: "shop")

    /// A manifest as the engine hands it over: labelled and tracked for `app`.
    static func managed(_ text: String, app: String = "shop") throws -> Resource {
        var resource = try Resource.yaml(text)
        resource.setLabel(Annotations.appLabel, app)
        resource.setAnnotation(Annotations.trackingID, Annotations.trackingID(app: app, key: resource.key))
        return resource
    }

    static let configMap = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {mode: a}\n"
    static let deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec: {replicas: 1}\n"

    func target(_ cluster: TestCluster, clock: (any BosunClock)? = nil) -> KubernetesTarget {
        KubernetesTarget(name: "test", client: cluster.client, clock: clock ?? cluster.clock)
    }

    // MARK: prepare

    @Test func prepareSetsTheDestinationNamespaceOnNamespacedKindsOnly() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let prepared = try await target.prepare([
            try .yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"),
            try .yaml("apiVersion: v1\nkind: Service\nmetadata: {name: b, namespace: other}\n"),
            try .yaml("apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: c, namespace: shop}\n"),
            try .yaml("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n"),
        ], context: Self.context)
        #expect(prepared.map(\.key.description) == [
            "/ConfigMap/shop/a", "/Service/other/b", "rbac.authorization.k8s.io/ClusterRole//c", "/Namespace//shop",
        ])
        // Without an application namespace, the context's namespace of the kubeconfig is used.
        let defaulted = try await target.prepare([try .yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")], context: AppContext(app: "x"))
        #expect(defaulted.first?.namespace == "default")
        await cluster.stop()
    }

    @Test func prepareRefusesAnUnknownKindNamingItAndItsFile() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let typo = Resource(try YAMLDecoder().value("apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n"), source: SourceLocation(file: "apps/web.yaml", line: 3))
        do {
            _ = try await target.prepare([try #require(typo)], context: Self.context)
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .invalid)
            #expect(error.message.contains("kind \"Deploymnet\" in apiVersion \"apps/v1\""))
            #expect(error.message.contains("apps/web.yaml:3"))
        }
        await cluster.stop()
    }

    @Test func prepareAcceptsCustomResourcesWhoseDefinitionIsInTheBatch() async throws {
        let cluster = try await TestCluster.start()
        let crd = try Resource.yaml("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {kind: Widget, plural: widgets}
              versions: [{name: v1, served: true, storage: true}]
            """)
        let widget = try Resource.yaml("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n")
        let prepared = try await target(cluster).prepare([crd, widget], context: Self.context)
        #expect(prepared.map(\.key.description) == ["apiextensions.k8s.io/CustomResourceDefinition//widgets.example.com", "example.com/Widget/shop/w"])
        await cluster.stop()
    }

    // MARK: live

    @Test func steadyStateCompareSendsNoRequest() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let configMap = try Self.managed(Self.configMap)
        let deployment = try Self.managed(Self.deployment)
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        _ = try await target.apply(deployment, context: Self.context, dryRun: false)
        let keys: Set = [configMap.key, deployment.key]
        let first = try await target.live(keys: keys, context: Self.context)
        #expect(Set(first.keys) == keys)
        #expect(first[deployment.key]?["spec", "replicas"]?.intValue == 1)
        // The watches the first read started open in the background: count from once they have.
        var before = cluster.client.metrics.total()
        for _ in 0..<100 {
            try await Task.sleep(for: .milliseconds(300))
            let now = cluster.client.metrics.total()
            if now == before { break }
            before = now
        }
        for _ in 0..<5 {
            let again = try await target.live(keys: keys, context: Self.context)
            #expect(Set(again.keys) == keys)
        }
        #expect(cluster.client.metrics.total() == before)
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func theCacheHoldsObjectsWithoutTheirManagedFields() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        var configMap = try Self.managed(Self.configMap)
        configMap.body["metadata"]?["managedFields"] = [["manager": "bosun", "operation": "Apply", "fieldsV1": ["f:data": ["f:k": [:]]]]]
        try cluster.fake.put(YAMLWriter.string(configMap.value))
        let live = try #require(try await target.live(keys: [configMap.key], context: Self.context)[configMap.key])
        #expect(live.metadata["managedFields"] == nil)
        #expect(live.label(Annotations.appLabel) == configMap.label(Annotations.appLabel))
        // The server still has them: a conflict is resolved from a fresh read.
        let kind = try #require(cluster.fake.kind(apiVersion: "v1", kind: "ConfigMap"))
        let stored = cluster.fake.object(kind, namespace: configMap.namespace, name: configMap.name)
        #expect(stored?["metadata"]?["managedFields"]?.arrayValue?.count == 1)
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func liveIncludesOtherObjectsOfTheAppOnly() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let configMap = try Self.managed(Self.configMap)
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        _ = try await target.live(keys: [configMap.key], context: Self.context)
        // The fake replays no history: wait for the watch before changing things.
        #expect(await eventually(seconds: 60) { cluster.fake.openWatches == 1 })
        // Objects made outside this sync: one of the app (dropped from Git), one of another app.
        try cluster.fake.put(YAMLWriter.string(try Self.managed("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: old, namespace: shop}\n").value))
        try cluster.fake.put(YAMLWriter.string(try Self.managed("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: theirs, namespace: shop}\n", app: "blog").value))
        let appeared = try await eventually(seconds: 60) { try await target.live(keys: [configMap.key], context: Self.context).count == 2 }
        #expect(appeared)
        let live = try await target.live(keys: [configMap.key], context: Self.context)
        #expect(Set(live.keys.map(\.name)) == ["settings", "old"])
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func manyObjectsTheWatchDoesNotHoldAreReadWithOneList() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        try cluster.fake.put("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
        try cluster.fake.put("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-3, namespace: shop}\n")
        let keys = Set((0..<20).map { ResourceKey(group: "", kind: "ConfigMap", namespace: "shop", name: "cm-\($0)") })
        let live = try await target.live(keys: keys, context: Self.context)
        #expect(Array(live.keys.map(\.name)) == ["cm-3"])
        let reads = cluster.requestLines.filter { $0.hasPrefix("GET /api/v1/namespaces/shop/configmaps") }
        #expect(reads == ["GET /api/v1/namespaces/shop/configmaps"], "\(cluster.requestLines)")
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func aKindIsListedInPagesAndEveryObjectIsHeld() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let total = 1_001
        for i in 0..<total {
            let app = i % 2 == 0 ? "shop" : "other"
            try cluster.fake.put("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-\(i), namespace: ns-\(i % 7), labels: {bosun.dev/app: \(app)}}\ndata: {i: \"\(i)\"}\n")
        }
        let wanted = ResourceKey(group: "", kind: "ConfigMap", namespace: "ns-6", name: "cm-1000")
        let live = try await target.live(keys: [wanted], context: Self.context)
        #expect(live.count == 501)
        #expect(live[wanted]?["data", "i"] == "1000")
        let lists = cluster.server.requests.filter { $0.method == "GET" && $0.path == "/api/v1/configmaps" && $0.query["watch"] == nil }
        #expect(lists.map { $0.query["limit"] } == ["500", "500", "500"])
        #expect(lists.map { $0.query["continue"] } == [nil, "500", "1000"])
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func objectsOfANamespaceThatDoesNotExistAreNotRead() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let keys: Set<ResourceKey> = [
            ResourceKey(group: "", kind: "ConfigMap", namespace: "fresh", name: "settings"),
            ResourceKey(group: "apps", kind: "Deployment", namespace: "fresh", name: "web"),
            ResourceKey(group: "", kind: "Service", namespace: "fresh", name: "web"),
        ]
        #expect(try await target.live(keys: keys, context: Self.context).isEmpty)
        let reads = cluster.requestLines.filter { $0.hasPrefix("GET") && $0.contains("fresh") }
        #expect(reads == ["GET /api/v1/namespaces/fresh"], "\(cluster.requestLines)")
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func anUnlabelledObjectIsReadWithAGet() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        try cluster.fake.put("apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n")
        let key = ResourceKey(group: "", kind: "Namespace", name: "shop")
        let missing = ResourceKey(group: "", kind: "Namespace", name: "nowhere")
        let live = try await target.live(keys: [key, missing], context: Self.context)
        #expect(Array(live.keys) == [key])
        #expect(cluster.requestLines.contains("GET /api/v1/namespaces/shop"))
        // A kind the server does not serve has no objects.
        let unknown = ResourceKey(group: "example.com", kind: "Widget", namespace: "shop", name: "w")
        #expect(try await target.live(keys: [unknown], context: Self.context).isEmpty)
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func watchedChangesAreAnnouncedForTheApp() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let changes = target.changes()
        let configMap = try Self.managed(Self.configMap)
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        _ = try await target.live(keys: [configMap.key], context: Self.context)
        #expect(await eventually(seconds: 60) { cluster.fake.openWatches == 1 })
        var edited = configMap
        edited.body["data"] = ["mode": "edited-by-hand"]
        try cluster.fake.put(YAMLWriter.string(edited.value))
        var iterator = changes.makeAsyncIterator()
        let change = await iterator.next()
        #expect(change?.app == "shop")
        #expect(change?.key == configMap.key)
        #expect(change?.reason == "ConfigMap/shop/settings modified")
        #expect(try await eventually(seconds: 60) { try await target.live(keys: [configMap.key], context: Self.context)[configMap.key]?["data", "mode"]?.stringValue == "edited-by-hand" })
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func bosunsOwnAppliesAreNotAnnouncedAsChanges() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let changes = target.changes()
        let configMap = try Self.managed(Self.configMap)
        let other = try Self.managed("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other, namespace: shop}\n")
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        _ = try await target.apply(other, context: Self.context, dryRun: false)
        _ = try await target.live(keys: [configMap.key, other.key], context: Self.context)
        #expect(await eventually(seconds: 60) { cluster.fake.openWatches == 1 })
        // Bosun changes one object, then someone else changes the other: only the latter is news.
        var changed = configMap
        changed.body["data"] = ["mode": "b"]
        _ = try await target.apply(changed, context: Self.context, dryRun: false)
        var edited = other
        edited.body["data"] = ["by": "hand"]
        try cluster.fake.put(YAMLWriter.string(edited.value))
        var iterator = changes.makeAsyncIterator()
        #expect(await iterator.next()?.key == other.key)
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func anExpiredWatchListsAgainAndAClosedOneResumes() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let configMap = try Self.managed(Self.configMap)
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        _ = try await target.live(keys: [configMap.key], context: Self.context)
        #expect(await eventually(seconds: 60) { cluster.fake.openWatches == 1 })
        let lists = { cluster.client.metrics.total("list") }
        let watches = { cluster.client.metrics.total("watch") }
        #expect(lists() == 1)

        cluster.fake.closeWatches()
        #expect(await eventually(seconds: 60) { watches() == 2 && cluster.fake.openWatches == 1 })
        #expect(lists() == 1)

        cluster.fake.expireWatches()
        #expect(await eventually(seconds: 60) { lists() == 2 && cluster.fake.openWatches == 1 })
        // What changed while nobody watched is seen after the new list.
        cluster.fake.remove(FakeCluster.builtInKinds[1], namespace: "shop", name: "settings")
        #expect(try await eventually(seconds: 60) { try await target.live(keys: [configMap.key], context: Self.context).isEmpty })
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func aWatchThatStallsIsGivenUpAndListedAgain() async throws {
        var options = KubernetesClientOptions()
        options.watchTimeout = .seconds(1)
        let cluster = try await TestCluster.start(options: options)
        let target = target(cluster)
        let configMap = try Self.managed(Self.configMap)
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        _ = try await target.live(keys: [configMap.key], context: Self.context)
        #expect(await eventually(seconds: 60) { cluster.fake.openWatches == 1 })
        // The next watch answers and then sends nothing, ever, and never ends (a proxy holding a
        // dead connection); meanwhile the object goes away.
        let (silence, held) = AsyncStream<String>.makeStream()
        cluster.fake.inject(ScriptedResponse(status: 200, headers: ["Content-Type": "application/json"], stream: silence),
                            method: "GET", pathContains: "/configmaps", times: 1)
        cluster.fake.closeWatches()
        #expect(await eventually(seconds: 60) { cluster.client.metrics.total("watch") >= 2 })
        cluster.fake.remove(FakeCluster.builtInKinds[1], namespace: "shop", name: "settings")
        // What matters: the deletion is seen although the watch never says so, because the
        // stalled watch was given up and the kind listed again (counts, not exact numbers: on a
        // busy machine the cycle may have run more than once).
        #expect(try await eventually(seconds: 60) { try await target.live(keys: [configMap.key], context: Self.context).isEmpty })
        #expect(cluster.client.metrics.total("list") >= 2)
        held.finish()
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func aWatchThatIsNeverAnsweredIsGivenUpAndListedAgain() async throws {
        var options = KubernetesClientOptions()
        options.watchTimeout = .seconds(1)
        let cluster = try await TestCluster.start(options: options)
        let target = target(cluster)
        let configMap = try Self.managed(Self.configMap)
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        _ = try await target.live(keys: [configMap.key], context: Self.context)
        #expect(await eventually(seconds: 60) { cluster.fake.openWatches == 1 })
        // The next watch is accepted and never answered, not even with a status line (a proxy
        // holding a dead upstream); its request may not end on cancellation before its
        // deadline, and the cache must not wait for it.
        let (hold, held) = AsyncStream<Void>.makeStream()
        cluster.fake.inject(ScriptedResponse(status: 200, headers: ["Content-Type": "application/json"], holdUntil: hold),
                            method: "GET", pathContains: "/configmaps", times: 1)
        cluster.fake.closeWatches()
        #expect(await eventually(seconds: 60) { cluster.server.requests.filter { $0.query["watch"] == "1" }.count >= 2 })
        cluster.fake.remove(FakeCluster.builtInKinds[1], namespace: "shop", name: "settings")
        #expect(try await eventually(seconds: 60) { try await target.live(keys: [configMap.key], context: Self.context).isEmpty })
        #expect(cluster.client.metrics.total("list") >= 2)
        held.finish()
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func aFailingListMakesLiveFailTransientlyNotEmpty() async throws {
        let cluster = try await TestCluster.start()
        // The cache's own backoff waits on a clock nobody advances, so the failure stays put.
        let target = target(cluster, clock: ManualClock())
        cluster.fake.inject(.failure(503, reason: "ServiceUnavailable", message: "apiserver is restarting"), method: "GET", pathContains: "/api/v1/configmaps", times: 1000)
        do {
            _ = try await target.live(keys: [try Self.managed(Self.configMap).key], context: Self.context)
            Issue.record("expected an error: an empty answer would prune everything")
        } catch let error as TargetError {
            #expect(error.code == .transient)
            #expect(error.message.contains("list configmaps in all namespaces"))
        }
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func aKindThatCannotBeListedClusterWideIsReadInTheAppNamespace() async throws {
        let cluster = try await TestCluster.start()
        cluster.fake.forbidClusterWideList("configmaps")
        let target = target(cluster)
        let configMap = try Self.managed(Self.configMap)
        _ = try await target.apply(configMap, context: Self.context, dryRun: false)
        let live = try await target.live(keys: [configMap.key], context: Self.context)
        #expect(Array(live.keys) == [configMap.key])
        let namespaced = cluster.server.requests.last { $0.path == "/api/v1/namespaces/shop/configmaps" }
        #expect(namespaced?.query["labelSelector"] == "bosun.dev/app=shop")
        await target.shutdown()
        await cluster.server.stop()
    }

    // MARK: apply

    @Test func applyCreatesTheNamespaceFirstWhenAsked() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let context = AppContext(app: "shop", namespace: "fresh", createNamespace: true, force: true)
        var configMap = try Self.managed(Self.configMap)
        configMap.setNamespace("fresh")
        _ = try await target.apply(configMap, context: context, dryRun: false)
        _ = try await target.apply(configMap, context: context, dryRun: false)
        let lines = cluster.requestLines.filter { !$0.hasPrefix("GET /api") || $0.contains("namespaces/fresh") }
        #expect(lines == [
            "GET /api/v1/namespaces/fresh", "POST /api/v1/namespaces",
            "PATCH /api/v1/namespaces/fresh/configmaps/settings", "PATCH /api/v1/namespaces/fresh/configmaps/settings",
        ])
        #expect(cluster.server.requests.last?.query["force"] == "true")
        #expect(cluster.fake.object(FakeCluster.builtInKinds[0], namespace: nil, name: "fresh") != nil)
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func dryRunChangesNothing() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let configMap = try Self.managed(Self.configMap)
        let answer = try await target.apply(configMap, context: Self.context, dryRun: true)
        #expect(answer.name == "settings")
        #expect(cluster.server.requests.last?.query["dryRun"] == "All")
        #expect(cluster.fake.object(FakeCluster.builtInKinds[1], namespace: "shop", name: "settings") == nil)
        await target.shutdown()
        await cluster.server.stop()
    }

    @Test func aCustomResourceIsAppliedOnceItsDefinitionIsServed() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let crd = try Self.managed("""
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: widgets.example.com}
            spec: {group: example.com, scope: Namespaced, names: {kind: Widget, plural: widgets}, versions: [{name: v1, served: true, storage: true}]}
            """)
        let widget = try Self.managed("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop}\n")
        _ = try await target.apply(crd, context: Self.context, dryRun: false)
        // The API server has not established the kind yet: a transient error, so the sync retries.
        do {
            _ = try await target.apply(widget, context: Self.context, dryRun: false)
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.code == .transient)
            #expect(error.message.contains("not served yet"))
        }
        cluster.fake.serve(.init(group: "example.com", version: "v1", kind: "Widget", plural: "widgets", namespaced: true))
        let applied = try await target.apply(widget, context: Self.context, dryRun: false)
        #expect(applied.key == widget.key)
        await target.shutdown()
        await cluster.server.stop()
    }

    // MARK: delete

    @Test func deleteRemovesOnlyWhatTheApplicationTracks() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let ours = try Self.managed(Self.configMap)
        var foreground = try Self.managed("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\n")
        foreground.setAnnotation(KubernetesTarget.deletePropagationAnnotation, "Foreground")
        var theirs = try Self.managed("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: shared, namespace: shop}\n")
        theirs.setAnnotation(Annotations.trackingID, "blog:/ConfigMap:shop/shared")
        for object in [ours, foreground, theirs] { _ = try await target.apply(object, context: Self.context, dryRun: false) }

        do {
            try await target.delete(theirs.key, context: Self.context)
            Issue.record("expected a refusal")
        } catch let error as TargetError {
            #expect(error.code == .conflict)
            #expect(error.message.contains("blog:/ConfigMap:shop/shared"))
        }
        try await target.delete(ours.key, context: Self.context)
        try await target.delete(foreground.key, context: Self.context)
        try await target.delete(ResourceKey(group: "", kind: "ConfigMap", namespace: "shop", name: "gone"), context: Self.context)

        let deletes = cluster.server.requests.filter { $0.method == "DELETE" }
        #expect(deletes.map(\.path) == ["/api/v1/namespaces/shop/configmaps/settings", "/apis/apps/v1/namespaces/shop/deployments/web"])
        #expect(deletes.map { $0.query["propagationPolicy"] ?? "" } == ["Background", "Foreground"])
        #expect(cluster.fake.object(FakeCluster.builtInKinds[1], namespace: "shop", name: "shared") != nil)
        await target.shutdown()
        await cluster.server.stop()
    }

    // MARK: health

    @Test func healthUsesTheRulesAndMissingForAbsentObjects() async throws {
        let cluster = try await TestCluster.start()
        let target = target(cluster)
        let key = ResourceKey(group: "", kind: "PersistentVolumeClaim", namespace: "shop", name: "data")
        #expect(await target.health(of: key, live: nil, desired: nil, context: Self.context) == .missing("PersistentVolumeClaim/shop/data does not exist"))
        let pending = try Resource.yaml("apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: shop}\nstatus: {phase: Pending}\n")
        #expect(await target.health(of: key, live: pending, desired: nil, context: Self.context).status == .progressing)
        await target.shutdown()
        await cluster.server.stop()
    }
}

@Suite struct KubernetesTargetFactoryTests {
    @Test func buildsFromAKubeconfigNamedInTheConfig() async throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        try folder.write("kube/config", """
            current-context: a
            clusters: [{name: k, cluster: {server: "https://k.example.com:6443"}}]
            contexts:
              - {name: a, context: {cluster: k, namespace: team-a}}
              - {name: b, context: {cluster: k, namespace: team-b}}
            """)
        let spec = TargetSpec(name: "prod", type: "kubernetes", options: ["kubeconfig": "kube/config", "context": "b", "requestTimeout": "45s"])
        let environment = TargetEnvironment(dataDirectory: folder.url, resolvePath: { "\(folder.path)/\($0)" }, environment: [:])
        let target = try KubernetesTargetFactory.makeTarget(spec, environment)
        #expect(target.name == "prod")
        #expect(target.defaultNamespace == "team-b")
        #expect(target.client.options.requestTimeout == .seconds(45))
        await target.shutdown()

        let overridden = try KubernetesTargetFactory.makeTarget(
            TargetSpec(name: "p", type: "kubernetes", options: ["kubeconfig": "kube/config", "namespace": "apps"]), environment)
        #expect(overridden.defaultNamespace == "apps")
        await overridden.shutdown()
    }

    @Test func errorsNameTheTarget() throws {
        let environment = TargetEnvironment(dataDirectory: URL(fileURLWithPath: "/tmp"), environment: [:])
        do {
            _ = try KubernetesTargetFactory.make(TargetSpec(name: "edge", type: "kubernetes", options: ["inCluster": true]), environment)
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.hasPrefix("target \"edge\": "))
            #expect(error.message.contains("KUBERNETES_SERVICE_HOST"))
        }
    }
}
