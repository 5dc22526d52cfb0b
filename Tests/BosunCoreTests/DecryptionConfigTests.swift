import BosunCore
import Testing

/// `decryptionKeys` and `decryption` in the config: read, defaulted from the repository, and
/// checked like every other field, each problem at its line and column.
@Suite struct DecryptionConfigTests {
    static func config(_ body: String) -> String {
        """
        apiVersion: bosun.dev/v1
        kind: Config
        targets: [{ name: local, type: host }]
        \(body)
        """
    }

    static let valid = config("""
        decryptionKeys:
          - { name: prod, ageKeyFiles: [keys/prod.agekey], ageKeysEnv: BOSUN_AGE_KEYS, gpgKeyFiles: [keys/prod.asc] }
          - { name: staging, ageKeysEnv: STAGING_KEYS }
        repositories:
          - { name: deploy, url: "https://git.example.com/deploy.git", decryption: { provider: sops, keys: [staging] } }
        applications:
          - name: web
            source: { repository: deploy, path: web }
            destination: { target: local }
            decryption: { provider: sops, keys: [prod, staging] }
          - name: api
            source: { repository: deploy, path: api }
            destination: { target: local }
        """)

    @Test func readsKeysAndDecryption() throws {
        let config = try ConfigLoader.parse(Self.valid, file: "bosun.yaml")
        #expect(config.decryptionKeys.map(\.name) == ["prod", "staging"])
        let prod = try #require(config.decryptionKey(named: "prod"))
        #expect(prod.ageKeyFiles == ["keys/prod.agekey"] && prod.ageKeysEnv == "BOSUN_AGE_KEYS" && prod.gpgKeyFiles == ["keys/prod.asc"])
        let web = try #require(config.application(named: "web"))
        #expect(config.decryption(for: web) == DecryptionSpec(provider: "sops", keys: ["prod", "staging"]))
        // An application without its own takes its repository's.
        let api = try #require(config.application(named: "api"))
        #expect(api.decryption == nil)
        #expect(config.decryption(for: api)?.keys == ["staging"])
    }

    func problems(_ text: String) -> [ConfigDiagnostic] {
        do {
            _ = try ConfigLoader.parse(text, file: "bosun.yaml")
            return []
        } catch {
            return error.diagnostics
        }
    }

    @Test func reportsEachProblemAtItsPlace() {
        let text = Self.config("""
            decryptionKeys:
              - { name: prod, ageKeyFiles: [keys/prod.agekey] }
              - { name: prod, ageKeysEnv: OTHER }
              - { name: empty }
              - { name: typo, agekeyFiles: [x] }
            repositories:
              - { name: deploy, url: "https://git.example.com/deploy.git", decryption: { provider: sops, keys: [stage] } }
            applications:
              - name: web
                source: { repository: deploy }
                destination: { target: local }
                decryption: { provider: vault, keys: [prd] }
              - name: api
                source: { repository: deploy }
                destination: { target: local }
                decryption: { provider: sops, keys: [] }
            """)
        let found = problems(text)
        func has(_ path: String, _ words: String, line: Int) -> Bool {
            found.contains { $0.path == path && $0.description.contains(words) && $0.line == line }
        }
        #expect(has("decryptionKeys[1].name", "declared twice", line: 6), "\(found)")
        #expect(has("decryptionKeys[2]", "names no key", line: 7), "\(found)")
        #expect(has("decryptionKeys[3].agekeyFiles", "did you mean \"ageKeyFiles\"?", line: 8), "\(found)")
        #expect(has("repositories[0].decryption.keys[0]", "no decryption key named \"stage\"", line: 10), "\(found)")
        #expect(has("applications[0].decryption.provider", "unknown decryption provider \"vault\"", line: 15), "\(found)")
        #expect(has("applications[0].decryption.keys[0]", "did you mean \"prod\"?", line: 15), "\(found)")
        #expect(has("applications[1].decryption.keys", "no decryption keys named", line: 19), "\(found)")
    }

    @Test func applicationsInGitNameKeysTheLocalConfigDeclares() throws {
        let local = try ConfigLoader.parse(Self.valid, file: "bosun.yaml")
        let definitions = try ConfigLoader.parseApplications("""
            apiVersion: bosun.dev/v1
            kind: Applications
            applications:
              - { name: shop, source: { repository: deploy, path: shop }, destination: { target: local }, decryption: { provider: sops, keys: [prod] } }
            applicationSets:
              - name: envs
                generators: [{ list: [{ env: staging }] }]
                template:
                  name: "shop-{{env}}"
                  source: { repository: deploy, path: "shop/{{env}}" }
                  destination: { target: local }
                  decryption: { provider: sops, keys: ["{{env}}"] }
            """, file: "bosun/shop.yaml", repository: "deploy", commit: String(repeating: "b", count: 40), local: local)
        let shop = try #require(definitions.applications.first)
        #expect(local.decryption(for: shop)?.keys == ["prod"])
        do {
            _ = try ConfigLoader.parseApplications("""
                apiVersion: bosun.dev/v1
                kind: Applications
                applications:
                  - { name: shop, source: { repository: deploy, path: shop }, destination: { target: local }, decryption: { provider: sops, keys: [prd] } }
                applicationSets:
                  - name: envs
                    generators: [{ list: [{ env: staging }] }]
                    template:
                      name: "shop-{{env}}"
                      source: { repository: deploy, path: "shop/{{env}}" }
                      destination: { target: local }
                      decryption: { provider: sops, keys: [nightly] }
                """, file: "bosun/shop.yaml", repository: "deploy", commit: "c0ffee", local: local)
            Issue.record("expected problems")
        } catch {
            let text = error.description
            #expect(text.contains("deploy:bosun/shop.yaml:4:") && text.contains("no decryption key named \"prd\"") && text.contains("did you mean \"prod\"?"), "\(text)")
            #expect(text.contains("applicationSets[0].template.decryption.keys[0]") && text.contains("no decryption key named \"nightly\""), "\(text)")
        }
    }
}
