import BosunCore
import BosunEngine
import Foundation
import Testing

/// Filling a set's template from entries: pure, as the engine and `bosun validate --fetch` use it.
@Suite struct ApplicationSetGenerationTests {
    static func config(_ sets: String) throws -> Config {
        try ConfigLoader.parse("""
            apiVersion: bosun.dev/v1
            kind: Config
            targets: [{ name: local, type: host }]
            repositories: [{ name: deploy, url: https://git.example.com/deploy.git }]
            applicationSets:
            \(sets)
            """, file: "bosun.yaml")
    }

    static let directories = """
          - name: services
            maxApplications: 3
            deleteApplications: true
            generators: [{ directories: { repository: deploy, include: ["apps/*"], exclude: ["apps/legacy-*"] } }]
            template:
              name: "{{path.basename}}"
              source: { repository: deploy, path: "{{path}}" }
              destination: { target: local, namespace: "team-{{path.segments[1]}}" }
              pruneOnDelete: false
        """

    @Test func foldersSelectedByGlobsFillTheTemplate() throws {
        let config = try Self.config(Self.directories)
        let set = try #require(config.applicationSets.first)
        let tree: [(path: String, isFolder: Bool)] = [
            ("apps", true), ("apps/web", true), ("apps/web/page.yaml", false), ("apps/api", true), ("apps/legacy-old", true),
            ("apps/.hidden", true), ("apps/web/nested", true), ("README.md", false),
        ]
        let folders = ApplicationSetGeneration.select(tree, folders: true, include: ["apps/*"], exclude: ["apps/legacy-*"])
        #expect(folders == ["apps/web", "apps/api"])
        let result = try ApplicationSetGeneration.applications(of: set, entries: ApplicationSetGeneration.directoryEntries(folders), config: config)
        #expect(result.applications.map(\.name) == ["web", "api"])
        #expect(result.applications[0].source.path == "apps/web" && result.applications[0].destination.namespace == "team-web")
        // Only the set decides whether a vanished entry deletes what it deployed.
        #expect(result.applications.allSatisfy { $0.pruneOnDelete })
    }

    @Test func aMissingKeyDuplicatesAndTheLimitAreReported() throws {
        let config = try Self.config(Self.directories)
        let set = try #require(config.applicationSets.first)
        let entries = ApplicationSetGeneration.directoryEntries(["apps/a", "apps/b", "other/a"])
        let result = try ApplicationSetGeneration.applications(of: set, entries: entries, config: config)
        #expect(result.applications.map(\.name) == ["b"] && result.duplicates["a"] == ["apps/a", "other/a"])
        #expect(throws: GenerationError.self) {
            try ApplicationSetGeneration.applications(of: set, entries: ApplicationSetGeneration.directoryEntries(["a/1", "a/2", "a/3", "a/4"]), config: config)
        }
        do {
            _ = try ApplicationSetGeneration.applications(of: set, entries: [GeneratedEntry(label: "clusters/x.yaml", parameters: ["path": "x"])], config: config)
            Issue.record("expected a missing parameter")
        } catch {
            #expect(error.message.contains("clusters/x.yaml") && error.message.contains("\"path.basename\""))
        }
    }

    @Test func filesGiveTheirKeysAndMatricesCombine() throws {
        let entries = try ApplicationSetGeneration.fileEntries(file: "clusters/east/config.yaml", text: "cluster: { name: east, region: us }\n")
        #expect(entries.first?.parameters["cluster.name"] == "east" && entries.first?.parameters["path"] == "clusters/east")
        #expect(entries.first?.parameters["path.filename"] == "config.yaml")
        #expect(throws: GenerationError.self) { try ApplicationSetGeneration.fileEntries(file: "bad.yaml", text: "a: [unclosed\n") }
        let config = try Self.config("""
              - name: grid
                generators:
                  - matrix:
                      - list: [{ env: prod }, { env: staging }]
                      - list: [{ app: web }, { app: api }]
                template: { name: "{{app}}-{{env}}", source: { repository: deploy, path: "{{app}}" }, destination: { target: local } }
            """)
        let set = try #require(config.applicationSets.first)
        let combined = try set.generators.flatMap { generator throws(GenerationError) in try ApplicationSetGeneration.entries(generator, listings: [:]) }
        let result = try ApplicationSetGeneration.applications(of: set, entries: combined, config: config)
        #expect(result.applications.map(\.name) == ["web-prod", "api-prod", "web-staging", "api-staging"])
    }
}
