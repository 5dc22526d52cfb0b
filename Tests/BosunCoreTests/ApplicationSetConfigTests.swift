import BosunCore
import Foundation
import Testing

/// `applicationSets:` and `include:` as the loader reads them, and the glob and placeholder rules.
@Suite struct ApplicationSetConfigTests {
    static let head = """
        apiVersion: bosun.dev/v1
        kind: Config
        targets: [{ name: local, type: host }]
        repositories: [{ name: deploy, url: https://git.example.com/deploy.git }, { name: platform, url: https://git.example.com/platform.git }]

        """

    static func load(_ body: String) throws(ConfigError) -> Config { try ConfigLoader.parse(head + body, file: "bosun.yaml") }

    static func problems(_ body: String) -> [String] {
        do {
            _ = try load(body)
            return []
        } catch {
            return error.diagnostics.map(\.description)
        }
    }

    @Test func readsSetsGeneratorsAndIncludes() throws {
        let config = try Self.load("""
            applicationSets:
              - name: services
                generators:
                  - directories: { repository: deploy, revision: main, include: ["apps/*"], exclude: ["apps/legacy-*"] }
                  - matrix:
                      - list: [{ env: prod }, { env: staging }]
                      - files: { repository: deploy, include: ["clusters/**/config.yaml"] }
                template:
                  name: "{{path.basename}}-{{env}}"
                  source: { repository: deploy, revision: main, path: "{{path}}" }
                  destination: { target: local, namespace: "{{cluster.name}}" }
                deleteApplications: true
                maxDeletePercent: 20
            include:
              - { repository: platform, revision: main, path: "bosun/*.yaml" }
            applications:
              - { name: web, source: { repository: deploy, path: web }, destination: { target: local }, dependsOn: [generated-one] }
            """)
        let set = try #require(config.applicationSets.first)
        #expect(set.name == "services" && set.deleteApplications && set.maxDeletePercent == 20 && set.maxApplications == 1000)
        #expect(set.generators.count == 2 && set.generators[1].type == "matrix")
        #expect(set.generators.flatMap(\.gitListings).count == 2)
        #expect(set.template["name"] == "{{path.basename}}-{{env}}")
        #expect(set.origin.description == "bosun.yaml:6:5")
        #expect(config.includes == [IncludeSpec(repository: "platform", revision: .ref("main"), path: "bosun/*.yaml")])
        // dependsOn may name an application only a set or an include defines: checked once known.
        #expect(config.application(named: "web")?.dependsOn == ["generated-one"])
    }

    @Test func refusesBadSetsWithTheFieldNamed() {
        let unknownParameter = Self.problems("""
            applicationSets:
              - name: services
                generators: [{ directories: { repository: deploy, include: ["apps/*"] } }]
                template: { name: "{{path.base}}", source: { repository: deploy, path: "{{path}}" }, destination: { target: local } }
            """)
        #expect(unknownParameter.contains { $0.contains("applicationSets[0].template.name") && $0.contains("unknown parameter \"path.base\"") && $0.contains("path.basename") })
        let unknownRepository = Self.problems("""
            applicationSets:
              - name: services
                generators: [{ directories: { repository: deplyo, include: ["apps/*"] } }]
                template: { name: "{{path.basename}}", source: { repository: deploy, path: "{{path}}" }, destination: { target: nowhere } }
            """)
        #expect(unknownRepository.contains { $0.contains("generators[0].directories.repository") && $0.contains("did you mean \"deploy\"") })
        #expect(unknownRepository.contains { $0.contains("template.destination.target") && $0.contains("nowhere") })
        let badTemplate = Self.problems("""
            applicationSets:
              - name: services
                generators: [{ list: [{ name: a }] }]
                template: { name: "{{name}}", source: { repository: deploy, path: "{{name}" }, destination: { target: local }, sync: { auto: sometimes } }
            """)
        #expect(badTemplate.contains { $0.contains("template.source.path") && $0.contains("placeholder") })
        #expect(badTemplate.contains { $0.contains("template.sync.auto") })
        let twoKinds = Self.problems("""
            applicationSets:
              - name: services
                generators: [{ list: [{ name: a }], directories: { repository: deploy, include: ["*"] } }]
                template: { name: "{{name}}", source: { repository: deploy }, destination: { target: local } }
            """)
        #expect(twoKinds.contains { $0.contains("one generator per entry") })
        let leaving = Self.problems("include: [{ repository: platform, path: \"../x/*.yaml\" }, { repository: nope, path: a.yaml }]\n")
        #expect(leaving.contains { $0.contains("include[0].path") && $0.contains("leaves the repository") })
        #expect(leaving.contains { $0.contains("include[1].repository") })
        // Without sets or includes, a dependsOn naming nothing is still an error at once.
        #expect(Self.problems("applications: [{ name: web, source: { repository: deploy }, destination: { target: local }, dependsOn: [ghost] }]\n")
            .contains { $0.contains("no application named \"ghost\"") })
    }

    @Test func includedFilesHoldApplicationsAndSetsOnly() throws {
        let local = try Self.load("")
        let definitions = try ConfigLoader.parseApplications("""
            apiVersion: bosun.dev/v1
            kind: Applications
            applications:
              - { name: web, source: { repository: deploy, path: web }, destination: { target: local } }
            """, file: "bosun/web.yaml", repository: "platform", commit: String(repeating: "a", count: 40), local: local)
        #expect(definitions.applications.map(\.name) == ["web"])
        #expect(definitions.origins["web"]?.description == "platform:bosun/web.yaml:4:5 at aaaaaaa")
        do {
            _ = try ConfigLoader.parseApplications("""
                apiVersion: bosun.dev/v1
                kind: Applications
                targets: [{ name: mine, type: host }]
                applications:
                  - { name: web, source: { repository: secret-repo, path: web }, destination: { target: local } }
                """, file: "bosun/web.yaml", repository: "platform", commit: "c0ffee", local: local)
            Issue.record("expected problems")
        } catch {
            let text = error.description
            #expect(text.contains("platform:bosun/web.yaml:3:1") && text.contains("unknown field \"targets\""))
            #expect(text.contains("no repository named \"secret-repo\" in the local config"))
        }
    }

    @Test func globsMatchSegmentsAndPlaceholdersNameParameters() throws {
        #expect(PathGlob("apps/*").matches("apps/web") && !PathGlob("apps/*").matches("apps/web/x") && !PathGlob("apps/*").matches("apps"))
        #expect(PathGlob("apps/**/config.yaml").matches("apps/config.yaml") && PathGlob("apps/**/config.yaml").matches("apps/a/b/config.yaml"))
        #expect(PathGlob("apps/legacy-*").matches("apps/legacy-old") && !PathGlob("apps/legacy-*").matches("apps/new"))
        #expect(PathGlob("clusters/*/config.yaml").fixedPrefix == "clusters" && PathGlob("*").fixedPrefix == "")
        #expect(try TemplateText.substitute("{{ path.basename }}-{{env}}", ["path.basename": "web", "env": "prod"]) == "web-prod")
        #expect(throws: TemplateText.MissingParameter.self) { try TemplateText.substitute("{{env}}", ["path": "a"]) }
        #expect(Parameters.ofPath("apps/team/web")["path.segments[1]"] == "team")
        #expect(Parameters.flatten(["cluster": ["name": "east", "zones": ["a", "b"]]]) == ["cluster.name": "east", "cluster.zones[0]": "a", "cluster.zones[1]": "b"])
    }
}
