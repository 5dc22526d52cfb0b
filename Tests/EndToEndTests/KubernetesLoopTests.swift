import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The GitOps loop on Kubernetes, end to end: `bosun serve` with a `type: kubernetes` target,
    /// commits to a local repository, the CLI to read Bosun's view, and `kubectl` as the witness of
    /// what the cluster holds. Each scenario runs against the simulator executable here, and against
    /// a real cluster in `KubernetesRealClusterTests` when `BOSUN_E2E_KUBECONFIG` is set.
    @Suite(.serialized) struct KubernetesLoopTests {
        @Test("a commit is applied with Bosun's label and tracking id; kubectl scale and patch are undone; history says why")
        func autoSyncAndSelfHeal() async throws {
            try await KubernetesScenarios.autoSyncAndSelfHeal(try await KubeCluster())
        }

        @Test("an object dropped from Git is pruned; one that another application's tracking id names is reported, not deleted")
        func pruneOnlyWhatTheApplicationTracks() async throws {
            try await KubernetesScenarios.pruneOnlyWhatTheApplicationTracks(try await KubeCluster())
        }

        @Test("wave 1 is applied only once wave 0's Deployment is Available")
        func wavesWaitForHealth() async throws {
            // A slow rollout leaves room to look between the waves.
            try await KubernetesScenarios.wavesWaitForHealth(try await KubeCluster(controllerDelayMs: 2000))
        }

        @Test("PreSync runs before the waves and PostSync after, deleted per policy; a failed PreSync hook runs SyncFail")
        func hooks() async throws {
            try await KubernetesScenarios.hooks(try await KubeCluster())
        }

        @Test("a Deployment that exceeds its progress deadline is rolled back to the last healthy commit")
        func autoRollback() async throws {
            try await KubernetesScenarios.autoRollback(try await KubeCluster())
        }

        @Test("a ConfigMap deleted with kubectl during a rollout is applied again; the good commit is not rolled back")
        func driftDuringARollout() async throws {
            // A slow rollout leaves room to delete the ConfigMap while the sync waits for health.
            try await KubernetesScenarios.driftDuringARollout(try await KubeCluster(controllerDelayMs: 4000))
        }

        @Test("bosun rollback restores an earlier commit and pins it; bosun unpin follows the branch again")
        func rollbackPinUnpin() async throws {
            try await KubernetesScenarios.rollbackPinUnpin(try await KubeCluster())
        }

        @Test("a field another manager owns: the sync fails naming the manager and the field, and suggests force")
        func fieldConflict() async throws {
            try await KubernetesScenarios.fieldConflict(try await KubeCluster())
        }

        @Test("bosun diff --server-side shows what the API server would hold (its defaults included) and changes nothing")
        func serverSideDiff() async throws { try await KubernetesScenarios.serverSideDiff(try await KubeCluster()) }

        @Test("API 500s and 429s mid-sync: the sync fails and retries, nothing is pruned meanwhile, it converges after")
        func transientFaults() async throws {
            try await KubernetesScenarios.transientFaults(try await KubeCluster())
        }
    }
}

extension EndToEnd {
    /// The same scenarios against a real cluster (kind, k3s…): opt in with `BOSUN_E2E_KUBECONFIG`.
    /// Fault injection needs the simulator, so that scenario stays with `KubernetesLoopTests`.
    @Suite(.serialized, .enabled(if: KubeCluster.realKubeconfig != nil, KubeCluster.skipReason))
    struct KubernetesRealClusterTests {
        static func cluster() -> KubeCluster { KubeCluster(kubeconfig: KubeCluster.realKubeconfig ?? "") }

        @Test func autoSyncAndSelfHeal() async throws { try await KubernetesScenarios.autoSyncAndSelfHeal(Self.cluster()) }
        @Test func pruneOnlyWhatTheApplicationTracks() async throws { try await KubernetesScenarios.pruneOnlyWhatTheApplicationTracks(Self.cluster()) }
        @Test func wavesWaitForHealth() async throws { try await KubernetesScenarios.wavesWaitForHealth(Self.cluster()) }
        @Test func hooks() async throws { try await KubernetesScenarios.hooks(Self.cluster()) }
        @Test func autoRollback() async throws { try await KubernetesScenarios.autoRollback(Self.cluster()) }
        @Test func driftDuringARollout() async throws { try await KubernetesScenarios.driftDuringARollout(Self.cluster()) }
        @Test func rollbackPinUnpin() async throws { try await KubernetesScenarios.rollbackPinUnpin(Self.cluster()) }
        @Test func fieldConflict() async throws { try await KubernetesScenarios.fieldConflict(Self.cluster()) }
        @Test func serverSideDiff() async throws { try await KubernetesScenarios.serverSideDiff(Self.cluster()) }
    }
}

