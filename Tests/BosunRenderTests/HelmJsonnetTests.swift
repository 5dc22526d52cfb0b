import BosunCore
import BosunGit
import BosunRender
import BosunTesting
import Foundation
import Testing

/// Helm through Helm v4's engine (the stand-in over helm-python-sdk), Jsonnet through the
/// `jsonnet` binary, Argo CD's directory options, and generateName hooks.
@Suite struct HelmJsonnetTests {
    static let chart: [String: String] = [
        "chart/Chart.yaml": "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
        "chart/values.yaml": "replicas: 1\ncolor: blue\nextra: none\n",
        "chart/values-prod.yaml": "replicas: 3\n",
        "chart/templates/cm.yaml": """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}-cfg
              namespace: {{ .Release.Namespace }}
            data:
              replicas: "{{ .Values.replicas }}"
              color: {{ .Values.color }}
              extra: {{ .Values.extra }}
            """,
        "chart/templates/migrate.yaml": """
            apiVersion: batch/v1
            kind: Job
            metadata:
              generateName: {{ .Release.Name }}-migrate-
              annotations:
                helm.sh/hook: pre-install,pre-upgrade
                helm.sh/hook-weight: "-2"
                helm.sh/hook-delete-policy: before-hook-creation,hook-succeeded
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: m, image: busybox}]
            """,
        "chart/templates/test.yaml": """
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{ .Release.Name }}-test
              annotations:
                helm.sh/hook: test
            spec:
              containers: [{name: t, image: busybox}]
            """,
        "chart/crds/widget.yaml": """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              names: {kind: Widget, plural: widgets}
              scope: Namespaced
              versions: [{name: v1, served: true, storage: true, schema: {openAPIV3Schema: {type: object}}}]
            """,
    ]

    @Test(.enabled(if: HelmStandIn.isAvailable, "needs PyPI's helm-python-sdk (CI installs it)"))
    func helmRendersAsAgainstTheClusterWithValuesCapabilitiesCRDsAndHooks() async throws {
        let f = try RenderTests.Fixture(files: Self.chart)
        defer { f.remove() }
        let bin = try HelmStandIn.install(in: f.dir.appending("bin"))
        let record = f.dir.appending("helm-calls.jsonl")
        setenv("BOSUN_HELM_RECORD", record.path, 1)
        defer { unsetenv("BOSUN_HELM_RECORD") }
        var renderer = f.renderer
        renderer.toolPath = bin.path + ":/usr/bin:/bin"
        var request = RenderRequest(path: "chart", helm: HelmOptions(valuesFiles: ["values-prod.yaml"], values: ["color": "green"]),
                                    releaseName: "web", namespace: "shop")
        request.externalValues = [ExternalValues(label: "config@abc:envs/prod.yaml", content: "extra: from-config\ncolor: red\n")]
        request.capabilities = TargetCapabilities(apiVersions: ["v1", "apps/v1", "example.com/v1"], kubeVersion: "v1.31.0")
        _ = try await f.mirrors.fetch(f.spec)
        let commit = try await f.mirrors.resolve(.ref("main"), in: f.spec)
        let output = try await renderer.render(request, from: GitTreeSource(mirrors: f.mirrors, repository: f.spec, commit: commit.sha))
        #expect(output.renderer == .helm)
        let cm = try #require(output.resources.first { $0.kind == "ConfigMap" })
        #expect(cm.name == "web-cfg" && cm.namespace == "shop")
        // values.yaml < valuesFiles < valuesFrom < inline values
        #expect(cm.body["data"]?["replicas"]?.stringValue == "3")
        #expect(cm.body["data"]?["extra"]?.stringValue == "from-config")
        #expect(cm.body["data"]?["color"]?.stringValue == "green")
        #expect(output.resources.contains { $0.kind == "CustomResourceDefinition" })
        let job = try #require(output.resources.first { $0.kind == "Job" })
        #expect(job.hasGeneratedName && job.name == "web-migrate-")
        #expect(job.annotation("bosun.dev/hook") == "PreSync")
        #expect(job.annotation("bosun.dev/sync-wave") == "-2")
        #expect(job.annotation("bosun.dev/hook-delete-policy") == "BeforeHookCreation,HookSucceeded")
        let test = try #require(output.resources.first { $0.kind == "Pod" })
        #expect(test.annotation("bosun.dev/hook") == "Skip")
        #expect(output.notes.contains { $0.contains("test") && $0.contains("not run by Bosun") })
        let calls = try String(contentsOf: record, encoding: .utf8)
        #expect(calls.contains("\"--api-versions\", \"apps/v1\"") && calls.contains("\"--kube-version\", \"v1.31.0\""))
        #expect(calls.contains("\"--include-crds\"") && calls.contains("\"--namespace\", \"shop\""))
    }

