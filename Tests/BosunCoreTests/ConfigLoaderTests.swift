import BosunCore
import Foundation
import Testing

@Suite struct ConfigLoaderTests {
    static func fixture(_ name: String) throws -> String {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return url.path
    }

    @Test func readsEveryPartOfAValidConfig() throws {
        let config = try ConfigLoader.load(file: Self.fixture("valid.yaml"))
        #expect(config.targets.map(\.name) == ["local", "prod"])
        #expect(config.target(named: "prod")?.string("context") == "prod")
        #expect(config.server.tokens.first?.role == .operator_)
        let repo = try #require(config.repository(named: "deploy"))
        #expect(repo.credentials?.passwordEnv == "GIT_TOKEN")
        #expect(repo.webhook?.secretEnv == "DEPLOY_WEBHOOK_SECRET")
        #expect(repo.verify?.mode == .commit)
        let app = try #require(config.application(named: "guestbook"))
        #expect(app.source.render == .kustomize)
        #expect(app.source.revision == .ref("main"))
        #expect(app.sync.interval == .seconds(180))
        #expect(app.sync.healthTimeout == .seconds(300))
        #expect(app.sync.auto && app.sync.prune && app.sync.selfHeal && app.sync.autoRollback)
        #expect(app.dependsOn == ["platform"])
        #expect(app.ignoreDifferences.first?.jsonPointers == ["/spec/replicas"])
        let platform = try #require(config.application(named: "platform"))
        guard case .semver(let range) = platform.source.revision else {
            Issue.record("expected a semver revision")
            return
        }
        #expect(range.matches(SemVer("1.9.0")!))
        #expect(!range.matches(SemVer("2.0.0")!))
        #expect(platform.sync.auto == false)
        #expect(platform.historyLimit == 50)
    }

    @Test func reportsEveryProblemWithItsPlace() throws {
        let file = try Self.fixture("broken.yaml")
        var caught: ConfigError?
        do { _ = try ConfigLoader.load(file: file) } catch { caught = error }
        let diagnostics = try #require(caught).diagnostics
        func find(_ path: String) -> ConfigDiagnostic? { diagnostics.first { $0.path == path } }

        let type = try #require(find("targets[1].type"))
        #expect(type.line == 5 && type.fix == "did you mean \"kubernetes\"?")
        let unknownField = try #require(find("applications[0].sync.intervall"))
        #expect(unknownField.line == 13 && unknownField.column == 25)
        #expect(unknownField.fix == "did you mean \"interval\"?")
        #expect(find("applications[0].sync.healthTimeout")?.message.contains("5 minutes") == true)
        #expect(find("applications[0].source.repository")?.fix == "did you mean \"deploy\"?")
        #expect(find("applications[1].source.revision.semver")?.message.contains("semver") == true)
        #expect(find("applications[1].sync.auto")?.message == "expected true or false, found string \"maybe\"")
        #expect(find("applications[2].name")?.message.contains("duplicate name \"guestbook\"") == true)
        #expect(find("applications[2].destination.target")?.message == "no target named \"nowhere\"")
        let cycle = try #require(diagnostics.first { $0.message.hasPrefix("dependsOn cycle") })
        #expect(cycle.message.contains("guestbook -> platform -> guestbook"))
        // A target with a bad type still counts as declared: no second error for "prod".
        #expect(find("applications[0].destination.target") == nil)
        #expect(diagnostics.allSatisfy { $0.file == file && $0.line > 0 })
    }

