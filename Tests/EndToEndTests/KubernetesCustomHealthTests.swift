import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Health of custom resources driving the sync, end to end on the simulator: `bosun serve`
    /// with a Kubernetes target, a CRD and its objects in Git, and the test playing the operator
    /// by writing the objects' status through the API (`kubectl patch --subresource=status`).
    @Suite(.serialized) struct KubernetesCustomHealthTests {
        static let crd = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: { plural: widgets, singular: widget, kind: Widget, listKind: WidgetList }
              versions:
                - name: v1
                  served: true
                  storage: true
                  subresources: { status: {} }
                  schema:
                    openAPIV3Schema:
                      type: object
                      properties:
                        spec: { type: object, properties: { version: { type: string } } }
                        status: { type: object, x-kubernetes-preserve-unknown-fields: true }
            """

        static func widget(_ name: String, version: String, wave: Int? = nil) -> String {
            """
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: \(name)\(KubeManifests.annotations(wave: wave))
            spec:
              version: "\(version)"
            """
        }

        /// Declared in bosun.yaml: a Widget is ready when its operator says so, and waits until then.
        static let widgetRules = """
            healthRules:
              - group: example.com
                kind: Widget
                rules:
                  - { when: { condition: Ready, status: "True" }, health: Healthy }
                  - { when: { condition: Ready, status: "False" }, health: Degraded }
                default: Progressing
            """

        @Test("a wave waits on a custom resource until its operator reports it Ready (declared rule); healthTimeout names it")
        func waveWaitsOnACustomResource() async throws {
            let cluster = try await KubeCluster()
            defer { cluster.stop() }
            let files = { (_: String) in
                ["app/crd.yaml": Self.crd, "app/gate.yaml": Self.widget("gate", version: "1", wave: 0),
                 "app/after.yaml": KubeManifests.configMap("after-gate", version: "1", wave: 1)]
            }
            let app = try KubeApp(cluster: cluster, files: files, healthTimeout: "5s", extraConfig: Self.widgetRules)
            defer { app.remove() }
            let serve = try await app.serve()
            let url = serve.url
            defer { serve.stop() }

            // The sync applies the Widget and waits: no status yet, so the rule's default holds it
            // until healthTimeout, and the failure names it (retries then wait on it again).
            var timedOut = ""
            try await eventually("a sync that timed out waiting on Widget/gate", seconds: 90) {
                timedOut = try await app.history(url).first { $0["result"] == "Failed" }?["message"]?.stringValue ?? ""
                return !timedOut.isEmpty
            }
            #expect(timedOut.contains("not healthy after 5s: Widget/\(app.namespace)/gate: Progressing: no health rule for Widget matched"), "\(timedOut)")
            #expect(try await app.get("widget", "gate") != nil)
            #expect(try await app.get("configmap", "after-gate") == nil, "wave 1 was applied before the Widget was healthy")

            // The operator reports it ready: wave 1 follows and the sync succeeds.
            try await app.kubectl("patch", "widget", "gate", "--subresource=status", "--type=merge", "-p",
                            #"{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Provisioned","message":"widget is ready"}]}}"#)
            let head = try app.repo.head()
            try await app.waitSynced(url, at: head)
            #expect(try await app.configValue("after-gate") == "1")
            let gate = try #require(try await app.status(url)["resources"]?.arrayValue?.first { $0["kind"] == "Widget" })
            #expect(gate["health"]?["status"] == "Healthy")
            #expect(gate["health"]?["message"] == "Ready=True (Provisioned): widget is ready")
            // The first sync, which timed out, applied wave 0 only; the one that succeeded went on to wave 1.
            func applied(_ record: JSONValue?) async throws -> [String] {
                let results = try await app.sync(url, id: try #require(record?["id"]?.intValue))["resources"]?.arrayValue ?? []
                return results.compactMap { result -> String? in
                    guard let key = result["key"]?.stringValue else { return nil }
                    return "\(key.split(separator: "/", omittingEmptySubsequences: false).dropFirst().first ?? "")@\(result["wave"]?.intValue ?? -1)"
                }
            }
            let history = try await app.history(url)
            let firstSync = try await applied(history.last { $0["result"] == "Failed" })
            #expect(firstSync == ["CustomResourceDefinition@0", "Widget@0"])
            #expect(try await applied(history.first).contains("ConfigMap@1"))
        }

        @Test("a commit whose custom resource its operator reports Degraded is rolled back (generic rules)")
        func autoRollbackOnADegradedCustomResource() async throws {
            let cluster = try await KubeCluster()
            defer { cluster.stop() }
            let files = { (_: String) in
                ["app/crd.yaml": Self.crd, "app/engine.yaml": Self.widget("engine", version: "1"),
                 "app/settings.yaml": KubeManifests.configMap("settings", version: "1")]
            }
            let app = try KubeApp(cluster: cluster, files: files, sync: ", autoRollback: true", healthTimeout: "90s")
            defer { app.remove() }
            // The operator: every spec it has not seen gets a status; version 2 fails its migration.
            let namespace = app.namespace
            let operatorLoop = Task.detached {
                while !Task.isCancelled {
                    if let text = try? await cluster.kubectl(["get", "widget", "engine", "-n", namespace, "-o", "json"]),
                        let widget = try? json(text), let generation = widget["metadata"]?["generation"]?.intValue,
                        widget["status"]?["observedGeneration"]?.intValue != generation
                    {
                        let failing = widget["spec"]?["version"]?.stringValue == "2"
                        let condition = failing
                            ? #"{"type":"Ready","status":"False","reason":"MigrationFailed","message":"schema migration 0042 failed"}"#
                            : #"{"type":"Ready","status":"True","reason":"Running","message":"engine is running"}"#
                        _ = try? await cluster.kubectl(["patch", "widget", "engine", "-n", namespace, "--subresource=status", "--type=merge", "-p",
                                                  #"{"status":{"observedGeneration":\#(generation),"conditions":[\#(condition)]}}"#])
                    }
                    try? await Task.sleep(for: .milliseconds(300))
                }
            }
            defer { operatorLoop.cancel() }
            let serve = try await app.serve()
            let url = serve.url
            defer { serve.stop() }
            let good = try app.repo.head()
            try await app.waitSynced(url, at: good)
            try await eventually("the operator reporting version 1 ready", seconds: 60) {
                try await app.get("widget", "engine")?.condition("Ready") == true
            }

            let bad = try app.commit("engine version 2") { _ in
                ["app/engine.yaml": Self.widget("engine", version: "2"), "app/settings.yaml": KubeManifests.configMap("settings", version: "2")]
            }
            do {
                try await eventually("rolled back", seconds: 150) {
                    let history = try await app.history(url)
                    return history.first?["trigger"] == "autoRollback" && history.first?["result"] == "Succeeded"
                }
            } catch {
                Issue.record("history: \((try? await app.history(url)) ?? []); status: \((try? await app.status(url)) ?? .null)")
                throw error
            }
            let history = try await app.history(url)
            #expect(history[0]["revision"]?.stringValue == good)
            let failed = try #require(history.first { $0["revision"]?.stringValue == bad && $0["result"] == "Failed" })
            let message = failed["message"]?.stringValue ?? ""
            #expect(message.contains("Widget/\(namespace)/engine is Degraded") && message.contains("Ready=False (MigrationFailed): schema migration 0042 failed"), "\(message)")
            // The cluster holds version 1 again, and its operator reports it ready.
            try await eventually("version 1 running again", seconds: 60) {
                let widget = try await app.get("widget", "engine")
                return widget?["spec"]?["version"]?.stringValue == "1" && widget?.condition("Ready") == true
            }
            #expect(try await app.configValue("settings") == "1")
            #expect(try await app.status(url)["condition"]?["type"] == "RollbackBlocked")
        }

        /// Rules kept in Git (an included `kind: Applications` file), as issue 16 asks once
        /// applications can live there: a Widget without status waits on the rule's default.
        static func gitRules(default health: String?) -> String {
            """
            apiVersion: bosun.dev/v1
            kind: Applications
            healthRules:
              - group: example.com
                kind: Widget
                rules:
                  - { when: { condition: Ready, status: "True" }, health: Healthy }
            \(health.map { "    default: \($0)" } ?? "")
            """
        }

        @Test("health rules read from Git judge a custom resource; a commit that changes them applies without a restart; validate --fetch refuses a kind declared twice")
        func healthRulesFromGit() async throws {
            let cluster = try await KubeCluster()
            defer { cluster.stop() }
            let files = { (_: String) in
                ["app/crd.yaml": Self.crd, "app/settings.yaml": KubeManifests.configMap("settings", version: "1"),
                 "bosun/health.yaml": Self.gitRules(default: "Progressing")]
            }
            let app = try KubeApp(cluster: cluster, files: files, healthTimeout: "5s",
                                  extraConfig: "include: [{ repository: deploy, revision: main, path: \"bosun/*.yaml\" }]")
            defer { app.remove() }

            // validate --fetch reads the rules from Git; the same kind declared locally too is refused, naming both places.
            let checked = try await bosun("validate", "--config", app.config, "--fetch")
            #expect(checked.status == 0 && checked.stdout.contains("health rules for 1 kind"), "\(checked.stdout)\(checked.stderr)")
            let twice = try app.dir.write("twice.yaml", try String(contentsOfFile: app.config, encoding: .utf8) + "\n" + Self.widgetRules + "\n").path
            let refused = try await bosun("validate", "--config", twice, "--fetch")
            #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
            #expect(refused.stdout.contains("health rules for example.com/Widget are declared at deploy:bosun/health.yaml:4 and at"), "\(refused.stdout)")

            let serve = try await app.serve()

            let url = serve.url
            defer { serve.stop() }
            func events() async throws -> [String] {
                try json(try await bosun("events", "--server", url, "-o", "json", "--limit", "1000").stdout).arrayValue?
                    .filter { $0["reason"] == "HealthRulesChanged" }.compactMap { $0["message"]?.stringValue } ?? []
            }
            try await eventually("the rules from Git in force", seconds: 60) {
                try await events().contains("health rules in force for example.com/Widget (deploy:bosun/health.yaml:4)")
            }
            try await app.waitSynced(url, at: try app.repo.head())
            let includes = try json(try await Shell.execute(["curl", "-s", "\(url)/api/v1/includes"]).stdout)
            #expect(includes.arrayValue?.first?["files"]?.arrayValue?.first?["healthRules"] == ["example.com/Widget"], "\(includes)")

            // A Widget without status: the rule from Git holds the sync until healthTimeout, and says where it is written.
            try app.commit("a widget") { _ in ["app/gate.yaml": Self.widget("gate", version: "1")] }
            var timedOut = ""
            try await eventually("a sync that timed out waiting on Widget/gate", seconds: 90) {
                timedOut = try await app.history(url).first { $0["result"] == "Failed" }?["message"]?.stringValue ?? ""
                return !timedOut.isEmpty
            }
            #expect(timedOut.contains("Widget/\(app.namespace)/gate: Progressing: no health rule for Widget matched (deploy:bosun/health.yaml:4)"), "\(timedOut)")

            // A commit drops the default: the generic rules decide again (no status: Healthy), with no restart.
            let head = try app.commit("no default") { _ in
                ["bosun/health.yaml": Self.gitRules(default: nil), "app/settings.yaml": KubeManifests.configMap("settings", version: "2")]
            }
            try await app.waitSynced(url, at: head)
            let gate = try #require(try await app.status(url)["resources"]?.arrayValue?.first { $0["kind"] == "Widget" })
            #expect(gate["health"]?["status"] == "Healthy")

            // A second file with rules for Widget is refused, naming both places; the first file's rules stay in force.
            try app.commit("rules twice") { _ in ["bosun/more.yaml": Self.gitRules(default: "Degraded")] }
            var condition: JSONValue = .null
            try await eventually("the include ConfigInvalid", seconds: 60) {
                condition = try json(try await Shell.execute(["curl", "-s", "\(url)/api/v1/includes"]).stdout).arrayValue?.first?["condition"] ?? .null
                return condition["type"] == "ConfigInvalid"
            }
            #expect(condition["message"]?.stringValue?.contains(
                "health rules for example.com/Widget are declared at deploy:bosun/more.yaml:4 and at deploy:bosun/health.yaml:4") == true, "\(condition)")
            try await app.waitSynced(url, at: try app.repo.head())
            let still = try #require(try await app.status(url)["resources"]?.arrayValue?.first { $0["kind"] == "Widget" })
            #expect(still["health"]?["status"] == "Healthy")
        }
    }
}
