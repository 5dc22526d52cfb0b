import BosunCore
import BosunTesting
import Testing

@testable import KubernetesSimulator

/// The simulated controllers: Deployments converge, images containing `fail` never do, Jobs
/// finish, volumes bind, garbage collection follows owner references.
@Suite struct ControllerTests {
    func condition(_ object: StoredObject, _ type: String) -> JSONValue? {
        object["status", "conditions"]?.arrayValue?.first { $0["type"]?.stringValue == type }
    }

    @Test func aDeploymentConvergesAfterTheControllerDelay() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(delayMilliseconds: 200))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("web", replicas: 3))
        // First the rollout is reported in progress...
        let progressing = await eventually { (try? api.get(api.deployments, namespace: "default", name: "web"))?["status", "observedGeneration"] == 1 }
        #expect(progressing)
        let early = try api.get(api.deployments, namespace: "default", name: "web")
        #expect(early["status", "readyReplicas"] == nil)
        #expect(condition(early, "Progressing")?["reason"] == "ReplicaSetUpdated")
        // ...then it converges.
        let ready = await eventually { (try? api.get(api.deployments, namespace: "default", name: "web"))?["status", "readyReplicas"] == 3 }
        #expect(ready)
        let done = try api.get(api.deployments, namespace: "default", name: "web")
        #expect(done["status", "replicas"] == 3)
        #expect(done["status", "updatedReplicas"] == 3)
        #expect(done["status", "availableReplicas"] == 3)
        #expect(done["status", "observedGeneration"] == 1)
        #expect(condition(done, "Available")?["status"] == "True")
        #expect(condition(done, "Available")?["reason"] == "MinimumReplicasAvailable")
        #expect(condition(done, "Progressing")?["status"] == "True")
        #expect(condition(done, "Progressing")?["reason"] == "NewReplicaSetAvailable")
        let message = condition(done, "Progressing")?["message"]?.stringValue ?? ""
        #expect(message.hasPrefix("ReplicaSet \"web-") && message.hasSuffix("\" has successfully progressed."))
        // The controller's writes are its own, through the status subresource.
        let manager = done["metadata", "managedFields"]?.arrayValue?.first { $0["manager"] == "kube-controller-manager" }
        #expect(manager?["subresource"] == "status")
    }

    @Test func anImageNamedFailNeverBecomesReadyAndExceedsItsDeadline() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(delayMilliseconds: 50))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("broken", image: "registry.local/fail-to-start:1", replicas: 2))
        let exceeded = await eventually(seconds: 30) {
            (try? api.get(api.deployments, namespace: "default", name: "broken")).map {
                condition($0, "Progressing")?["reason"] == "ProgressDeadlineExceeded"
            } ?? false
        }
        #expect(exceeded)
        let stuck = try api.get(api.deployments, namespace: "default", name: "broken")
        #expect(condition(stuck, "Progressing")?["status"] == "False")
        #expect(condition(stuck, "Available")?["status"] == "False")
        #expect(stuck["status", "readyReplicas"] == nil)
        #expect(stuck["status", "unavailableReplicas"] == 2)
        #expect(condition(stuck, "Progressing")?["message"]?.stringValue?.hasSuffix("has timed out progressing.") == true)
    }

    @Test func aFailingRolloutKeepsThePreviousVersionServing() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(delayMilliseconds: 50))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("web", replicas: 4))
        #expect(await eventually { (try? api.get(api.deployments, namespace: "default", name: "web"))?["status", "readyReplicas"] == 4 })
        _ = try api.patch(
            api.deployments, namespace: "default", name: "web", patchType: .strategicMerge,
            body: #"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:fail"}]}}}}"#)
        #expect(await eventually(seconds: 30) {
            (try? api.get(api.deployments, namespace: "default", name: "web")).map { condition($0, "Progressing")?["reason"] == "ProgressDeadlineExceeded" } ?? false
        })
        let stuck = try api.get(api.deployments, namespace: "default", name: "web")
        #expect(stuck["status", "observedGeneration"] == 2)
        #expect(stuck["status", "readyReplicas"] == 4)
        #expect(condition(stuck, "Available")?["status"] == "True")
    }

    @Test func jobsCompleteOrFail() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(delayMilliseconds: 50))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let jobs = api.type(group: "batch", kind: "Job")
        func job(_ name: String, image: String) throws -> JSONObject {
            try Fixtures.yaml("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: \(name), namespace: default}
                spec:
                  backoffLimit: 2
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: main, image: "\(image)"}]
                """)
        }
        try api.create(jobs, namespace: "default", object: try job("ok", image: "busybox"))
        try api.create(jobs, namespace: "default", object: try job("bad", image: "busybox-fail"))
        #expect(await eventually { (try? api.get(jobs, namespace: "default", name: "ok")).map { Conditions.isTrue($0.object, "Complete") } ?? false })
        #expect(await eventually { (try? api.get(jobs, namespace: "default", name: "bad")).map { Conditions.isTrue($0.object, "Failed") } ?? false })
        let ok = try api.get(jobs, namespace: "default", name: "ok")
        #expect(ok["status", "succeeded"] == 1)
        #expect(ok["status", "completionTime"] != nil)
        let bad = try api.get(jobs, namespace: "default", name: "bad")
        #expect(bad["status", "failed"] == 3)
        #expect(condition(bad, "Failed")?["reason"] == "BackoffLimitExceeded")
        // The server chose the job's selector from its uid.
        #expect(ok["spec", "selector", "matchLabels", "batch.kubernetes.io/controller-uid"] == ok["metadata", "uid"])
    }

    @Test func claimsBind() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(delayMilliseconds: 50))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        let claims = api.type(group: "", kind: "PersistentVolumeClaim")
        let created = try api.create(claims, namespace: "default", object: try Fixtures.yaml("""
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 2Gi}}}
            """))
        #expect(created["status", "phase"] == "Pending")
        #expect(await eventually { (try? api.get(claims, namespace: "default", name: "data"))?["status", "phase"] == "Bound" })
        let bound = try api.get(claims, namespace: "default", name: "data")
        #expect(bound["status", "capacity", "storage"] == "2Gi")
        #expect(bound["spec", "volumeName"]?.stringValue?.hasPrefix("pvc-") == true)
    }

    @Test func withoutControllersNothingConverges() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(controllers: false, delayMilliseconds: 10))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("web"))
        try await Task.sleep(for: .milliseconds(200))
        #expect(try api.get(api.deployments, namespace: "default", name: "web")["status"] == .object(JSONObject()))
    }

    func owned(by owner: StoredObject, _ name: String) -> JSONObject {
        var object = Fixtures.configMap(name, data: [:])
        object["metadata"]?["ownerReferences"] = [[
            "apiVersion": "apps/v1", "kind": "Deployment", "name": .string(owner.name), "uid": .string(owner.uid),
            "blockOwnerDeletion": true,
        ]]
        return object
    }

    @Test func deletionPropagatesToDependents() async throws {
        let simulator = try await KubernetesSimulator.start(Fixtures.options(delayMilliseconds: 10))
        defer { Task { await simulator.stop() } }
        let api = simulator.api
        func exists(_ name: String) -> Bool { (try? api.get(api.configMaps, namespace: "default", name: name)) != nil }

        // Background: the owner goes at once, its dependent soon after.
        let background = try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("bg"))
        try api.create(api.configMaps, namespace: "default", object: owned(by: background, "bg-child"))
        guard case .deleted = try api.delete(api.deployments, namespace: "default", name: "bg") else {
            Issue.record("background deletion removes the owner at once")
            return
        }
        #expect(await eventually { !exists("bg-child") })

        // Foreground: the owner waits, with a finalizer, until its dependent is gone.
        let foreground = try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("fg"))
        try api.create(api.configMaps, namespace: "default", object: owned(by: foreground, "fg-child"))
        guard case .pending(let terminating) = try api.delete(api.deployments, namespace: "default", name: "fg", options: DeleteOptions(propagationPolicy: .foreground)) else {
            Issue.record("foreground deletion waits for dependents")
            return
        }
        #expect(terminating["metadata", "finalizers"] == ["foregroundDeletion"])
        #expect(terminating["metadata", "deletionTimestamp"] != nil)
        #expect(await eventually { (try? api.get(api.deployments, namespace: "default", name: "fg")) == nil })
        #expect(!exists("fg-child"))

        // Orphan: the dependent stays, without its owner reference.
        let orphaning = try api.create(api.deployments, namespace: "default", object: Fixtures.deployment("or"))
        try api.create(api.configMaps, namespace: "default", object: owned(by: orphaning, "or-child"))
        _ = try api.delete(api.deployments, namespace: "default", name: "or", options: DeleteOptions(propagationPolicy: .orphan))
        #expect(await eventually { (try? api.get(api.deployments, namespace: "default", name: "or")) == nil })
        let orphan = try api.get(api.configMaps, namespace: "default", name: "or-child")
        #expect(orphan["metadata", "ownerReferences"] == nil)
    }
}
