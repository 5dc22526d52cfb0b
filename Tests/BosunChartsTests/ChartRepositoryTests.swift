import BosunCharts
import BosunCore
import BosunTesting
import Foundation
import Testing

/// Charts from a real chart repository served on loopback HTTP: `index.yaml` as `helm repo
/// index` writes it, archives packed by `tar`.
@Suite struct ChartRepositoryTests {
    static func chart(_ version: String, name: String = "podinfo") -> ChartFixture {
        ChartFixture(name: name, version: version, files: [
            "templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  version: \(version)\n",
            "values.yaml": "replicas: 1\n",
        ])
    }

    struct Repo {
        let dir: TemporaryDirectory
        let server: ChartRepositoryServer
        let sources: ChartSources
        let access: ChartRepositoryAccess

        init(versions: [String], username: String? = nil, password: String? = nil, digests: [String: String] = [:],
             environment: [String: String] = [:]) throws {
            dir = try TemporaryDirectory(prefix: "bosun-charts")
            let root = dir.appending("repo")
            try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
            let charts = versions.map { ChartRepositoryTests.chart($0) }
            for chart in charts { try chart.package(into: root) }
            try ChartFixture.writeIndex(in: root, charts: charts, digests: digests)
            server = try ChartRepositoryServer(root: root, username: username, password: password)
            sources = ChartSources(cacheDirectory: dir.appending("cache"))
            var spec = RepositorySpec(name: "podinfo-charts", url: server.url, type: .helm)
            if username != nil { spec.credentials = GitCredentials(usernameEnv: "CHART_USER", passwordEnv: "CHART_PASSWORD") }
            access = ChartRepositoryAccess(spec, environment: environment)
        }

        func publish(_ versions: [String], all: [String]) throws {
            let root = dir.appending("repo")
            for v in versions { try ChartRepositoryTests.chart(v).package(into: root) }
            try ChartFixture.writeIndex(in: root, charts: all.map { ChartRepositoryTests.chart($0) })
        }

        func stop() async {
            server.stop()
            await sources.shutdown()
            dir.remove()
        }
    }

    @Test func resolvesARangeDownloadsVerifiesAndCaches() async throws {
        let repo = try Repo(versions: ["6.0.0", "6.1.0", "6.2.0-rc.1", "7.0.0"])
        let resolved = try await repo.sources.resolve(repo.access, chart: "podinfo", revision: .ref("6.x"))
        #expect(resolved.revision == "podinfo@6.1.0")
        #expect(resolved.digest.hasPrefix("sha256:"))
        let exact = try await repo.sources.resolve(repo.access, chart: "podinfo", revision: .ref("7.0.0"))
        #expect(exact.version == "7.0.0")
        let pre = try await repo.sources.resolve(repo.access, chart: "podinfo", revision: .semver(try SemVerRange(">=6.2.0-rc.0 <7")))
        #expect(pre.version == "6.2.0-rc.1")
        let folder = try await repo.sources.chartDirectory(resolved, access: repo.access)
        let cm = try String(contentsOf: folder.appendingPathComponent("templates/cm.yaml"), encoding: .utf8)
        #expect(cm.contains("version: 6.1.0"))
        #expect(folder.lastPathComponent == resolved.digest.replacingOccurrences(of: ":", with: "-"))
        _ = try await repo.sources.chartDirectory(resolved, access: repo.access)
        #expect(await repo.sources.statistics.archiveDownloads == 1)
        await repo.stop()
    }

    @Test func anUnchangedIndexIsNotDownloadedAgain() async throws {
        let repo = try Repo(versions: ["6.0.0"])
        _ = try await repo.sources.refresh(repo.access)
        _ = try await repo.sources.refresh(repo.access)
        _ = try await repo.sources.refresh(repo.access)
        let stats = await repo.sources.statistics
        #expect(stats.indexRequests == 3 && stats.indexDownloads == 1 && stats.indexNotModified == 2)
        #expect(repo.server.requests.filter { $0.hasPrefix("GET /index.yaml 304") }.count == 2)
        // A newly published version is a new index, and the range picks it up.
        try repo.publish(["6.0.1"], all: ["6.0.0", "6.0.1"])
        _ = try await repo.sources.refresh(repo.access)
        #expect(try await repo.sources.resolve(repo.access, chart: "podinfo", revision: .ref("6.x")).version == "6.0.1")
        await repo.stop()
    }

