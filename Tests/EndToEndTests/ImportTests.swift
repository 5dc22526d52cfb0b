import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// `bosun import argocd|flux`, through the binary, on objects written after Argo CD's and Flux's
    /// documented shapes: the output validates and renders the objects the originals would.
    @Suite(.serialized) struct ImportTests {
        /// A repository with a plain folder and a kustomization, and the folders' objects.
        struct Fixture {
            let repo: GitRepository
            let dir: TemporaryDirectory

            init() throws {
                repo = try GitRepository()
                dir = try TemporaryDirectory(prefix: "bosun-import")
                try repo.commit(files: [
                    "apps/guestbook/deployment.yaml": KubeManifests.deployment("guestbook"),
                    "apps/guestbook/service.yaml": KubeManifests.service("guestbook"),
                    "apps/shop/settings.yaml": KubeManifests.configMap("shop", version: "2"),
                    "base/kustomization.yaml": "resources: [settings.yaml]\nnamePrefix: team-\n",
                    "base/settings.yaml": KubeManifests.configMap("settings", version: "1"),
                ], message: "apps")
            }

            func write(_ name: String, _ text: String) throws -> String { try dir.write(name, text).path }

            /// `bosun render APP --config FILE` as JSON objects (kind/name), sorted.
            func rendered(_ app: String, config: String) async throws -> [String] {
                let result = try await bosun("render", app, "--config", config, "-o", "json")
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                return Self.names(result.stdout)
            }

            /// What the original would render: the same folder, straight from the repository.
            func original(_ path: String) async throws -> [String] {
                let result = try await bosun("render", "--repo", repo.path, "--path", path, "-o", "json")
                #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
                return Self.names(result.stdout)
            }

            static func names(_ text: String) -> [String] {
                let value = (try? JSONParser.parse(text)) ?? .null
                let items = value.arrayValue ?? value["items"]?.arrayValue ?? []
                return items.compactMap { item in
                    guard let kind = item["kind"]?.stringValue, let name = item["metadata"]?["name"]?.stringValue else { return nil }
                    return "\(kind)/\(name)"
                }.sorted()
            }

            func remove() {
                repo.remove()
                dir.remove()
            }
        }

        @Test("Argo CD Applications and an ApplicationSet import, validate, and render what Argo CD would deploy")
        func argocd() async throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            // As `kubectl get applications,applicationsets -n argocd -o yaml` prints them.
            let input = try fixture.write("argo.yaml", """
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: argoproj.io/v1alpha1
                    kind: Application
                    metadata:
                      name: guestbook
                      namespace: argocd
                      finalizers: [resources-finalizer.argocd.argoproj.io]
                      annotations: { argocd.argoproj.io/sync-wave: "1" }
                    spec:
                      project: default
                      source: { repoURL: \(fixture.repo.path), targetRevision: HEAD, path: apps/guestbook, directory: { recurse: true } }
                      destination: { server: "https://kubernetes.default.svc", namespace: guestbook }
                      syncPolicy:
                        automated: { prune: true, selfHeal: true }
                        syncOptions: [CreateNamespace=true]
                        retry: { limit: 5, backoff: { duration: 5s, factor: 2, maxDuration: 3m } }
                      ignoreDifferences:
                        - { group: apps, kind: Deployment, jsonPointers: [/spec/replicas] }
                  - apiVersion: argoproj.io/v1alpha1
                    kind: Application
                    metadata: { name: base, namespace: argocd, annotations: { argocd.argoproj.io/sync-wave: "0" } }
                    spec:
                      project: default
                      source: { repoURL: \(fixture.repo.path), targetRevision: main, path: base, kustomize: {} }
                      destination: { name: in-cluster, namespace: base }
                      syncPolicy: { syncOptions: [Prune=false] }
                  - apiVersion: argoproj.io/v1alpha1
                    kind: ApplicationSet
                    metadata: { name: services, namespace: argocd }
                    spec:
                      goTemplate: true
                      generators:
                        - git:
                            repoURL: \(fixture.repo.path)
                            revision: main
                            directories: [{ path: "apps/*" }, { path: apps/guestbook, exclude: true }]
                      template:
                        metadata: { name: "svc-{{.path.basename}}" }
                        spec:
                          project: default
                          source: { repoURL: \(fixture.repo.path), targetRevision: main, path: "{{.path.path}}" }
                          destination: { server: "https://kubernetes.default.svc", namespace: "{{.path.basename}}" }
                          syncPolicy: { automated: { prune: true } }
                """)
            let result = try await bosun("import", "argocd", input)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let config = try fixture.write("bosun.yaml", result.stdout)
            let validated = try await bosun("validate", "--config", config, "--fetch")
            #expect(validated.status == 0, "\(result.stdout)\n\(validated.stdout)\(validated.stderr)")
            #expect(validated.stdout.contains("application set services: 1 application"))
            let loaded = try ConfigLoader.load(file: config)
            let guestbook = try #require(loaded.application(named: "guestbook"))
            #expect(guestbook.sync.auto && guestbook.sync.prune && guestbook.sync.selfHeal && guestbook.sync.createNamespace && guestbook.pruneOnDelete)
            #expect(guestbook.sync.retryLimit == 5 && guestbook.destination.target == "in-cluster" && guestbook.destination.namespace == "guestbook")
            #expect(guestbook.ignoreDifferences.first?.jsonPointers == ["/spec/replicas"] && guestbook.dependsOn == ["base"])
            #expect(loaded.application(named: "base")?.source.render == .kustomize && loaded.application(named: "base")?.sync.prune == false)
            #expect(loaded.target(named: "in-cluster")?.bool("inCluster") == true)
            // Renders the objects Argo CD would: the folder as it is, the kustomization built.
            #expect(try await fixture.rendered("guestbook", config: config) == (try await fixture.original("apps/guestbook")))
            #expect(try await fixture.rendered("base", config: config) == ["ConfigMap/team-settings"])
        }

        @Test("Argo CD fields without a Bosun equivalent are commented and listed; exit 1; unreadable input exits 2")
        func argocdNotMapped() async throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let input = try fixture.write("argo.yaml", """
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: { name: chart, namespace: argocd }
                spec:
                  project: default
                  sources:
                    - { repoURL: "https://charts.example.com", chart: redis, targetRevision: 18.1.0, helm: { valueFiles: [$values/redis.yaml] } }
                    - { repoURL: \(fixture.repo.path), targetRevision: main, ref: values }
                  destination: { server: "https://kubernetes.default.svc", namespace: cache }
                ---
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: { name: jsonnet, namespace: argocd }
                spec:
                  source: { repoURL: \(fixture.repo.path), targetRevision: main, path: apps/shop, directory: { recurse: true, jsonnet: { tlas: [{ name: env, value: prod }] } } }
                  destination: { server: "https://kubernetes.default.svc", namespace: shop }
                """)
            let result = try await bosun("import", "argocd", input)
            #expect(result.status == 1)
            #expect(result.stderr.contains("spec.sources") && result.stderr.contains("spec.source.chart") && result.stderr.contains("jsonnet"))
            #expect(result.stdout.contains("# not mapped: spec.sources"))
            let config = try fixture.write("bosun.yaml", result.stdout)
            #expect(try await bosun("validate", "--config", config).status == 0)

            let garbage = try fixture.write("garbage.yaml", "kind: [unclosed\n")
            let unreadable = try await bosun("import", "argocd", garbage)
            #expect(unreadable.status == 2 && unreadable.stderr.contains("garbage.yaml:"))
            #expect(try await bosun("import", "flux", fixture.dir.path + "/missing.yaml").status == 2)
        }

        @Test("Flux GitRepository, Kustomizations and a HelmRelease import; chart repositories and SOPS are listed as not mapped")
        func flux() async throws {
            let fixture = try Fixture()
            defer { fixture.remove() }
            let input = try fixture.write("flux.yaml", """
                apiVersion: source.toolkit.fluxcd.io/v1
                kind: GitRepository
                metadata: { name: deploy, namespace: flux-system }
                spec: { interval: 1m, url: \(fixture.repo.path), ref: { branch: main } }
                ---
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata: { name: base, namespace: flux-system }
                spec: { interval: 10m, path: ./base, prune: true, sourceRef: { kind: GitRepository, name: deploy }, targetNamespace: base }
                ---
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata: { name: shop, namespace: flux-system }
                spec:
                  interval: 5m
                  path: ./apps/shop
                  prune: true
                  sourceRef: { kind: GitRepository, name: deploy }
                  dependsOn: [{ name: base }]
                  timeout: 2m
                """)
            let result = try await bosun("import", "flux", input)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let config = try fixture.write("bosun.yaml", result.stdout)
            #expect(try await bosun("validate", "--config", config).status == 0)
            let loaded = try ConfigLoader.load(file: config)
            let shop = try #require(loaded.application(named: "shop"))
            #expect(shop.dependsOn == ["base"] && shop.sync.prune && shop.sync.auto && shop.sync.selfHeal && shop.sync.interval == .seconds(300))
            #expect(shop.source.path == "apps/shop" && shop.source.revision == .ref("main") && shop.sync.healthTimeout == .seconds(120))
            #expect(loaded.application(named: "base")?.destination.namespace == "base")
            #expect(try await fixture.rendered("shop", config: config) == (try await fixture.original("apps/shop")))
            #expect(try await fixture.rendered("base", config: config) == ["ConfigMap/team-settings"])

            let unmapped = try fixture.write("flux-charts.yaml", """
                apiVersion: source.toolkit.fluxcd.io/v1
                kind: HelmRepository
                metadata: { name: bitnami, namespace: flux-system }
                spec: { interval: 1h, url: "https://charts.bitnami.com/bitnami" }
                ---
                apiVersion: helm.toolkit.fluxcd.io/v2
                kind: HelmRelease
                metadata: { name: redis, namespace: cache }
                spec:
                  interval: 10m
                  chart: { spec: { chart: redis, version: "18.x", sourceRef: { kind: HelmRepository, name: bitnami } } }
                  values: { architecture: standalone }
                ---
                apiVersion: source.toolkit.fluxcd.io/v1
                kind: GitRepository
                metadata: { name: deploy, namespace: flux-system }
                spec: { interval: 1m, url: \(fixture.repo.path), ref: { branch: main } }
                ---
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata: { name: secrets, namespace: flux-system }
                spec:
                  interval: 10m
                  path: ./apps/shop
                  prune: true
                  sourceRef: { kind: GitRepository, name: deploy }
                  decryption: { provider: sops, secretRef: { name: sops-age } }
                  postBuild: { substitute: { cluster: prod } }
                """)
            let partial = try await bosun("import", "flux", unmapped)
            #expect(partial.status == 1)
            #expect(partial.stderr.contains("HelmRepository") && partial.stderr.contains("HelmRelease cache/redis") && partial.stderr.contains("spec.decryption")
                && partial.stderr.contains("spec.postBuild"))
            #expect(partial.stdout.contains("# not mapped: spec.decryption"))
            #expect(try await bosun("validate", "--config", try fixture.write("partial.yaml", partial.stdout)).status == 0)
        }
    }
}
