import BosunCore
import Foundation
import Testing

@testable import BosunDiff

@Suite("Plan ordering")
struct PlanTests {
    func resource(
        _ kind: String, _ name: String, namespace: String? = "shop", apiVersion: String = "v1",
        annotations: [String: String] = [:]
    ) -> Resource {
        var metadata: JSONObject = ["name": .string(name)]
        if let namespace { metadata["namespace"] = .string(namespace) }
        if !annotations.isEmpty {
            metadata["annotations"] = .object(JSONObject(annotations.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: .string($0.value)) }))
        }
        return Resource(["apiVersion": .string(apiVersion), "kind": .string(kind), "metadata": .object(metadata)] as JSONObject)
    }

    /// A plan where everything in `desired` is new and everything in `orphans` is left over.
    func plan(_ desired: [Resource], orphans: [Resource] = [], prune: Bool = true) -> Plan {
        let live = Dictionary(uniqueKeysWithValues: orphans.map { ($0.key, $0) })
        let diffs = Differ.diff(desired: desired, live: live, lastApplied: live, options: DiffOptions())
        return Plan.make(desired: desired, diffs: diffs, prune: prune)
    }

    @Test func wavesAscendFromTheBosunOrArgoAnnotation() {
        let resources = [
            resource("ConfigMap", "late", annotations: ["bosun.dev/sync-wave": "5"]),
            resource("ConfigMap", "default"),
            resource("ConfigMap", "early", annotations: ["argocd.argoproj.io/sync-wave": "-2"]),
            resource("ConfigMap", "bosun-wins", annotations: ["bosun.dev/sync-wave": "1", "argocd.argoproj.io/sync-wave": "9"]),
            resource("ConfigMap", "not-a-number", annotations: ["bosun.dev/sync-wave": "soon"]),
        ]
        let waves = plan(resources).waves
        #expect(waves.map(\.number) == [-2, 0, 1, 5])
        #expect(waves.map { $0.steps.map(\.key.name) } == [["early"], ["default", "not-a-number"], ["bosun-wins"], ["late"]])
        #expect(waves.allSatisfy { wave in wave.steps.allSatisfy { $0.wave == wave.number && $0.action == .create } })
    }

    @Test func kindOrderInsideAWave() {
        let kinds: [(String, String)] = [
            ("ValidatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
            ("MutatingWebhookConfiguration", "admissionregistration.k8s.io/v1"),
            ("Widget", "example.com/v1"), ("Alpha", "example.com/v1"),
            ("APIService", "apiregistration.k8s.io/v1"), ("Ingress", "networking.k8s.io/v1"),
            ("IngressClass", "networking.k8s.io/v1"), ("CronJob", "batch/v1"), ("Job", "batch/v1"),
            ("StatefulSet", "apps/v1"), ("HorizontalPodAutoscaler", "autoscaling/v2"), ("Deployment", "apps/v1"),
            ("ReplicaSet", "apps/v1"), ("ReplicationController", "v1"), ("Pod", "v1"), ("DaemonSet", "apps/v1"),
            ("Service", "v1"), ("RoleBinding", "rbac.authorization.k8s.io/v1"), ("Role", "rbac.authorization.k8s.io/v1"),
            ("ClusterRoleBinding", "rbac.authorization.k8s.io/v1"), ("ClusterRole", "rbac.authorization.k8s.io/v1"),
            ("CustomResourceDefinition", "apiextensions.k8s.io/v1"), ("PersistentVolumeClaim", "v1"),
            ("PersistentVolume", "v1"), ("StorageClass", "storage.k8s.io/v1"), ("ConfigMap", "v1"), ("Secret", "v1"),
            ("ServiceAccount", "v1"), ("PodDisruptionBudget", "policy/v1"), ("PodSecurityPolicy", "policy/v1beta1"),
            ("LimitRange", "v1"), ("ResourceQuota", "v1"), ("NetworkPolicy", "networking.k8s.io/v1"), ("Namespace", "v1"),
        ]
        let resources = kinds.map { resource($0.0, "x", apiVersion: $0.1) }
        let order = plan(resources).waves.flatMap(\.steps).map(\.key.kind)
        #expect(order == KindOrder.known + ["Alpha", "Widget"] + KindOrder.last)
    }

    @Test func otherTargetsKindsSortWithTheirKubernetesCounterparts() {
        let resources = [
            resource("Process", "worker", namespace: nil, apiVersion: "host.bosun.dev/v1"),
            resource("Service", "web"),
            resource("File", "motd", namespace: nil, apiVersion: "host.bosun.dev/v1"),
            resource("Job", "batch", apiVersion: "nomad/v1"),
            resource("Secret", "creds"),
            resource("Job", "migrate", apiVersion: "batch/v1"),
            resource("PersistentVolumeClaim", "data"),
            resource("Deployment", "web", apiVersion: "apps/v1"),
        ]
        let order = plan(resources).waves.flatMap(\.steps).map { "\($0.key.kind)/\($0.key.name)" }
        #expect(order == [
            "Secret/creds", "File/motd", "PersistentVolumeClaim/data", "Service/web", "Process/worker",
            "Job/batch", "Deployment/web", "Job/migrate",
        ])
    }

    @Test func tiesBreakByNamespaceThenName() {
        let resources = [
            resource("ConfigMap", "b", namespace: "beta"), resource("ConfigMap", "a", namespace: "beta"),
            resource("ConfigMap", "z", namespace: "alpha"), resource("ConfigMap", "cluster", namespace: nil),
        ]
        let order = plan(resources).waves.flatMap(\.steps).map { "\($0.key.namespace)/\($0.key.name)" }
        #expect(order == ["/cluster", "alpha/z", "beta/a", "beta/b"])
    }

    @Test func hooksAreSetApartByPhase() {
        let resources = [
            resource("Job", "smoke-test", apiVersion: "batch/v1", annotations: ["bosun.dev/hook": "PostSync"]),
            resource("Job", "migrate", apiVersion: "batch/v1", annotations: [
                "argocd.argoproj.io/hook": "PreSync", "argocd.argoproj.io/hook-delete-policy": "HookSucceeded",
            ]),
            resource("ConfigMap", "migrate-config", annotations: ["bosun.dev/hook": "PreSync", "bosun.dev/sync-wave": "-1"]),
            resource("Job", "notify", apiVersion: "batch/v1", annotations: [
                "bosun.dev/hook": "PostSync, SyncFail", "bosun.dev/hook-delete-policy": "HookSucceeded,HookFailed",
            ]),
            resource("Pod", "debug", annotations: ["bosun.dev/hook": "Skip"]),
            resource("Deployment", "web", apiVersion: "apps/v1"),
        ]
        let plan = plan(resources)
        #expect(plan.steps.map(\.key.name) == ["web"])
        #expect(plan.hooks(.preSync).map(\.key.name) == ["migrate-config", "migrate"])
        #expect(plan.hooks(.preSync).map(\.wave) == [-1, 0])
        #expect(plan.hooks(.sync).isEmpty)
        #expect(plan.hooks(.postSync).map(\.key.name) == ["notify", "smoke-test"])
        #expect(plan.hooks(.syncFail).map(\.key.name) == ["notify"])
        #expect(plan.hooks.map(\.phase) == [.preSync, .preSync, .postSync, .postSync, .syncFail])
        #expect(plan.hooks(.preSync).map(\.deletePolicies) == [[.beforeHookCreation], [.hookSucceeded]])
        #expect(plan.hooks(.syncFail).first?.deletePolicies == [.hookSucceeded, .hookFailed])
        #expect(!plan.hooks.contains { $0.key.name == "debug" })
    }

    @Test func hookPhasesParse() {
        #expect(Hooks.phases(of: resource("Job", "j")) == nil)
        #expect(Hooks.phases(of: resource("Job", "j", annotations: ["bosun.dev/hook": "Sync"])) == [.sync])
        #expect(Hooks.phases(of: resource("Job", "j", annotations: ["argocd.argoproj.io/hook": "PreSync,PostSync"])) == [.preSync, .postSync])
        #expect(Hooks.phases(of: resource("Job", "j", annotations: ["bosun.dev/hook": "Skip"])) == [])
        #expect(Hooks.phases(of: resource("Job", "j", annotations: ["bosun.dev/hook": "PostSync", "argocd.argoproj.io/hook": "PreSync"])) == [.postSync])
    }

    @Test func prunesComeLastInReverseApplyOrder() {
        let orphans = [
            resource("Namespace", "old", namespace: nil),
            resource("Deployment", "old", apiVersion: "apps/v1"),
            resource("ConfigMap", "old"),
            resource("ConfigMap", "old-early", annotations: ["bosun.dev/sync-wave": "-1"]),
            resource("Service", "old-late", annotations: ["argocd.argoproj.io/sync-wave": "3"]),
            resource("ValidatingWebhookConfiguration", "old", namespace: nil, apiVersion: "admissionregistration.k8s.io/v1"),
        ]
        let plan = plan([resource("ConfigMap", "kept")], orphans: orphans)
        #expect(plan.prunes.map { "\($0.key.kind)/\($0.key.name)" } == [
            "Service/old-late", "ValidatingWebhookConfiguration/old", "Deployment/old", "ConfigMap/old", "Namespace/old",
            "ConfigMap/old-early",
        ])
        #expect(plan.prunes.allSatisfy { $0.action == .delete && $0.resource != nil })
        #expect(plan.steps.map(\.key.name) == ["kept"])
    }

    @Test func pruneDisabledResourcesAreKept() {
        let orphans = [
            resource("PersistentVolumeClaim", "data", annotations: ["bosun.dev/prune": "false"]),
            resource("ConfigMap", "argo-kept", annotations: ["argocd.argoproj.io/sync-options": "Prune=false"]),
            resource("ConfigMap", "gone"),
            resource("Job", "old-hook", apiVersion: "batch/v1", annotations: ["bosun.dev/hook": "PostSync"]),
        ]
        let plan = plan([], orphans: orphans)
        #expect(plan.prunes.map(\.key.name) == ["gone"])
        #expect(plan.keptFromPrune.map(\.name) == ["argo-kept", "data"])
        #expect(!plan.isNoop)
    }

    @Test func pruneFalseLeavesDeletesOut() {
        let orphans = [resource("ConfigMap", "gone")]
        let diffs = Differ.diff(desired: [], live: [orphans[0].key: orphans[0]], lastApplied: [:], options: DiffOptions())
        #expect(diffs.map(\.action) == [.delete])
        let plan = Plan.make(desired: [], diffs: diffs, prune: false)
        #expect(plan.prunes.isEmpty)
        #expect(plan.isNoop)
    }

    @Test func unchangedResourcesStayInTheirWaves() throws {
        let web = resource("Deployment", "web", apiVersion: "apps/v1")
        let config = resource("ConfigMap", "settings")
        var newConfig = config
        newConfig.body["data"] = ["a": "b"]
        let diffs = Differ.diff(
            desired: [web, newConfig], live: [web.key: web, config.key: config], lastApplied: [:], options: DiffOptions())
        let plan = Plan.make(desired: [web, newConfig], diffs: diffs, prune: true)
        #expect(plan.steps.map(\.action) == [.update, .unchanged])
        #expect(!plan.isNoop)
        let same = Plan.make(desired: [web], diffs: Differ.diff(desired: [web], live: [web.key: web], lastApplied: [:], options: DiffOptions()), prune: true)
        #expect(same.isNoop)
    }

    @Test func descriptionReadsAsAPlan() {
        let resources = [
            resource("Deployment", "web", apiVersion: "apps/v1"),
            resource("ConfigMap", "settings", annotations: ["bosun.dev/sync-wave": "-1"]),
            resource("Job", "migrate", apiVersion: "batch/v1", annotations: ["bosun.dev/hook": "PreSync"]),
        ]
        let text = plan(resources, orphans: [resource("ConfigMap", "old")]).description
        #expect(
            text == """
                Plan: 2 to create, 0 to update, 0 unchanged, 1 to prune, 1 hook
                PreSync hooks:
                  wave 0  batch/Job/shop/migrate  (delete: BeforeHookCreation)
                Wave -1:
                  create     /ConfigMap/shop/settings
                Wave 0:
                  create     apps/Deployment/shop/web
                Prune (reverse order):
                  delete     /ConfigMap/shop/old

                """)
    }

    @Test func encodesWithoutResourceBodies() throws {
        let secret = Resource(["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["p": "aHVudGVyMg=="]] as JSONObject)
        let hook = resource("Job", "migrate", apiVersion: "batch/v1", annotations: ["bosun.dev/hook": "PreSync"])
        let json = try JSONParser.parse(String(decoding: JSONEncoderForTests.encode(plan([secret, hook])), as: UTF8.self))
        #expect(json["waves"]?.arrayValue?.first?["steps"] == [["key": "/Secret//s", "action": "create", "wave": 0]])
        #expect(json["hooks"] == [["phase": "PreSync", "key": "batch/Job/shop/migrate", "wave": 0, "deletePolicies": ["BeforeHookCreation"]]])
        #expect(json["prunes"] == [])
        #expect(!json.jsonString().contains("aHVudGVyMg=="))
    }
}
