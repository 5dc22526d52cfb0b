import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// `bosun render`, `bosun diff` and `bosun validate`, run as a user runs them.
    @Suite struct RenderDiffValidateTests {
        static let deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: shop
            spec:
              replicas: 2
              template:
                spec:
                  containers:
                    - name: web
                      image: nginx:1.25
            """

        @Test func rendersPlainManifestsInStableOrderWithSources() async throws {
            let repo = try GitRepository()
            defer { repo.remove() }
            try repo.commit(files: [
                "apps/shop/b.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: shop}\n---\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\n",
                "apps/shop/a/deploy.yaml": Self.deployment,
                "apps/shop/README.md": "not a manifest",
                "apps/other/x.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n",
            ], message: "shop")
            let result = try await bosun("render", "--repo", repo.path, "--path", "apps/shop", "-o", "json")
            #expect(result.status == 0, "\(result.stderr)")
            let names = try json(result.stdout).arrayValue?.compactMap { $0["metadata"]?["name"]?.stringValue }
            #expect(names == ["web", "b", "c"])
            #expect(result.stderr.contains("rendered 3 resources (plain)"))
            let yaml = try await bosun("render", "--repo", repo.path, "--path", "apps/shop")
            #expect(yaml.stdout.hasPrefix("apiVersion: apps/v1\nkind: Deployment\n"))
            #expect(yaml.stdout.contains("---\napiVersion: v1\nkind: ConfigMap\n"))
        }

        @Test func rendersKustomizeOverlaysWithTheRealKustomize() async throws {
            let repo = try GitRepository()
            defer { repo.remove() }
            try repo.commit(files: [
                "base/kustomization.yaml": "resources: [deploy.yaml]\n",
                "base/deploy.yaml": Self.deployment,
                "overlays/prod/kustomization.yaml": """
                    resources: [../../base]
                    namePrefix: prod-
                    configMapGenerator:
                      - name: settings
                        literals: [LEVEL=debug]
                    """,
            ], message: "kustomize")
            let result = try await bosun("render", "--repo", repo.path, "--path", "overlays/prod", "-o", "json")
            #expect(result.status == 0, "\(result.stderr)")
            let objects = try json(result.stdout).arrayValue ?? []
            let names = objects.compactMap { $0["metadata"]?["name"]?.stringValue }
            #expect(names.contains("prod-web"))
            #expect(names.contains { $0.hasPrefix("prod-settings-") })
            #expect(result.stderr.contains("(kustomize)"))
        }

        @Test func renderErrorsNameTheFileAndLine() async throws {
            let repo = try GitRepository()
            defer { repo.remove() }
            try repo.commit(files: [
                "app/good.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n",
                "app/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [b\n",
            ], message: "bad")
            let bad = try await bosun("render", "--repo", repo.path, "--path", "app")
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("app/bad.yaml:"))
            try repo.commit(files: ["app/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: x}\n"], message: "no name")
            let noName = try await bosun("render", "--repo", repo.path, "--path", "app")
            #expect(noName.stderr.contains("app/bad.yaml:1") && noName.stderr.contains("metadata.name"))
            try repo.commit(files: ["app/bad.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"], message: "twice")
            let twice = try await bosun("render", "--repo", repo.path, "--path", "app")
            #expect(twice.stderr.contains("declared twice"))
            let outside = try await bosun("render", "--repo", repo.path, "--path", "../etc")
            #expect(outside.status != 0 && outside.stderr.contains("leaves the repository"))
            let unknown = try await bosun("render", "--repo", repo.path, "--revision", "mian")
            #expect(unknown.status != 0 && unknown.stderr.contains("mian") && unknown.stderr.contains("main"))
        }

        @Test func helmWithoutHelmNamesTheMissingBinary() async throws {
            let repo = try GitRepository()
            defer { repo.remove() }
            try repo.commit(files: ["chart/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n", "chart/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"], message: "chart")
            let result = try await bosun(["render", "--repo", repo.path, "--path", "chart"], environment: ["PATH": "/usr/bin:/bin"])
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/helm") { return }
            #expect(result.status != 0)
            #expect(result.stderr.contains("helm") && result.stderr.contains("Helm 3 or 4"))
        }

        @Test func diffBetweenRevisionsExitsLikeDiff() async throws {
            let repo = try GitRepository()
            defer { repo.remove() }
            try repo.commit(files: ["app/deploy.yaml": Self.deployment, "app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData: {password: hunter2}\n"], message: "one")
            try repo.tag("v1")
            try repo.commit(files: ["app/deploy.yaml": Self.deployment.replacingOccurrences(of: "replicas: 2", with: "replicas: 3"),
                                    "app/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\nstringData: {password: correct-horse}\n"], message: "two")
            let same = try await bosun("diff", "--repo", repo.path, "--from", "v1", "--to", "v1", "--path", "app")
            #expect(same.status == 0)
            let changed = try await bosun("diff", "--repo", repo.path, "--from", "v1", "--to", "main", "--path", "app")
            #expect(changed.status == 1)
            #expect(changed.stdout.contains("-  replicas: 2") && changed.stdout.contains("+  replicas: 3"))
            #expect(!changed.stdout.contains("hunter2") && !changed.stdout.contains("correct-horse"))
            let asJSON = try await bosun("diff", "--repo", repo.path, "--from", "v1", "--to", "main", "--path", "app", "-o", "json")
            #expect(asJSON.status == 1)
            let entries = try json(asJSON.stdout).arrayValue ?? []
            let deploy = entries.first { $0["key"]?.stringValue == "apps/Deployment/shop/web" }
            #expect(deploy?["action"]?.stringValue == "update")
            #expect(deploy?["changedPaths"]?.arrayValue?.contains(.string("/spec/replicas")) == true)
            #expect(!asJSON.stdout.contains("hunter2"))
            let broken = try await bosun("diff", "--repo", repo.path, "--from", "v1", "--to", "nope", "--path", "app")
            #expect(broken.status == 2)
        }

        @Test func diffOfSavedObjectsShowsWhatBosunCallsDrift() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("desired.yaml", Self.deployment)
            // As `kubectl get -o yaml` prints it: server fields, defaults, a sidecar injected live.
            try dir.write("live.yaml", """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                  namespace: shop
                  uid: 1234
                  resourceVersion: "99"
                  generation: 4
                  creationTimestamp: "2026-01-01T00:00:00Z"
                spec:
                  replicas: 2
                  progressDeadlineSeconds: 600
                  template:
                    spec:
                      containers:
                        - name: web
                          image: nginx:1.25
                          imagePullPolicy: IfNotPresent
                        - name: mesh-proxy
                          image: proxy:1
                status:
                  readyReplicas: 2
                """)
            let clean = try await bosun("diff", "--desired", dir.appending("desired.yaml").path, "--live", dir.appending("live.yaml").path)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            try dir.write("edited.yaml", try String(contentsOf: dir.appending("live.yaml"), encoding: .utf8).replacingOccurrences(of: "replicas: 2", with: "replicas: 5"))
            let drift = try await bosun("diff", "--desired", dir.appending("desired.yaml").path, "--live", dir.appending("edited.yaml").path)
            #expect(drift.status == 1)
            #expect(drift.stdout.contains("-  replicas: 5") && drift.stdout.contains("+  replicas: 2"))
            let missingFile = try await bosun("diff", "--desired", dir.appending("nope.yaml").path, "--live", dir.appending("live.yaml").path)
            #expect(missingFile.status == 2)
        }

        @Test func validateReportsEveryProblemAndExitsOne() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            try dir.write("bosun.yaml", """
                apiVersion: bosun.dev/v1
                kind: Config
                targets: [{ name: local, type: host }]
                repositories: [{ name: deploy, url: /tmp/x }]
                applications:
                  - name: a
                    source: { repository: deploy, revision: main }
                    destination: { target: local }
                    sync: { intervall: 3m }
                    dependsOn: [b]
                  - name: b
                    source: { repository: deploi }
                    destination: { target: local }
                    dependsOn: [a]
                """)
            let result = try await bosun("validate", "--config", dir.appending("bosun.yaml").path)
            #expect(result.status == 1)
            #expect(result.stdout.contains("bosun.yaml:9:") && result.stdout.contains("did you mean \"interval\"?"))
            #expect(result.stdout.contains("did you mean \"deploy\"?"))
            #expect(result.stdout.contains("dependsOn cycle: a -> b -> a"))
            try dir.write("good.yaml", """
                apiVersion: bosun.dev/v1
                kind: Config
                targets: [{ name: local, type: host }]
                security: { repositorySchemes: [file] }
                repositories: [{ name: deploy, url: /tmp/x }]
                applications:
                  - { name: a, source: { repository: deploy }, destination: { target: local } }
                """)
            let good = try await bosun("validate", "--config", dir.appending("good.yaml").path)
            #expect(good.status == 0)
            #expect(good.stdout.contains("valid (1 target, 1 repository, 1 application)"))
        }

        @Test func everyCommandExplainsItselfWithAnExample() async throws {
            for command in ["render", "diff", "validate", "serve", "quickstart", "apps", "status", "sync", "history", "rollback", "unpin"] {
                let help = try await bosun(command, "--help")
                #expect(help.status == 0, "\(command)")
                #expect(help.stdout.contains("Example"), "\(command) --help has no example")
            }
        }
    }
}