    @Test func wrongTypesAndMissingFieldsAreNamed() throws {
        let text = """
            apiVersion: bosun.dev/v1
            kind: Config
            targets: { name: local }
            applications:
              - name: app
                destination: { target: local }
            """
        #expect {
            try ConfigLoader.parse(text, file: "x.yaml")
        } throws: { error in
            let d = (error as? ConfigError)?.diagnostics ?? []
            return d.contains { $0.path == "targets" && $0.message.hasPrefix("expected a list") }
                && d.contains { $0.path == "applications[0].source" && $0.message == "missing required field \"source\"" }
        }
    }

    @Test func invalidYAMLNamesLineAndColumn() {
        #expect {
            try ConfigLoader.parse("apiVersion: bosun.dev/v1\nkind: [Config\n", file: "bad.yaml")
        } throws: { error in
            guard let d = (error as? ConfigError)?.diagnostics.first else { return false }
            return d.file == "bad.yaml" && d.line >= 2 && d.message.hasPrefix("invalid YAML")
        }
    }

    @Test func applicationPathMayNotLeaveTheRepository() {
        let text = """
            apiVersion: bosun.dev/v1
            kind: Config
            targets: [{ name: local, type: host }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: r, url: /tmp/r }]
            applications:
              - { name: app, source: { repository: r, path: ../etc }, destination: { target: local } }
            """
        #expect {
            try ConfigLoader.parse(text, file: "x.yaml")
        } throws: { error in
            (error as? ConfigError)?.diagnostics.contains { $0.path == "applications[0].source.path" && $0.message.contains("leaves the repository") } == true
        }
    }

    @Test func dependencyCycleIsPrintedAsAPath() {
        func app(_ name: String, _ deps: [String]) -> ApplicationSpec {
            ApplicationSpec(name: name, source: SourceSpec(repository: "r"), destination: DestinationSpec(target: "t"), dependsOn: deps)
        }
        #expect(ConfigLoader.dependencyCycle([app("a", ["b"]), app("b", ["c"]), app("c", ["a"])]) == ["a", "b", "c", "a"])
        #expect(ConfigLoader.dependencyCycle([app("a", ["b"]), app("b", []), app("c", ["a", "b"])]) == nil)
    }
}

@Suite struct RepositorySchemeTests {
    static func config(_ url: String, schemes: String? = nil) -> String {
        """
        apiVersion: bosun.dev/v1
        kind: Config
        \(schemes.map { "security: { repositorySchemes: [\($0)] }" } ?? "")
        repositories: [{ name: r, url: "\(url)" }]
        """
    }

    @Test(arguments: [
        ("https://git.example.com/a.git", true), ("git@github.com:acme/deploy.git", true), ("ssh://git@host/x", true),
        ("http://git.example.com/a.git", false), ("/srv/git/deploy", false), ("file:///srv/git/deploy", false), ("./repo", false),
    ])
    func onlyHTTPSAndSSHByDefault(url: String, allowed: Bool) {
        let accepted = (try? ConfigLoader.parse(Self.config(url), file: "x.yaml")) != nil
        #expect(accepted == allowed, "\(url)")
    }

    @Test func localRepositoriesWhenTheConfigAllowsThem() throws {
        _ = try ConfigLoader.parse(Self.config("/srv/git/deploy", schemes: "file"), file: "x.yaml")
        do {
            _ = try ConfigLoader.parse(Self.config("file:///srv/git/deploy"), file: "x.yaml")
            Issue.record("expected a refusal")
        } catch {
            let d = try #require(error.diagnostics.first)
            #expect(d.path == "repositories[0].url" && d.message.contains("off by default") && d.fix?.contains("file") == true)
        }
    }

    @Test func inlineHelmValuesKeepTheirTypes() throws {
        let config = try ConfigLoader.parse("""
            apiVersion: bosun.dev/v1
            kind: Config
            targets: [{ name: local, type: host }]
            repositories: [{ name: r, url: "https://git.example.com/r.git" }]
            applications:
              - name: web
                source:
                  repository: r
                  path: chart
                  render: helm
                  helm:
                    values:
                      replicas: 3
                      debug: true
                      tag: "1.10"
                      flag: "yes"
                      ports: [80, 443]
                      image: { repository: nginx, pullPolicy: null }
                destination: { target: local }
            """, file: "x.yaml")
        let values = try #require(config.application(named: "web")?.source.helm?.values)
        #expect(values["replicas"] == .int(3) && values["debug"] == .bool(true))
        #expect(values["tag"] == .string("1.10") && values["flag"] == .string("yes"))
        #expect(values["ports"] == .array([.int(80), .int(443)]))
        #expect(values["image"]?["repository"] == .string("nginx") && values["image"]?["pullPolicy"] == .null)
    }
}