    @Test func aRangeThatMatchesNothingListsTheNearestVersions() async throws {
        let repo = try Repo(versions: ["1.0.0", "6.0.0", "6.1.0", "6.1.1"])
        await #expect { try await repo.sources.resolve(repo.access, chart: "podinfo", revision: .ref("6.5.x")) } throws: { error in
            let message = "\(error)"
            return message.contains("podinfo-charts") && message.contains("6.5.x") && message.contains("6.1.1") && message.contains("6.1.0")
        }
        await #expect { try await repo.sources.resolve(repo.access, chart: "nginx", revision: .ref("1.x")) } throws: { "\($0)".contains("has no chart \"nginx\"") }
        await repo.stop()
    }

    @Test func aDigestThatDoesNotMatchTheIndexIsRefused() async throws {
        let repo = try Repo(versions: ["6.0.0"], digests: ["podinfo-6.0.0.tgz": String(repeating: "ab", count: 32)])
        let resolved = try await repo.sources.resolve(repo.access, chart: "podinfo", revision: .ref("6.0.0"))
        await #expect { try await repo.sources.chartDirectory(resolved, access: repo.access) } throws: { error in
            "\(error)".contains("podinfo-charts") && "\(error)".contains("refusing it")
        }
        #expect(!FileManager.default.fileExists(atPath: repo.dir.appending("cache/" + resolved.digest.replacingOccurrences(of: ":", with: "-")).path))
        await repo.stop()
    }

    @Test func anIndexThatIsNotYAMLIsAClearError() async throws {
        let repo = try Repo(versions: ["6.0.0"])
        try Data("<html><body>{ not: [yaml</body>".utf8).write(to: repo.dir.appending("repo/index.yaml"))
        await #expect { try await repo.sources.refresh(repo.access) } throws: { error in
            "\(error)".contains("podinfo-charts") && "\(error)".contains("index.yaml")
        }
        await repo.stop()
    }

    @Test func basicAuthUsesTheCredentialsAndNamesARefusal() async throws {
        let good = try Repo(versions: ["6.0.0"], username: "ci", password: "s3cret-pw",
                            environment: ["CHART_USER": "ci", "CHART_PASSWORD": "s3cret-pw"])
        let resolved = try await good.sources.resolve(good.access, chart: "podinfo", revision: .ref("6.0.0"))
        _ = try await good.sources.chartDirectory(resolved, access: good.access)
        await good.stop()
        let bad = try Repo(versions: ["6.0.0"], username: "ci", password: "s3cret-pw",
                           environment: ["CHART_USER": "ci", "CHART_PASSWORD": "wrong"])
        await #expect { try await bad.sources.refresh(bad.access) } throws: { error in
            let text = "\(error)"
            return text.contains("refused") && text.contains("usernameEnv") && !text.contains("wrong") && !text.contains("s3cret")
        }
        await bad.stop()
    }

    @Test func anUnreachableRepositoryKeepsTheLastIndexWithAWarning() async throws {
        let repo = try Repo(versions: ["6.0.0"])
        _ = try await repo.sources.refresh(repo.access)
        repo.server.stop()
        let warning = try await repo.sources.refresh(repo.access)
        #expect(warning?.contains("cannot reach") == true)
        #expect(try await repo.sources.resolve(repo.access, chart: "podinfo", revision: .ref("6.x")).version == "6.0.0")
        let fresh = ChartSources(cacheDirectory: repo.dir.appending("cache2"))
        await #expect { try await fresh.refresh(repo.access) } throws: { ($0 as? ChartError)?.code == .unavailable }
        await fresh.shutdown()
        await repo.stop()
    }

    @Test func dependenciesAreVendoredIntoCharts() async throws {
        let repo = try Repo(versions: ["1.0.0", "1.1.0"])
        let chart = repo.dir.appending("app")
        let files = [
            "Chart.yaml": "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n- name: podinfo\n  version: \"1.x\"\n  repository: \(repo.server.url)\n- name: common\n  version: 0.1.0\n  repository: file://../common\n",
            "Chart.lock": "dependencies:\n- name: podinfo\n  version: 1.0.0\n  repository: \(repo.server.url)\n",
        ]
        for (path, text) in files { _ = try repo.dir.write("app/\(path)", text) }
        _ = try repo.dir.write("common/Chart.yaml", "apiVersion: v2\nname: common\nversion: 0.1.0\ntype: library\n")
        try await repo.sources.vendorDependencies(in: chart, repositories: [repo.access], displayName: "app")
        let vendored = try String(contentsOf: chart.appendingPathComponent("charts/podinfo/templates/cm.yaml"), encoding: .utf8)
        #expect(vendored.contains("version: 1.0.0"))  // Chart.lock wins over the range
        #expect(FileManager.default.fileExists(atPath: chart.appendingPathComponent("charts/common/Chart.yaml").path))
        await repo.stop()
    }
}