/// The scenarios, each given the cluster it runs on (stopped at the end).
enum KubernetesScenarios {
    static func autoSyncAndSelfHeal(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (namespace: String) in
            ["app/namespace.yaml": KubeManifests.namespace(namespace), "app/settings.yaml": KubeManifests.configMap("settings", version: "1"),
             "app/web.yaml": KubeManifests.deployment("web"), "app/web-service.yaml": KubeManifests.service("web")]
        }
        let app = try KubeApp(cluster: cluster, files: files)
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        let first = try app.repo.head()
        try await app.waitSynced(url, at: first)

        // kubectl sees every object, labelled for the application and carrying its tracking id.
        let ns = app.namespace
        let namespace = try await json(try cluster.kubectl(["get", "namespace", ns, "-o", "json"]))
        #expect(namespace.label("bosun.dev/app") == "shop")
        #expect(namespace.annotation("bosun.dev/tracking-id") == "shop:/Namespace:/\(ns)")
        for (kind, name, tracking) in [("configmap", "settings", "shop:/ConfigMap:\(ns)/settings"), ("deployment", "web", "shop:apps/Deployment:\(ns)/web"),
                                       ("service", "web", "shop:/Service:\(ns)/web")] {
            let object = try #require(try await app.get(kind, name), "\(kind) \(name) is missing")
            #expect(object.label("bosun.dev/app") == "shop", "\(kind) \(name)")
            #expect(object.annotation("bosun.dev/tracking-id") == tracking, "\(kind) \(name)")
        }
        #expect(try await app.get("deployment", "web")?.condition("Available") == true)
        let labelled = try await app.kubectl("get", "configmap,deployment,service", "-l", "bosun.dev/app=shop", "-o", "name")
        #expect(labelled.split(separator: "\n").sorted() == ["configmap/settings", "deployment.apps/web", "service/web"])
        #expect(try await app.history(url).first?["result"] == "Succeeded")