    @Test func helmWithoutTheBinarySaysHelm3Or4() async throws {
        let f = try RenderTests.Fixture(files: Self.chart)
        defer { f.remove() }
        var renderer = f.renderer
        renderer.toolPath = f.dir.appending("empty").path
        _ = try await f.mirrors.fetch(f.spec)
        let commit = try await f.mirrors.resolve(.ref("main"), in: f.spec)
        await #expect { try await renderer.render(RenderRequest(path: "chart"), from: GitTreeSource(mirrors: f.mirrors, repository: f.spec, commit: commit.sha)) } throws: {
            "\($0)".contains("Helm 3 or 4")
        }
    }

    static var jsonnetAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/jsonnet") }

    @Test(.enabled(if: jsonnetAvailable, "needs Debian's jsonnet"))
    func jsonnetWithExtVarsTLAsAndLibsAndWordsForFilesThatYieldNothing() async throws {
        let f = try RenderTests.Fixture(files: [
            "lib/k.libsonnet": "{ cm(name, color):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: { color: color } } }",
            "app/main.jsonnet": "local k = import 'k.libsonnet'; [k.cm('a', std.extVar('color')), k.cm('b', 'x')]",
            "app/fn.jsonnet": "function(env) { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'env-' + env } }",
            "app/empty.jsonnet": "[]",
            "app/config.jsonnet": "{ replicas: 3 }",
            "app/plain.yaml": RenderTests.cm("p"),
        ])
        defer { f.remove() }
        let request = {
            var r = RenderRequest(path: "app")
            r.jsonnet = JsonnetOptions(extVars: ["color": "teal"], tlas: ["env": "prod"], libs: ["lib"])
            return r
        }()
        let output = try await f.render(request)
        #expect(output.renderer == .jsonnet)
        #expect(Set(output.resources.map(\.name)) == ["a", "b", "env-prod", "p"])
        #expect(output.resources.first { $0.name == "a" }?.body["data"]?["color"]?.stringValue == "teal")
        #expect(output.notes.contains { $0.contains("app/empty.jsonnet") && $0.contains("no manifest") })
        #expect(output.notes.contains { $0.contains("app/config.jsonnet") && $0.contains("not a manifest") })
    }

    @Test func aFolderWithoutManifestsSaysWhatItSkipped() async throws {
        let f = try RenderTests.Fixture(files: ["app/README.md": "hello", "app/notes.txt": "x"])
        defer { f.remove() }
        let output = try await f.render(RenderRequest(path: "app"))
        #expect(output.resources.isEmpty)
        #expect(output.notes.contains { $0.contains("app/README.md") && $0.contains("not .yaml, .yml or .json") })
    }

    @Test func directoryRecurseIncludeExclude() async throws {
        let f = try RenderTests.Fixture(files: [
            "app/a.yaml": RenderTests.cm("a"), "app/b.yml": RenderTests.cm("b"), "app/sub/c.yaml": RenderTests.cm("c"),
            "app/test/t.yaml": RenderTests.cm("t"),
        ])
        defer { f.remove() }
        func names(_ options: DirectoryOptions) async throws -> [String] {
            var request = RenderRequest(path: "app")
            request.directory = options
            return try await f.render(request).resources.map(\.name).sorted()
        }
        #expect(try await names(DirectoryOptions()) == ["a", "b", "c", "t"])
        #expect(try await names(DirectoryOptions(recurse: false)) == ["a", "b"])
        #expect(try await names(DirectoryOptions(include: "*.yaml")) == ["a", "c", "t"])
        #expect(try await names(DirectoryOptions(exclude: "test/*")) == ["a", "b", "c"])
        #expect(try await names(DirectoryOptions(include: "{a.yaml,b.yml}")) == ["a", "b"])
    }

    @Test func generateNameIsForHooksOnly() async throws {
        let hook = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  annotations: {bosun.dev/hook: PreSync}\nspec: {}\n"
        let kept = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  generateName: cfg-\n"
        let hooks = try RenderTests.Fixture(files: ["app/job.yaml": hook])
        defer { hooks.remove() }
        let ok = try await hooks.render(RenderRequest(path: "app"))
        #expect(ok.resources.first?.hasGeneratedName == true && ok.resources.first?.name == "migrate-")
        let f = try RenderTests.Fixture(files: ["app/cm.yaml": kept])
        defer { f.remove() }
        await #expect { try await f.render(RenderRequest(path: "app")) } throws: { error in
            let text = "\(error)"
            return text.contains("app/cm.yaml") && text.contains("generateName") && text.contains("only hooks")
        }
    }
}
