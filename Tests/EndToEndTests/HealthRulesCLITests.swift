import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// Declared health rules and offline drift through the CLI, as a user tries them before
    /// deploying: `bosun health -f FILE --config bosun.yaml`, `bosun validate`, and
    /// `bosun diff --desired F --live F` on manifests from Git against `kubectl get -o yaml` output.
    @Suite struct HealthRulesCLITests {
        static let config = """
            apiVersion: bosun.dev/v1
            kind: Config
            healthRules:
              - group: cert-manager.io
                kind: Certificate
                rules:
                  - { when: { condition: Issuing, status: "True" }, health: Progressing }
                  - { when: { condition: Ready, status: "True" }, health: Healthy }
                  - { when: { condition: Issuing, status: "False", reasonIn: [Failed] }, health: Degraded, message: "issuance failed: {{/status/conditions/1/message}}" }
                default: Progressing
            """

        /// What `kubectl get certificates,deploy -o yaml` prints.
        static let saved = """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata: {name: new-tls, namespace: shop, generation: 1}
                spec: {secretName: new-tls}
              - apiVersion: cert-manager.io/v1
                kind: Certificate
                metadata: {name: shop-tls, namespace: shop, generation: 1}
                status:
                  conditions:
                    - {type: Ready, status: "False", reason: DoesNotExist, message: Issuing certificate as Secret does not exist}
                    - {type: Issuing, status: "False", reason: Failed, message: the ACME order failed}
              - apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, namespace: shop, generation: 1}
                spec: {replicas: 1}
                status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1}
            """

        @Test func healthAppliesTheConfigsRulesToSavedObjects() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let config = try dir.write("bosun.yaml", Self.config).path
            let objects = try dir.write("live.yaml", Self.saved).path

            let result = try await bosun("health", "-f", objects, "--config", config, "-o", "json")
            #expect(result.status == 0, "\(result.stderr)")
            let reports = try json(result.stdout).arrayValue ?? []
            #expect(reports.map { $0["status"]?.stringValue ?? "" } == ["Progressing", "Degraded", "Healthy"])
            #expect(reports[0]["rule"]?.stringValue == "default of \(config):4")
            #expect(reports[1]["message"]?.stringValue == "issuance failed: the ACME order failed")
            #expect(reports[1]["rule"]?.stringValue == "\(config):9")
            #expect(reports[2]["rule"]?.stringValue == "built-in")

            // Without the config, the same objects under the generic rules.
            let generic = try json(try await bosun("health", "-f", objects, "-o", "json").stdout).arrayValue ?? []
            #expect(generic.map { $0["status"]?.stringValue ?? "" } == ["Healthy", "Degraded", "Healthy"])
            #expect(generic[1]["rule"]?.stringValue == "generic")

            let table = try await bosun("health", "-f", objects, "--config", config)
            #expect(table.stdout.contains("RULE"))
            #expect(table.stdout.contains("\(config):9"))
        }

        /// A rules file kept in Git for `include:` can be tried before it is committed.
        @Test func healthTakesARulesFileKeptInGit() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let rules = try dir.write("health.yaml", Self.config.replacingOccurrences(of: "kind: Config", with: "kind: Applications")).path
            let objects = try dir.write("live.yaml", Self.saved).path
            let result = try await bosun("health", "-f", objects, "--config", rules, "-o", "json")
            #expect(result.status == 0, "\(result.stderr)")
            let reports = try json(result.stdout).arrayValue ?? []
            #expect(reports.map { $0["status"]?.stringValue ?? "" } == ["Progressing", "Degraded", "Healthy"])
            #expect(reports[1]["rule"]?.stringValue == "\(rules):9")

            // A bad rule there is named by file and line, and nothing is judged.
            try dir.write("health.yaml", """
                apiVersion: bosun.dev/v1
                kind: Applications
                healthRules:
                  - group: example.com
                    kind: Widget
                    rules:
                      - { when: { condition: Ready }, health: Fine }
                """)
            let bad = try await bosun("health", "-f", objects, "--config", rules)
            #expect(bad.status != 0)
            #expect(bad.stderr.contains("\(rules):7:") && bad.stderr.contains("\"Fine\" is not a health"), "\(bad.stderr)")
        }

        @Test func validateNamesEachBadRuleByItsLine() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            let config = try dir.write("bosun.yaml", """
                apiVersion: bosun.dev/v1
                kind: Config
                healthRules:
                  - group: example.com
                    kind: Widget
                    rules:
                      - { when: { field: status/phase, equals: Failed }, health: Degraded }
                      - { when: {}, health: Degraded }
                      - { when: { condition: Ready }, health: Fine }
                  - group: example.com
                    kind: Widget
                    default: Progressing
                """).path
            let result = try await bosun("validate", "--config", config)
            #expect(result.status == 1)
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 4, "\(result.stdout)")
            #expect(lines.contains { $0.hasPrefix("\(config):7:") && $0.contains("healthRules[0].rules[0].when.field") && $0.contains("not a JSON pointer") })
            #expect(lines.contains { $0.hasPrefix("\(config):8:") && $0.contains("a matcher with no fields") })
            #expect(lines.contains { $0.hasPrefix("\(config):9:") && $0.contains("\"Fine\" is not a health") })
            #expect(lines.contains { $0.hasPrefix("\(config):10:") && $0.contains("a second rule list for example.com/Widget (the first is at line 4)") })
            // The same file with the rules fixed is valid; a rule for a kind no cluster has is fine.
            try dir.write("bosun.yaml", Self.config)
            #expect(try await bosun("validate", "--config", config).status == 0)
        }

        @Test func diffGivesDesiredObjectsTheLiveNamespace() async throws {
            let dir = try TemporaryDirectory()
            defer { dir.remove() }
            // From Git: no namespace, as most manifests are written.
            let desired = try dir.write("desired.yaml", """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: settings}
                data: {level: info}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: ClusterRole
                metadata: {name: reader, namespace: shop}
                rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: app}
                type: Opaque
                data: {token: dG9rZW4=, optional: ""}
                """).path
            // From `kubectl get -o yaml`: namespaced, with server fields, and the empty value as null.
            let live = try dir.write("live.yaml", """
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: settings, namespace: shop, uid: 0b1c, resourceVersion: "41", creationTimestamp: "2025-03-01T10:00:00Z"}
                    data: {level: info}
                  - apiVersion: rbac.authorization.k8s.io/v1
                    kind: ClusterRole
                    metadata: {name: reader, uid: 77aa, resourceVersion: "9"}
                    rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
                  - apiVersion: v1
                    kind: Secret
                    metadata: {name: app, namespace: shop, uid: 5e5e, resourceVersion: "42"}
                    type: Opaque
                    data: {token: dG9rZW4=, optional: null}
                """).path
            let same = try await bosun("diff", "--desired", desired, "--live", live)
            #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
            #expect(same.stderr.contains("no changes"))

            // --namespace names the namespace instead: there the objects do not exist yet.
            let elsewhere = try await bosun("diff", "--desired", desired, "--live", live, "--namespace", "staging", "-o", "json")
            #expect(elsewhere.status == 1)
            let keys = (try json(elsewhere.stdout).arrayValue ?? []).filter { $0["action"] == "create" }.compactMap { $0["key"]?.stringValue }
            #expect(keys.sorted() == ["/ConfigMap/staging/settings", "/Secret/staging/app"])

            // A real change still shows, and a Secret's value stays masked.
            try dir.write("desired.yaml", try String(contentsOfFile: desired, encoding: .utf8).replacingOccurrences(of: "level: info", with: "level: debug")
                .replacingOccurrences(of: #"optional: """#, with: "optional: c2VjcmV0"))
            let changed = try await bosun("diff", "--desired", desired, "--live", live)
            #expect(changed.status == 1)
            #expect(changed.stdout.contains("+  level: debug"), "\(changed.stdout)")
            #expect(!changed.stdout.contains("c2VjcmV0"))
        }
    }
}