        // Someone scales the Deployment and edits the ConfigMap with kubectl: both are restored.
        try await app.kubectl("scale", "deployment", "web", "--replicas=3")
        try await app.kubectl("patch", "configmap", "settings", "--type", "merge", "-p", #"{"data":{"version":"edited by hand"}}"#)
        try await eventually("kubectl's edits undone", seconds: 90) {
            let replicas = try await app.get("deployment", "web")?["spec"]?["replicas"]?.intValue
            let value = try await app.configValue("settings")
            return replicas == 1 && value == "1"
        }
        try await app.waitSynced(url, at: first)
        #expect(try await app.history(url).contains { $0["trigger"] == "selfHeal" && $0["result"] == "Succeeded" })

        // A new commit is applied on its own; the Deployment rolls out again.
        let second = try app.commit("version two") { _ in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "2"), "app/web.yaml": KubeManifests.deployment("web", version: "2")]
        }
        try await app.waitSynced(url, at: second)
        #expect(try await app.configValue("settings") == "2")
        let env = try await app.get("deployment", "web")?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["env"]?.arrayValue?.first?["value"]?.stringValue
        #expect(env == "2")
        let history = try await app.history(url)
        #expect(history.first?["revision"]?.stringValue == second && history.first?["result"] == "Succeeded")
        #expect(history.first?["subject"] == "version two", "\(history.first ?? .null)")
        #expect(history.contains { $0["revision"]?.stringValue == first })
    }

    static func pruneOnlyWhatTheApplicationTracks(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "1"), "app/old.yaml": KubeManifests.configMap("old", version: "1"),
             "app/shared.yaml": KubeManifests.configMap("shared", version: "1")]
        }
        let app = try KubeApp(cluster: cluster, files: files)
        defer { app.remove() }
        var serve = try await app.serve()
        var url = serve.url
        try await app.waitSynced(url, at: try app.repo.head())
        // A copy made by hand with the app's label but another application's tracking id.
        let ns = app.namespace
        try await cluster.kubectl(["apply", "-n", ns, "-f", "-"], input: """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: copy
              labels: { bosun.dev/app: shop }
              annotations: { bosun.dev/tracking-id: "billing:/ConfigMap:\(ns)/copy" }
            data: { version: "theirs" }
            """)
        // While Bosun is stopped, another application takes `shared` over; then Git drops `old` and `shared`.
        serve.stop()
        try await app.kubectl("annotate", "configmap", "shared", "bosun.dev/tracking-id=billing:/ConfigMap:\(ns)/shared", "--overwrite")
        let second = try app.commit("drop old and shared", { _ in [:] }, removing: ["app/old.yaml", "app/shared.yaml"])
        serve = try await app.serve()
        url = serve.url
        defer { serve.stop() }

        try await eventually("old pruned", seconds: 90) { try await !app.names("configmap").contains("old") }
        try await eventually("a finished sync of the new commit", seconds: 90) {
            try await app.history(url).contains { $0["revision"]?.stringValue == second && $0["result"] != "Running" }
        }
        #expect(try await app.names("configmap").contains("shared"), "an object another application tracks was deleted")
        #expect(try await app.names("configmap").contains("copy"), "an object another application tracks was deleted")
        #expect(try await app.configValue("copy") == "theirs")
        let record = try #require(try await app.history(url).first { $0["revision"]?.stringValue == second })
        let detail = try await app.sync(url, id: try #require(record["id"]?.intValue))
        let results = detail["resources"]?.arrayValue ?? []
        let shared = results.first { $0["key"]?.stringValue == "/ConfigMap/\(ns)/shared" }
        #expect(shared?["result"] == "PruneSkipped", "\(results)")
        #expect(shared?["message"]?.stringValue?.contains("billing:/ConfigMap:\(ns)/shared") == true, "\(results)")
        #expect(results.contains { $0["key"]?.stringValue == "/ConfigMap/\(ns)/old" && $0["result"] == "Pruned" }, "\(results)")
        let copy = results.first { $0["key"]?.stringValue == "/ConfigMap/\(ns)/copy" }
        #expect(copy?["result"] == "PruneSkipped", "\(results)")
        #expect(copy?["message"]?.stringValue?.contains("billing:/ConfigMap:\(ns)/copy") == true, "\(results)")
        // What another application tracks is no longer this one's: the application settles, Synced.
        try await app.waitSynced(url, at: second)
        let syncsOfSecond = try await app.history(url).filter { $0["revision"]?.stringValue == second }
        #expect(syncsOfSecond.count == 1, "\(syncsOfSecond)")
        #expect(try await app.names("configmap").filter { $0 != "kube-root-ca.crt" } == ["copy", "settings", "shared"])
    }

    static func wavesWaitForHealth(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in
            ["app/web.yaml": KubeManifests.deployment("web", wave: 0), "app/after.yaml": KubeManifests.configMap("after-web", version: "1", wave: 1)]
        }
        let app = try KubeApp(cluster: cluster, files: files)
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        // Look (ConfigMap first, then Deployment) until the wave-1 ConfigMap appears: once it
        // exists, the Deployment read after it must already be Available.
        var sawDeploymentProgressing = false
        try await eventually("the wave-1 ConfigMap", seconds: 120) {
            let configMap = try await app.get("configmap", "after-web")
            let deployment = try await app.get("deployment", "web")
            if configMap != nil {
                #expect(deployment?.condition("Available") == true, "wave 1 was applied before wave 0's Deployment was Available")
                return true
            }
            if deployment != nil && deployment?.condition("Available") != true { sawDeploymentProgressing = true }
            return false
        }
        #expect(sawDeploymentProgressing, "never saw the Deployment rolling out before wave 1")
        let head = try app.repo.head()
        try await app.waitSynced(url, at: head)
        let record = try #require(try await app.history(url).first)
        let results = try await app.sync(url, id: try #require(record["id"]?.intValue))["resources"]?.arrayValue ?? []
        let order = results.compactMap { result -> String? in
            guard let key = result["key"]?.stringValue else { return nil }
            let kind = key.split(separator: "/", omittingEmptySubsequences: false).dropFirst().first ?? ""
            return "\(kind)@\(result["wave"]?.intValue ?? -1)"
        }
        #expect(order == ["Deployment@0", "ConfigMap@1"], "\(results)")
    }

    static func hooks(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "1"), "app/web.yaml": KubeManifests.deployment("web"),
             "app/migrate.yaml": KubeManifests.job("migrate", hook: "PreSync", deletePolicy: "HookSucceeded"),
             "app/notify.yaml": KubeManifests.job("notify", hook: "PostSync")]
        }
        let app = try KubeApp(cluster: cluster, files: files, retry: "{ limit: 1, backoff: 1s }")
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        let first = try app.repo.head()
        try await app.waitSynced(url, at: first)

        // The succeeded PreSync hook is gone (HookSucceeded); the PostSync one stays until it runs again.
        #expect(try await app.get("job", "migrate") == nil)
        let notify = try #require(try await app.get("job", "notify"))
        #expect(notify.condition("Complete"))
        #expect(notify.annotation("bosun.dev/hook") == "PostSync")
        let record = try #require(try await app.history(url).first)
        let results = try await app.sync(url, id: try #require(record["id"]?.intValue))["resources"]?.arrayValue ?? []
        let order = results.compactMap { $0["key"]?.stringValue?.split(separator: "/").last.map(String.init) }
        #expect(order.first == "migrate" && order.last == "notify", "\(order)")
        #expect(Set(order) == ["migrate", "settings", "web", "notify"], "\(order)")
        #expect(results.first?["phase"] == "PreSync" && results.last?["phase"] == "PostSync", "\(results)")
        // The PostSync hook ran after the Deployment was Available (seconds are all kubectl shows).
        let available = try await app.get("deployment", "web")?["status"]?["conditions"]?.arrayValue?
            .first { $0["type"] == "Available" }?["lastTransitionTime"]?.stringValue ?? ""
        let created = notify["metadata"]?["creationTimestamp"]?.stringValue ?? ""
        #expect(!available.isEmpty && created >= available, "PostSync job created \(created), Deployment Available at \(available)")

        // A PreSync hook that fails: the waves do not run, the SyncFail hook does, the failed Job stays.
        let second = try app.commit("failing migration") { _ in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "2"),
             "app/migrate.yaml": KubeManifests.job("migrate", hook: "PreSync", deletePolicy: "HookSucceeded", succeeds: false),
             "app/cleanup.yaml": KubeManifests.job("cleanup", hook: "SyncFail")]
        }
        try await eventually("a failed sync of the failing migration", seconds: 120) {
            try await app.history(url).contains { $0["revision"]?.stringValue == second && $0["result"] == "Failed" }
        }
        let failed = try #require(try await app.history(url).first { $0["revision"]?.stringValue == second && $0["result"] == "Failed" })
        #expect(failed["message"]?.stringValue?.contains("PreSync hook") == true, "\(failed)")
        #expect(failed["message"]?.stringValue?.contains("migrate") == true, "\(failed)")
        let failedResults = try await app.sync(url, id: try #require(failed["id"]?.intValue))["resources"]?.arrayValue ?? []
        #expect(failedResults.contains { $0["key"]?.stringValue?.hasSuffix("/cleanup") == true && $0["phase"] == "SyncFail" && $0["result"] == "Succeeded" },
                "\(failedResults)")
        try await eventually("the SyncFail Job completed in the cluster") { try await app.get("job", "cleanup")?.condition("Complete") == true }
        try await eventually("the failed PreSync Job kept") { try await app.get("job", "migrate")?.condition("Failed") == true }
        #expect(try await app.configValue("settings") == "1")
    }

    static func driftDuringARollout(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "1"), "app/web.yaml": KubeManifests.deployment("web")]
        }
        let app = try KubeApp(cluster: cluster, files: files, sync: ", autoRollback: true", healthTimeout: "120s")
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        try await app.waitSynced(url, at: try app.repo.head())

        let next = try app.commit("version two") { _ in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "2"), "app/web.yaml": KubeManifests.deployment("web", version: "2")]
        }
        try await eventually("the sync waits for the rollout", seconds: 90) {
            let status = try await app.status(url)
            return status["operation"]?["message"]?.stringValue?.contains("waiting for health") == true
                && status["lastSync"]?["revision"]?.stringValue == next
        }
        try await app.kubectl("delete", "configmap", "settings")
        try await app.waitSynced(url, at: next, seconds: 150)
        #expect(try await app.configValue("settings") == "2")
        let history = try await app.history(url)
        #expect(history[0]["revision"]?.stringValue == next && history[0]["result"] == "Succeeded", "\(history)")
        #expect(!history.contains { $0["trigger"] == "autoRollback" })
        let events = try await bosun("events", app.app, "--server", url, "-o", "json").stdout
        #expect(events.contains("DriftDuringSync") && !events.contains("RollingBack"))
    }

    static func autoRollback(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "1"), "app/web.yaml": KubeManifests.deployment("web")]
        }
        let app = try KubeApp(cluster: cluster, files: files, sync: ", autoRollback: true", healthTimeout: "90s")
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        let good = try app.repo.head()
        try await app.waitSynced(url, at: good)

        let bad = try app.commit("a release that never rolls out") { _ in
            ["app/settings.yaml": KubeManifests.configMap("settings", version: "2"),
             "app/web.yaml": KubeManifests.deployment("web", image: KubeManifests.failingImage, version: "2")]
        }
        do {
            try await eventually("rolled back", seconds: 150) {
                let history = try await app.history(url)
                return history.first?["trigger"] == "autoRollback" && history.first?["result"] == "Succeeded"
            }
        } catch {
            Issue.record("history: \(await (try? app.history(url)) ?? []); status: \(await (try? app.status(url)) ?? .null)")
            throw error
        }
        let history = try await app.history(url)
        #expect(history[0]["revision"]?.stringValue == good)
        let failed = try #require(history.first { $0["revision"]?.stringValue == bad && $0["result"] == "Failed" })
        let message = failed["message"]?.stringValue ?? ""
        #expect(message.contains("web") && message.contains("Degraded"), "\(message)")
        // kubectl sees the old release again, rolled out.
        try await eventually("the good image rolled out again", seconds: 90) {
            let web = try await app.get("deployment", "web")
            return web?["spec"]?["template"]?["spec"]?["containers"]?.arrayValue?.first?["image"]?.stringValue == KubeManifests.image
                && web?.condition("Available") == true && web?["status"]?["updatedReplicas"]?.intValue == 1
        }
        #expect(try await app.configValue("settings") == "1")
        let status = try await app.status(url)
        #expect(status["condition"]?["type"] == "RollbackBlocked", "\(status)")
    }

    static func rollbackPinUnpin(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in ["app/settings.yaml": KubeManifests.configMap("settings", version: "1")] }
        let app = try KubeApp(cluster: cluster, files: files)
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        let first = try app.repo.head()
        try await app.waitSynced(url, at: first)
        let second = try app.commit("two") { _ in ["app/settings.yaml": KubeManifests.configMap("settings", version: "2")] }
        try await app.waitSynced(url, at: second)
        #expect(try await app.configValue("settings") == "2")

        let rollback = try await bosun("rollback", app.app, "--server", url)
        #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
        try await eventually("kubectl sees the first version again") { try await app.configValue("settings") == "1" }
        var status = try await app.status(url)
        #expect(status["pinned"] == true && status["sync"]?["revision"]?.stringValue == first, "\(status)")
        #expect(try await app.history(url).first?["trigger"] == "rollback")

        // Pinned: a newer commit is not applied (give the 2 s loop a few turns)…
        let third = try app.commit("three") { _ in ["app/settings.yaml": KubeManifests.configMap("settings", version: "3")] }
        try await Task.sleep(for: .seconds(5))
        #expect(try await app.configValue("settings") == "1")
        #expect(try await app.history(url).first?["revision"]?.stringValue == first)
        // …until unpinned.
        let unpin = try await bosun("unpin", app.app, "--server", url)
        #expect(unpin.status == 0, "\(unpin.stdout)\(unpin.stderr)")
        try await app.waitSynced(url, at: third)
        status = try await app.status(url)
        #expect(status["pinned"] == false)
        #expect(try await app.configValue("settings") == "3")
        let revisions = try await app.history(url).compactMap { $0["revision"]?.stringValue }
        #expect(revisions.prefix(4) == [third, first, second, first], "\(revisions)")
    }

    static func fieldConflict(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in ["app/settings.yaml": KubeManifests.configMap("settings", version: "1")] }
        let app = try KubeApp(cluster: cluster, files: files, retry: "{ limit: 2, backoff: 1s }")
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        try await app.waitSynced(url, at: try app.repo.head())

        // Another field manager takes data.version over with a forced server-side apply.
        try await app.cluster.kubectl(["apply", "--server-side", "--force-conflicts", "--field-manager=intruder", "-n", app.namespace, "-f", "-"], input: """
            apiVersion: v1
            kind: ConfigMap
            metadata: { name: settings }
            data: { version: "theirs" }
            """)
        try await eventually("a failed sync naming the conflict", seconds: 90) {
            try await app.history(url).contains { $0["result"] == "Failed" && ($0["message"]?.stringValue ?? "").contains("intruder") }
        }
        let failed = try #require(try await app.history(url).first { $0["result"] == "Failed" })
        let message = failed["message"]?.stringValue ?? ""
        #expect(message.contains("intruder") && message.contains("data.version") && message.contains("force"), "\(message)")
        #expect(try await app.configValue("settings") == "theirs")
    }

    static func serverSideDiff(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let app = try KubeApp(cluster: cluster, files: { _ in ["app/web.yaml": KubeManifests.deployment("web")] }, auto: false)
        defer { app.remove() }
        // A dry run needs the namespace to exist (nothing is created, so createNamespace cannot).
        try await cluster.kubectl(["create", "namespace", app.namespace])
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        try await eventually("OutOfSync", seconds: 60) { try await app.status(url)["sync"]?["status"] == "OutOfSync" }
        let plain = try await bosun("diff", app.app, "--server", url)
        #expect(plain.status == 1 && plain.stdout.contains("apps/Deployment/\(app.namespace)/web"), "\(plain.stdout)\(plain.stderr)")
        #expect(!plain.stdout.contains("revisionHistoryLimit"))
        // The API server's defaults appear only when it is asked.
        let serverSide = try await bosun("diff", app.app, "--server-side", "--server", url)
        #expect(serverSide.status == 1, "\(serverSide.stderr)")
        #expect(serverSide.stdout.contains("revisionHistoryLimit: 10"), "\(serverSide.stdout)")
        #expect(try await app.names("deployment").isEmpty, "a dry run created the Deployment")
        let usage = try await bosun("diff", "--server-side")
        #expect(usage.status == 2 && usage.stderr.contains("--server-side needs an application"))
    }

    static func transientFaults(_ cluster: KubeCluster) async throws {
        defer { cluster.stop() }
        let files = { (_: String) in
            ["app/a.yaml": KubeManifests.configMap("a", version: "1"), "app/b.yaml": KubeManifests.configMap("b", version: "1", wave: 1),
             "app/c.yaml": KubeManifests.configMap("c", version: "1")]
        }
        let app = try KubeApp(cluster: cluster, files: files)
        defer { app.remove() }
        let serve = try await app.serve()
        let url = serve.url
        defer { serve.stop() }
        try await app.waitSynced(url, at: try app.repo.head())

        // Two throttled writes, then every write of b fails; the commit changes a and b and drops c.
        let ns = app.namespace
        try await cluster.faults(#"{"errors":[{"status":429,"count":2,"retryAfterSeconds":1,"method":"PATCH"},{"status":500,"pathPrefix":"/api/v1/namespaces/\#(ns)/configmaps/b","method":"PATCH"}]}"#)
        let second = try app.commit("two", { _ in
            ["app/a.yaml": KubeManifests.configMap("a", version: "2"), "app/b.yaml": KubeManifests.configMap("b", version: "2", wave: 1)]
        }, removing: ["app/c.yaml"])
        try await eventually("two failed syncs of the new commit", seconds: 120) {
            try await app.history(url).filter { $0["revision"]?.stringValue == second && $0["result"] == "Failed" }.count >= 2
        }
        let failed = try #require(try await app.history(url).first { $0["revision"]?.stringValue == second && $0["result"] == "Failed" })
        #expect(failed["message"]?.stringValue?.contains("500") == true, "\(failed)")
        #expect(try await app.names("configmap").contains("c"), "pruned while the API was failing")
        #expect(try await app.configValue("a") == "2")
        #expect(try await app.configValue("b") == "1")
        #expect(try await app.status(url)["sync"]?["status"] == "OutOfSync")
        #expect(try await cluster.injectedFaults() >= 4)

        try await cluster.heal()
        try await app.waitSynced(url, at: second)
        #expect(try await app.configValue("b") == "2")
        #expect(try await !app.names("configmap").contains("c"))
        let history = try await app.history(url)
        #expect(history.first?["result"] == "Succeeded")
        #expect(!history.contains { $0["result"] == "Running" })
    }
}
