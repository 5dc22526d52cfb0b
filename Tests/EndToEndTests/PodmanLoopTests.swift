import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The GitOps loop on a real Podman, through the `bosun` binary: Kubernetes YAML in Git played
    /// with kube play, changes replacing only the pods they touch, drift healed from Podman's events,
    /// prune sparing what is not Bosun's, pulls before anything is touched, a crash rolled back, a
    /// killed `bosun serve` converging, and manifests the target refuses.
    @Suite(.serialized, .enabled(if: PodmanHost.installed, PodmanHost.skipReason))
    struct PodmanLoopTests {
        @Test func podsAndDeploymentsRollOutChangeOnlyWhatChangedAndArePruned() async throws {
            let podman = try await PodmanHost()
            defer { podman.stop() }
            let app = "pm-loop"
            defer { podman.clean(app: app, secrets: ["worker-secret"], pods: ["pm-handmade"]) }
            podman.clean(app: app, secrets: ["worker-secret"], pods: ["pm-handmade"])
            let setup = try PodmanSetup(socket: podman.socket, app: app, files: [
                "apps/web.yaml": PodmanSetup.pod("web", env: ["COLOR": "blue"]), "apps/worker.yaml": Self.worker,
                "apps/api.yaml": PodmanSetup.deployment("api", replicas: 2, configMap: "api-config"),
                "apps/api-config.yaml": PodmanSetup.configMap("api-config", greeting: "hello"),
            ])
            defer { setup.remove() }
            // A pod someone started by hand: never Bosun's to touch.
            try await podman.podman("pod", "create", "--name", "pm-handmade", "--label", "bosun.dev/app=\(app)-other")
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }

            var head = try setup.repo.head()
            try await setup.waitSynced(url, at: head)
            let first = try await podman.pods(app: app)
            #expect(Set(first.keys) == ["web", "worker", "api-pod-0", "api-pod-1"], "\(first)")
            #expect(try await podman.env("web-main", "COLOR") == "blue")
            #expect(try await podman.env("api-pod-1-main", "GREETING") == "hello")
            // A Secret is a Podman secret the pod reads; its value appears in no output of Bosun's.
            #expect(try await podman.env("worker-main", "PASSWORD") == "s3cret-value")
            #expect(!serve.output.get().contains("s3cret-value"))
            #expect(try await !bosun("diff", app, "--server", url).stdout.contains("s3cret-value"))
            let keys = try await setup.status(url)["resources"]?.arrayValue?.compactMap { $0["key"]?.stringValue } ?? []
            #expect(Set(keys) == ["/Pod//web", "/Pod//worker", "/Secret//worker-secret", "apps/Deployment//api", "/ConfigMap//api-config"], "\(keys)")
            let labels = try await podman.podman("pod", "inspect", "web", "--format", "{{json .Labels}}").stdout
            #expect(labels.contains("\"bosun.dev/tracking-id\":\"pm-loop:/Pod:/web\"") && labels.contains("bosun.dev/spec-hash"), "\(labels)")

            // An env var changed: that pod is replaced, the others keep running untouched.
            try setup.repo.commit(files: ["apps/web.yaml": PodmanSetup.pod("web", env: ["COLOR": "green"])], message: "green")
            head = try setup.repo.head()
            try await setup.waitSynced(url, at: head)
            let second = try await podman.pods(app: app)
            #expect(second["web"]?.id != first["web"]?.id)
            #expect(second["api-pod-0"]?.id == first["api-pod-0"]?.id && second["api-pod-1"]?.id == first["api-pod-1"]?.id)
            #expect(second["worker"]?.id == first["worker"]?.id)
            #expect(try await podman.env("web-main", "COLOR") == "green")

            // A ConfigMap changed: the pods that read it restart with the new value; web does not.
            try setup.repo.commit(files: ["apps/api-config.yaml": PodmanSetup.configMap("api-config", greeting: "bonjour")], message: "bonjour")
            head = try setup.repo.head()
            try await setup.waitSynced(url, at: head)
            let third = try await podman.pods(app: app)
            #expect(third["api-pod-0"]?.id != second["api-pod-0"]?.id && third["web"]?.id == second["web"]?.id)
            #expect(try await podman.env("api-pod-0-main", "GREETING") == "bonjour")

            // Files removed from Git: their pods are pruned; the hand-started pod stays.
            try setup.repo.remove("apps/api.yaml")
            try setup.repo.remove("apps/api-config.yaml")
            _ = try setup.repo.commit("drop api")
            head = try setup.repo.head()
            try await setup.waitSynced(url, at: head)
            try await eventually("api's pods are pruned", seconds: 30) { try await Set(podman.pods(app: app).keys) == ["web", "worker"] }
            #expect(try await podman.podman("pod", "exists", "pm-handmade").status == 0)
        }

        static let worker = """
            apiVersion: v1
            kind: Pod
            metadata:
              name: worker
            spec:
              hostNetwork: true
              terminationGracePeriodSeconds: 2
              containers:
                - name: main
                  image: \(PodmanHost.image)
                  command: ["/bin/busybox", "sh", "-c", "trap 'exit 0' TERM; while true; do /bin/busybox sleep 1; done"]
                  env:
                    - name: PASSWORD
                      valueFrom: { secretKeyRef: { name: worker-secret, key: password } }
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: worker-secret
            stringData:
              password: s3cret-value
            """

        @Test func aReadinessProbeKeepsThePodProgressingUntilItAnswers() async throws {
            let podman = try await PodmanHost()
            defer { podman.stop() }
            let app = "pm-ready"
            defer { podman.clean(app: app) }
            podman.clean(app: app)
            let port = try freePort()
            let probe = "      readinessProbe:\n        httpGet: { path: /index.html, port: \(port) }"
            let command = "/bin/busybox sleep 4; exec /bin/busybox httpd -f -p 127.0.0.1:\(port) -h /www"
            let setup = try PodmanSetup(socket: podman.socket, app: app, files: ["apps/web.yaml": PodmanSetup.pod("web", command: command, containerExtra: probe)])
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            // Podman ignores readinessProbe: Bosun probes the pod itself and waits.
            try await eventually("web waits for its readiness probe", seconds: 60) {
                try await setup.status(url).jsonString().contains("is not ready: GET http://127.0.0.1:\(port)/index.html")
            }
            try await setup.waitSynced(url, at: try setup.repo.head())
            #expect(await httpGet("http://127.0.0.1:\(port)/index.html") == "hello\n")
        }

        @Test func aRemovedContainerIsHealedFromPodmanEvents() async throws {
            let podman = try await PodmanHost()
            defer { podman.stop() }
            let app = "pm-drift"
            defer { podman.clean(app: app) }
            podman.clean(app: app)
            // A ten-minute interval: only Podman's events can bring Bosun back in time.
            let setup = try PodmanSetup(socket: podman.socket, app: app, files: ["apps/cache.yaml": PodmanSetup.pod("cache")], interval: "10m")
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())
            let before = try await podman.podman("inspect", "cache-main", "--format", "{{.Id}}").stdout

            try await podman.podman("rm", "-f", "-t", "0", "cache-main")
            try await eventually("cache-main runs again", seconds: 45) {
                let now = try await podman.podman("inspect", "cache-main", "--format", "{{.Id}} {{.State.Status}}").stdout
                return now.hasSuffix("running") && !now.hasPrefix(before)
            }
            #expect(try await setup.history(url).contains { $0["trigger"] == "selfHeal" })
            let events = try await bosun("events", app, "--server", url, "-o", "json").stdout
            #expect(events.contains("DriftDetected"), "\(events)")
        }

        @Test func imagesArePulledFirstAndACrashIsRolledBack() async throws {
            let podman = try await PodmanHost()
            defer { podman.stop() }
            let registry = try await LocalRegistry()
            defer { registry.stop() }
            let app = "pm-pull"
            defer { podman.clean(app: app) }
            podman.clean(app: app)
            let image = try await registry.push(PodmanHost.image, as: "bosun/busybox:1")
            _ = try? await podman.podman("rmi", "-f", image)
            let setup = try PodmanSetup(socket: podman.socket, app: app, files: ["apps/web.yaml": PodmanSetup.pod("web", image: image)],
                                        autoRollback: true, targetExtra: ", insecureRegistries: [\"\(registry.address)\"]", healthTimeout: "20s")
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }

            // Pulled from the local registry, then played.
            let good = try setup.repo.head()
            try await setup.waitSynced(url, at: good)
            #expect(try await podman.podman("image", "exists", image).status == 0)
            let running = try #require(try await podman.pods(app: app)["web"]?.id)

            // A tag the registry does not have: the sync fails before the running pod is touched.
            try setup.repo.commit(files: ["apps/web.yaml": PodmanSetup.pod("web", image: "\(registry.address)/bosun/busybox:missing", extra: "")], message: "bad tag")
            let badTag = try setup.repo.head()
            try await eventually("the sync of the bad tag fails", seconds: 60) {
                try await setup.history(url).contains { $0["revision"]?.stringValue == badTag && $0["result"] == "Failed" }
            }
            let failed = try await setup.history(url).first { $0["revision"]?.stringValue == badTag }?.jsonString() ?? ""
            #expect(failed.contains("pulling image") && failed.contains("no pod was replaced"), "\(failed)")
            #expect(try await podman.pods(app: app)["web"]?.id == running)
            #expect(try await podman.podman("inspect", "web-main", "--format", "{{.State.Status}}").stdout == "running")

            // A container that exits: Degraded, rolled back to the last healthy commit, which runs again.
            try setup.repo.commit(files: ["apps/web.yaml": PodmanSetup.pod("web", image: image, command: "echo loading config; echo config is broken >&2; exit 3")], message: "crash")
            try await eventually("Bosun rolls back", seconds: 90) { try await setup.history(url).contains { $0["trigger"] == "autoRollback" } }
            let text = try await setup.history(url).map { $0.jsonString() }.joined()
            #expect(text.contains("exited with code 3") || text.contains("restarting in a loop"), "\(text)")
            #expect(text.contains("config is broken"), "\(text)")
            var seen = ""
            do {
                try await eventually("the good pod runs again", seconds: 60) {
                    let status = try await setup.status(url)
                    let state = try await podman.podman("inspect", "web-main", "--format", "{{.State.Status}}").stdout
                    seen = "web-main \(state); status \(status.jsonString())"
                    return status["sync"]?["revision"]?.stringValue == good && status["health"]?["status"] == "Healthy" && state == "running"
                }
            } catch {
                Issue.record("last seen: \(seen)\nhistory: \(try await setup.history(url).map { $0.jsonString() })")
                throw error
            }
            let rollback = try await setup.history(url).first { $0["trigger"] == "autoRollback" }
            #expect(rollback?["revision"]?.stringValue == good && rollback?["result"] == "Succeeded", "\(String(describing: rollback))")
        }

        @Test func aKilledServeConvergesOnRestart() async throws {
            let podman = try await PodmanHost()
            defer { podman.stop() }
            let app = "pm-crash"
            defer { podman.clean(app: app) }
            podman.clean(app: app)
            let files = Dictionary(uniqueKeysWithValues: (1...3).map { ("apps/p\($0).yaml", PodmanSetup.pod("p\($0)")) })
            let setup = try PodmanSetup(socket: podman.socket, app: app, files: files)
            defer { setup.remove() }
            var serve = try await setup.serve()
            var url = serve.url
            // Cut the first sync short, somewhere inside it.
            try await eventually("a sync is running", seconds: 60) { try await setup.status(url)["operation"].map { !$0.isNull } ?? false }
            try await Task.sleep(for: .milliseconds(300))
            serve.stop(signal: SIGKILL)
            serve = try await setup.serve()
            url = serve.url
            defer { serve.stop() }
            try await setup.waitSynced(url, at: try setup.repo.head())
            #expect(try await Set(podman.pods(app: app).keys) == ["p1", "p2", "p3"])
            for name in ["p1", "p2", "p3"] {
                #expect(try await podman.podman("inspect", "\(name)-main", "--format", "{{.State.Status}}").stdout == "running")
            }
        }

        @Test func aPodOfTheSameNameThatIsNotBosunsIsNamedAndLeftAlone() async throws {
            let podman = try await PodmanHost()
            defer { podman.stop() }
            let app = "pm-foreign"
            defer { podman.clean(app: app, pods: ["pmforeign"]) }
            podman.clean(app: app, pods: ["pmforeign"])
            try await podman.podman("pod", "create", "--infra=false", "--name", "pmforeign")
            let setup = try PodmanSetup(socket: podman.socket, app: app, files: ["apps/web.yaml": PodmanSetup.pod("pmforeign")])
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await eventually("the foreign pod is named", seconds: 60) {
                try await setup.status(url)["lastSync"]?["message"]?.stringValue?.contains(
                    "a pod named \"pmforeign\" already runs on the machine and is not this application's; Bosun does not remove it") ?? false
            }
            #expect(try await podman.podman("pod", "inspect", "pmforeign", "--format", "{{.Labels}}").stdout == "map[]")
            #expect(try await podman.pods(app: app).isEmpty)
        }

        @Test func manifestsTheTargetRefusesAreNamedAndNothingIsApplied() async throws {
            let podman = try await PodmanHost()
            defer { podman.stop() }
            let app = "pm-refuse"
            defer { podman.clean(app: app) }
            podman.clean(app: app)
            let service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports: [{ port: 80 }]\n"
            let setup = try PodmanSetup(socket: podman.socket, app: app, files: ["apps/web.yaml": PodmanSetup.pod("web"), "apps/svc.yaml": service])
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            func condition() async throws -> String { try await setup.status(url)["condition"]?["message"]?.stringValue ?? "" }
            try await eventually("the Service is refused by name", seconds: 30) {
                let message = try await condition()
                return message.contains("apps/svc.yaml: v1 Service \"web\" is not a kind Podman's kube play supports") && message.contains("apps/v1 Deployment")
            }
            #expect(try await podman.pods(app: app).isEmpty)

            let hostPath = "  volumes:\n    - name: root\n      hostPath: { path: / }"
            try setup.repo.remove("apps/svc.yaml")
            try setup.repo.commit(files: ["apps/web.yaml": PodmanSetup.pod("web", extra: hostPath)], message: "host path")
            try await eventually("the host path is refused", seconds: 30) {
                try await condition().contains("mounts host path /, which target \"box\" does not allow (none is allowed); add it or a folder above it to hostPathAllowed")
            }
            let privileged = "      securityContext: { privileged: true }"
            try setup.repo.commit(files: ["apps/web.yaml": PodmanSetup.pod("web", containerExtra: privileged)], message: "privileged")
            try await eventually("the privileged container is refused", seconds: 30) {
                try await condition().contains("container \"main\" asks for securityContext.privileged, which target \"box\" does not allow; set allowPrivileged: true")
            }
            #expect(try await podman.pods(app: app).isEmpty)
        }

        @Test func aSocketThatDoesNotAnswerIsReported() async throws {
            let dir = try TemporaryDirectory(prefix: "bosun-podman-nosock")
            defer { dir.remove() }
            let missing = dir.appending("nothing.sock").path
            let setup = try PodmanSetup(socket: missing, app: "pm-nosock", files: ["apps/web.yaml": PodmanSetup.pod("web")])
            defer { setup.remove() }
            let serve = try await setup.serve()
            let url = serve.url
            defer { serve.stop() }
            try await eventually("the socket is named with how to start Podman", seconds: 30) {
                let message = try await setup.status(url)["condition"]?["message"]?.stringValue ?? ""
                return message.contains("cannot reach Podman at unix://\(missing)") && message.contains("podman system service")
            }
        }
    }
}
