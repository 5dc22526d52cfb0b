import BosunCore
import Foundation
import Testing

/// Repository types, chart sources, values from other repositories, Jsonnet and directory
/// options in `bosun.yaml`, and the mistakes each names.
@Suite struct ChartSourceConfigTests {
    static let valid = """
        apiVersion: bosun.dev/v1
        kind: Config
        targets: [{ name: local, type: host }]
        repositories:
          - { name: podinfo-charts, type: helm, url: https://stefanprodan.github.io/podinfo, caFile: ca.pem,
              credentials: { usernameEnv: U, passwordEnv: P } }
          - { name: ghcr-charts, type: oci, url: oci://ghcr.io/stefanprodan/charts }
          - { name: config, url: https://git.example.com/acme/config.git }
        applications:
          - name: podinfo
            source:
              repository: podinfo-charts
              chart: podinfo
              revision: "6.x"
              helm:
                valuesFiles: [values-prod.yaml]
                values: { replicaCount: 2 }
                valuesFrom: [{ repository: config, revision: main, path: envs/prod/podinfo.yaml }]
            destination: { target: local }
          - name: lib
            source:
              repository: config
              path: jsonnet
              jsonnet: { extVars: { env: prod }, tlas: { replicas: "3" }, libs: [vendor] }
              directory: { recurse: false, include: "*.jsonnet", exclude: "test/*" }
            destination: { target: local }
        """

    @Test func readsChartSources() throws {
        let config = try ConfigLoader.parse(Self.valid, file: "bosun.yaml")
        #expect(config.repository(named: "podinfo-charts")?.type == .helm)
        #expect(config.repository(named: "podinfo-charts")?.caFile == "ca.pem")
        #expect(config.repository(named: "ghcr-charts")?.type == .oci)
        #expect(config.repository(named: "config")?.type == .git)
        let app = try #require(config.application(named: "podinfo"))
        #expect(app.source.chart == "podinfo" && app.source.revision == .ref("6.x"))
        #expect(app.source.helm?.valuesFrom == [ValuesSource(repository: "config", revision: .ref("main"), path: "envs/prod/podinfo.yaml")])
        let lib = try #require(config.application(named: "lib"))
        #expect(lib.source.jsonnet == JsonnetOptions(extVars: ["env": "prod"], tlas: ["replicas": "3"], libs: ["vendor"]))
        #expect(lib.source.directory == DirectoryOptions(recurse: false, include: "*.jsonnet", exclude: "test/*"))
    }

    static func messages(_ text: String) -> [String] {
        do {
            _ = try ConfigLoader.parse(text, file: "bosun.yaml")
            return []
        } catch {
            return error.diagnostics.map { "\($0.path): \($0.message)" }
        }
    }

    @Test func namesTheMistakes() {
        let base = "apiVersion: bosun.dev/v1\nkind: Config\ntargets: [{ name: local, type: host }]\n"
        let chartFromGit = Self.messages(base + """
            repositories: [{ name: git, url: https://git.example.com/a.git }]
            applications: [{ name: a, source: { repository: git, chart: podinfo }, destination: { target: local } }]
            """)
        #expect(chartFromGit.contains { $0.contains("source.chart") && $0.contains("only for repositories of type helm or oci") })
        let noChart = Self.messages(base + """
            repositories: [{ name: charts, type: helm, url: https://charts.example.com }]
            applications: [{ name: a, source: { repository: charts }, destination: { target: local } }]
            """)
        #expect(noChart.contains { $0.contains("name the chart") })
        let badOCI = Self.messages(base + "repositories: [{ name: r, type: oci, url: https://ghcr.io/x }]\n")
        #expect(badOCI.contains { $0.contains("oci://") })
        let leaving = Self.messages(base + """
            repositories: [{ name: charts, type: helm, url: https://charts.example.com }, { name: config, url: https://git.example.com/c.git }]
            applications:
              - name: a
                source: { repository: charts, chart: x, helm: { valuesFrom: [{ repository: config, path: ../../etc/passwd }] } }
                destination: { target: local }
            """)
        #expect(leaving.contains { $0.contains("valuesFrom[0].path") && $0.contains("leaves its repository") })
        let httpOff = Self.messages(base + "repositories: [{ name: r, type: oci, url: oci://127.0.0.1:5000/charts, plainHTTP: true }]\n")
        #expect(httpOff.contains { $0.contains("uses http") })
        let unknownType = Self.messages(base + "repositories: [{ name: r, type: svn, url: https://x }]\n")
        #expect(unknownType.contains { $0.contains("type") })
    }

    @Test func combinedRevisions() {
        let sources = [SourceRevision(repository: "charts", revision: "podinfo@6.1.0", digest: "sha256:ab"),
                       SourceRevision(repository: "config", revision: String(repeating: "a", count: 40))]
        let combined = SourceRevision.combined(sources)
        #expect(combined == "podinfo@6.1.0," + String(repeating: "a", count: 40))
        #expect(SourceRevision.split(combined).count == 2)
        #expect(SourceRevision.short(combined) == "podinfo@6.1.0,aaaaaaa")
        #expect(SourceRevision.list(json: JSONValue.array(sources.map(\.json)).jsonString()) == sources)
    }
}
