import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Charts from a chart repository through `bosun serve` on the Kubernetes simulator, rendered by
    /// Helm v4's engine (the helm stand-in over helm-python-sdk), with values from a second Git
    /// repository: what an application is synced to is every source's revision.
    @Suite(.serialized, .enabled(if: HelmStandIn.isAvailable, "needs PyPI's helm-python-sdk (CI installs it)"))
    struct ChartLoopTests {
        static func chart(_ version: String) -> ChartFixture {
            ChartFixture(name: "web", version: version, files: [
                "values.yaml": "color: grey\n",
                "templates/settings.yaml": """
                    apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: settings
                    data:
                      version: "{{ .Chart.Version }}"
                      color: {{ .Values.color }}
                    """,
                "templates/migrate.yaml": """
                    apiVersion: batch/v1
                    kind: Job
                    metadata:
                      generateName: {{ .Release.Name }}-migrate-
                      annotations:
                        helm.sh/hook: pre-install,pre-upgrade
                        helm.sh/hook-delete-policy: before-hook-creation
                    spec:
                      backoffLimit: 0
                      template:
                        spec:
                          restartPolicy: Never
                          terminationGracePeriodSeconds: 0
                          containers: [{ name: main, image: "\(KubeManifests.jobImage)", command: [sh, -c, "true"] }]
                    """,
            ])
        }

        @Test("a chart range auto-syncs a new version; values from a second repository; history, rollback and an outage keep every source's revision")
        func chartRangeValuesFromAndOutage() async throws {
            let cluster = try await KubeCluster()
            defer { cluster.stop() }
            let dir = try TemporaryDirectory(prefix: "bosun-chart-e2e")
            defer { dir.remove() }
            let root = dir.appending("charts")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            for v in ["1.0.0", "2.0.0"] { try Self.chart(v).package(into: root) }
            try ChartFixture.writeIndex(in: root, charts: [Self.chart("1.0.0"), Self.chart("2.0.0")])
            let server = try ChartRepositoryServer(root: root)
            defer { server.stop() }
            let values = try GitRepository()
            defer { values.remove() }
            try values.commit(files: ["envs/prod.yaml": "color: blue\n",
                                      "plain/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: plain}\ndata: {k: v}\n"], message: "values")
            let namespace = "bosun-chart-\(UUID().uuidString.prefix(6).lowercased())"
            let bin = try HelmStandIn.install(in: dir.appending("bin"))
            let workspace = try Workspace("bosun-chart-e2e", repo: values) { repository in
                """
                targets: [{ name: cluster, type: kubernetes, kubeconfig: "\(cluster.kubeconfig)", requestTimeout: 10s }]
                security: { repositorySchemes: [file, http] }
                repositories:
                  - { name: charts, type: helm, url: "\(server.url)" }
                  - { name: config, url: \(repository) }
                applications:
                  - name: shop
                    source:
                      repository: charts
                      chart: web
                      revision: "1.x"
                      helm: { valuesFrom: [{ repository: config, revision: main, path: envs/prod.yaml }] }
                    destination: { target: cluster, namespace: \(namespace) }
                    sync: { auto: true, prune: true, interval: 2s, createNamespace: true, healthTimeout: 60s }
                  - name: plain
                    source: { repository: config, revision: main, path: plain }
                    destination: { target: cluster, namespace: \(namespace) }
                    sync: { auto: true, interval: 2s, createNamespace: true }
                """
            }
            defer { workspace.remove() }
            let serve = try await workspace.serve(environment: ["PATH": "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"])
            defer { serve.stop() }
            let url = serve.url
            func status(_ app: String = "shop") async throws -> JSONValue { try await Reported.status(url, app) }
            func history(_ app: String = "shop") async throws -> [JSONValue] { try await Reported.history(url, app) }
            func configMap(_ key: String) async throws -> String? {
                let r = try await cluster.kubectlResult(["get", "configmap", "settings", "-n", namespace, "-o", "json"])
                return r.status == 0 ? try json(r.stdout)["data"]?[key]?.stringValue : nil
            }
            func jobs() async throws -> [String] {
                try await cluster.kubectl(["get", "jobs", "-n", namespace, "-o", "jsonpath={.items[*].metadata.name}"]).split(separator: " ").map(String.init)
            }
            func waitRevision(_ revision: String) async throws {
                let last = LockedBox<JSONValue?>(nil)
                do {
                    try await eventually("shop Synced at \(revision)", seconds: 120) {
                        let s = try await status()
                        last.set(s)
                        return s["sync"]?["revision"]?.stringValue == revision && s["sync"]?["status"] == "Synced" && s["operation"] == nil
                    }
                } catch {
                    let id = last.get()?["lastSync"]?["id"]?.intValue ?? 0
                    let detail = await (try? Reported.sync(url, "shop", id: id).jsonString()) ?? ""
                    Issue.record("last status: \(last.get().map { $0.jsonString() } ?? "none")\nlast sync: \(detail)\n\(serve.output.get().suffix(3000))")
                    throw error
                }
            }

            // 1.x resolves to 1.0.0; the values come from the config repository's main.
            let valuesV1 = try values.head()
            try await waitRevision("web@1.0.0,\(valuesV1)")
            #expect(try await configMap("version") == "1.0.0")
            #expect(try await configMap("color") == "blue")
            let firstJobs = try await jobs()
            #expect(firstJobs.count == 1 && firstJobs[0].hasPrefix("shop-migrate-"), "\(firstJobs)")
            let first = try await #require(history().first)
            #expect(first["revision"]?.stringValue == "web@1.0.0,\(valuesV1)")
            let sources = first["sources"]?.arrayValue ?? []
            #expect(sources.map { $0["repository"]?.stringValue } == ["charts", "config"])
            #expect(sources.first?["revision"] == "web@1.0.0" && sources.first?["digest"]?.stringValue?.hasPrefix("sha256:") == true)
            #expect(sources.last?["revision"]?.stringValue == valuesV1)
            // The hook is recorded under the name the server gave it.
            let detail = try await Reported.sync(url, "shop", id: first["id"]?.intValue ?? 0)
            #expect(detail["resources"]?.arrayValue?.contains { $0["key"]?.stringValue == "batch/Job/\(namespace)/\(firstJobs[0])" } == true, "\(detail)")

            // A newly published version in range is the new desired revision; the earlier hook object goes.
            for v in ["1.1.0"] { try Self.chart(v).package(into: root) }
            try ChartFixture.writeIndex(in: root, charts: ["1.0.0", "1.1.0", "2.0.0"].map(Self.chart))
            try await waitRevision("web@1.1.0,\(valuesV1)")
            await #expect(try configMap("version") == "1.1.0")
            try await eventually("one migrate Job, not the first run's") { let j = try await jobs(); return j.count == 1 && j[0] != firstJobs[0] }

            // A commit to the values repository is a new desired revision too.
            let valuesV2 = try values.commit(files: ["envs/prod.yaml": "color: green\n"], message: "green")
            try await waitRevision("web@1.1.0,\(valuesV2)")
            await #expect(try configMap("color") == "green")

            // Rollback to the first sync restores every source's revision, and pins them.
            let rollback = try await bosun("rollback", "shop", "--to", String(first["id"]?.intValue ?? 0), "--server", url)
            #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
            try await eventually("chart 1.0.0 with blue values again") {
                let version = try await configMap("version")
                let color = try await configMap("color")
                return version == "1.0.0" && color == "blue"
            }
            await #expect(try status()["pinned"] == true)
            await #expect(try status()["pinnedRevision"]?.stringValue == "web@1.0.0,\(valuesV1)")
            await #expect(try bosun("unpin", "shop", "--server", url).status == 0)
            try await waitRevision("web@1.1.0,\(valuesV2)")

            // The chart repository goes away: what runs stays, and the status says SourceUnavailable.
            server.stop()
            try await eventually("SourceUnavailable") { try await status()["condition"]?["type"] == "SourceUnavailable" }
            #expect(try await configMap("version") == "1.1.0")
            #expect(try await configMap("color") == "green")
            await #expect(try status()["sync"]?["revision"]?.stringValue == "web@1.1.0,\(valuesV2)")

            // A Git-only application keeps its JSON as before: a commit SHA, no sources.
            let plain = try await #require(history("plain").first)
            #expect(plain["revision"]?.stringValue == valuesV1 || plain["revision"]?.stringValue == valuesV2)
            let plainStatus = try await status("plain")
            #expect(plain["sources"] == nil && plainStatus["commit"]?["sources"] == nil)
        }

        @Test("bosun render and bosun diff --from --to work for a chart application; a range that matches nothing lists the nearest versions")
        func renderAndDiffAChartApplication() async throws {
            let dir = try TemporaryDirectory(prefix: "bosun-chart-cli")
            defer { dir.remove() }
            let root = dir.appending("charts")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            for v in ["1.0.0", "1.1.0"] { try Self.chart(v).package(into: root) }
            try ChartFixture.writeIndex(in: root, charts: [Self.chart("1.0.0"), Self.chart("1.1.0")])
            let server = try ChartRepositoryServer(root: root)
            defer { server.stop() }
            let bin = try HelmStandIn.install(in: dir.appending("bin"))
            let env = ["PATH": "\(bin.path):\(ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")"]
            let config = try dir.write("bosun.yaml", """
                apiVersion: bosun.dev/v1
                kind: Config
                dataDir: .bosun
                targets: [{ name: local, type: host }]
                security: { repositorySchemes: [http] }
                repositories: [{ name: charts, type: helm, url: "\(server.url)" }]
                applications:
                  - name: shop
                    source: { repository: charts, chart: web, revision: "1.x", helm: { values: { color: red } } }
                    destination: { target: local, namespace: shop }
                """).path
            let render = try await bosun(["render", "shop", "--config", config], environment: env)
            #expect(render.status == 0, "\(render.stderr)")
            #expect(render.stdout.contains("version: 1.1.0") && render.stdout.contains("color: red"), "\(render.stdout)")
            #expect(render.stderr.contains("web@1.1.0"))
            let older = try await bosun(["render", "shop", "--config", config, "--revision", "1.0.0"], environment: env)
            #expect(older.stdout.contains("version: 1.0.0"), "\(older.stderr)")
            let diff = try await bosun(["diff", "shop", "--config", config, "--from", "1.0.0", "--to", "1.1.0"], environment: env)
            #expect(diff.status == 1, "\(diff.stderr)")
            #expect(diff.stdout.contains("1.0.0") && diff.stdout.contains("1.1.0"))
            let none = try await bosun(["render", "shop", "--config", config, "--revision", "3.x"], environment: env)
            #expect(none.status != 0 && none.stderr.contains("3.x") && none.stderr.contains("1.1.0") && none.stderr.contains("charts"), "\(none.stderr)")
        }
    }
}
