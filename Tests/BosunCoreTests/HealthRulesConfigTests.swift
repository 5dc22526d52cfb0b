import BosunCore
import Testing

/// `healthRules:` in `bosun.yaml`: the form of rule lists, and the errors `bosun validate`
/// gives for bad ones, each at the line of the rule.
@Suite struct HealthRulesConfigTests {
    static let header = """
        apiVersion: bosun.dev/v1
        kind: Config
        healthRules:

        """

    /// The config's health rules, or its diagnostics.
    static func parse(_ rules: String) -> Result<[HealthRuleSet], ConfigError> {
        do {
            return .success(try ConfigLoader.parse(header + rules, file: "bosun.yaml").healthRules)
        } catch {
            return .failure(error)
        }
    }

    static func diagnostics(_ rules: String) -> [ConfigDiagnostic] {
        if case .failure(let error) = parse(rules) { return error.diagnostics }
        Issue.record("expected problems in:\n\(rules)")
        return []
    }

    @Test func readsEveryMatcher() throws {
        let sets = try Self.parse("""
              - group: cert-manager.io
                kind: Certificate
                rules:
                  - { when: { condition: Ready, status: "True" }, health: Healthy }
                  - { when: { condition: Ready, status: false, reasonIn: [Pending, Issuing] }, health: Progressing }
                  - { when: { condition: Ready, reasonNotIn: [Expired] }, health: Degraded }
                  - { when: { field: /status/phase, in: [Failed, Error] }, health: Degraded, message: "{{/status/message}}" }
                  - { when: { field: /status/replicas, equals: 3 }, health: Healthy }
                  - { when: { field: /status/error, exists: true }, health: Degraded }
                  - { when: { field: /status/readyReplicas, lessThanField: /spec/replicas }, health: Progressing }
                  - when: [{ observedGenerationCurrent: false }, { condition: Ready }]
                    health: Progressing
                default: Progressing
              - kind: ConfigMap
                default: Healthy
            """).get()
        #expect(sets.count == 2)
        let certificate = try #require(sets.first)
        #expect(certificate.kindKey == "cert-manager.io/Certificate")
        #expect(certificate.defaultHealth == .progressing)
        #expect(certificate.source == SourceLocation(file: "bosun.yaml", line: 4))
        let rules = certificate.rules
        #expect(rules.count == 8)
        #expect(rules[0].when == [HealthMatch(condition: ConditionMatch(type: "Ready", status: "True"))])
        #expect(rules[0].source?.line == 7)
        #expect(rules[1].when.first?.condition == ConditionMatch(type: "Ready", status: "False", reasonIn: ["Pending", "Issuing"]))
        #expect(rules[2].when.first?.condition?.reasonNotIn == ["Expired"])
        #expect(rules[3].when.first?.field == FieldMatch(pointer: try FieldPointer("/status/phase"), test: .oneOf(["Failed", "Error"])))
        #expect(rules[3].message == "{{/status/message}}")
        #expect(rules[4].when.first?.field?.test == .equals(3))
        #expect(rules[5].when.first?.field?.test == .exists(true))
        #expect(rules[6].when.first?.field?.test == .lessThanField(try FieldPointer("/spec/replicas")))
        #expect(rules[7].when.count == 2 && rules[7].when[0].observedGenerationCurrent == false)
        #expect(sets[1].kindKey == "/ConfigMap" && sets[1].rules.isEmpty)
    }

    @Test func pointersFollowRFC6901() throws {
        #expect(try FieldPointer("/metadata/annotations/example.com~1ready").tokens == ["metadata", "annotations", "example.com/ready"])
        #expect(try FieldPointer("/a~0b").tokens == ["a~b"])
        let object: JSONValue = ["status": ["conditions": [["type": "Ready"]]]]
        #expect(try FieldPointer("/status/conditions/0/type").read(object) == "Ready")
        #expect(try FieldPointer("/status/conditions/1/type").read(object) == nil)
        #expect(throws: FieldPointerError.self) { try FieldPointer("status/phase") }
        #expect(throws: FieldPointerError.self) { try FieldPointer("/status/~2") }
    }

    @Test func aMalformedPointerIsNamedAtItsLine() {
        let problems = Self.diagnostics("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { field: status/phase, equals: Failed }, health: Degraded }
                  - { when: { field: /status/phase, lessThanField: "/spec/~x" }, health: Degraded }
            """)
        #expect(problems.count == 2)
        #expect(problems.first?.line == 7)
        #expect(problems.first?.path == "healthRules[0].rules[0].when.field")
        #expect(problems.first?.message.contains("is not a JSON pointer") == true)
        #expect(problems.last?.line == 8)
        #expect(problems.last?.path == "healthRules[0].rules[1].when.lessThanField")
    }

    @Test func aMatcherWithNoFieldsIsRefused() {
        let problems = Self.diagnostics("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: {}, health: Degraded }
                  - { when: [], health: Degraded }
            """)
        #expect(problems.map(\.line) == [7, 8])
        #expect(problems.first?.message == "a matcher with no fields")
        #expect(problems.last?.message == "an empty list of matchers")
    }

    @Test func anUnknownHealthWordIsRefusedWithASuggestion() {
        let problems = Self.diagnostics("""
              - kind: Widget
                group: example.com
                rules:
                  - { when: { condition: Ready, status: "True" }, health: Healthyy }
                  - { when: { condition: Ready, status: "False" }, health: Missing }
                default: Broken
            """)
        #expect(problems.count == 3)
        let typo = problems.first { $0.path == "healthRules[0].rules[0].health" }
        #expect(typo?.line == 7 && typo?.fix == "did you mean \"Healthy\"?")
        #expect(problems.first { $0.path == "healthRules[0].rules[1].health" }?.message.contains("Missing is for objects that do not exist") == true)
        #expect(problems.first { $0.path == "healthRules[0].default" }?.line == 9)
    }

    @Test func twoRuleListsForOneKindNameBothLines() {
        let problems = Self.diagnostics("""
              - group: cert-manager.io
                kind: Certificate
                default: Progressing
              - group: example.com
                kind: Certificate
                default: Progressing
              - group: cert-manager.io
                kind: Certificate
                rules: [{ when: { condition: Ready, status: "True" }, health: Healthy }]
            """)
        #expect(problems.count == 1)
        #expect(problems.first?.line == 10)
        #expect(problems.first?.message == "a second rule list for cert-manager.io/Certificate (the first is at line 4)")
    }

    /// Files read from Git by `include:` carry rule lists too, checked the same way and named by
    /// repository, file and line.
    @Test func includedFilesCarryRuleListsNamedByRepositoryFileAndLine() throws {
        let local = try ConfigLoader.parse("""
            apiVersion: bosun.dev/v1
            kind: Config
            targets: [{ name: local, type: host }]
            repositories: [{ name: platform, url: "https://example.com/platform.git" }]
            """, file: "bosun.yaml")
        let definitions = try ConfigLoader.parseApplications("""
            apiVersion: bosun.dev/v1
            kind: Applications
            healthRules:
              - group: cert-manager.io
                kind: Certificate
                rules: [{ when: { condition: Ready, status: "True" }, health: Healthy }]
                default: Progressing
            """, file: "bosun/health.yaml", repository: "platform", commit: String(repeating: "a", count: 40), local: local)
        #expect(definitions.applications.isEmpty)
        let set = try #require(definitions.healthRules.first)
        #expect(set.kindKey == "cert-manager.io/Certificate" && set.defaultHealth == .progressing && set.rules.count == 1)
        #expect(set.source?.description == "platform:bosun/health.yaml:4")

        do {
            _ = try ConfigLoader.parseApplications("""
                apiVersion: bosun.dev/v1
                kind: Applications
                healthRules:
                  - group: cert-manager.io
                    kind: Certificate
                    rules: [{ when: { field: status/phase, in: [Failed] }, health: Broken }]
                """, file: "bosun/health.yaml", repository: "platform", commit: "c0ffee", local: local)
            Issue.record("expected problems")
        } catch {
            let text = error.description
            #expect(text.contains("platform:bosun/health.yaml:6"), "\(text)")
            #expect(text.contains("is not a JSON pointer") && text.contains("\"Broken\" is not a health"), "\(text)")
        }
    }

    @Test func matcherPartsWithoutWhatTheyTestAreRefused() {
        let problems = Self.diagnostics("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { status: "True" }, health: Healthy }
                  - { when: { equals: Running }, health: Healthy }
                  - { when: { field: /status/phase }, health: Healthy }
                  - { when: { field: /status/phase, equals: Running, exists: true }, health: Healthy }
                  - { when: { condition: Ready, status: Maybe }, health: Healthy }
                  - { when: { field: /status/phase, equals: [Running] }, health: Healthy }
                  - { when: { condition: Ready }, health: Healthy, message: "{{/status/message" }
                  - { when: { condition: Ready }, health: Healthy, mesage: typo }
                  - { when: { condition: Ready } }
            """)
        func problem(at line: Int) -> String { problems.first { $0.line == line }?.message ?? "(none at line \(line))" }
        #expect(problem(at: 7) == "status needs a condition to look at")
        #expect(problem(at: 8) == "equals needs a field to look at")
        #expect(problem(at: 9) == "a field matcher needs a test")
        #expect(problem(at: 10) == "a field matcher takes one test; found equals and exists")
        #expect(problem(at: 11) == "\"Maybe\" is not a condition status")
        #expect(problem(at: 12).hasPrefix("equals takes one value"))
        #expect(problem(at: 13).hasPrefix("the message template is not valid"))
        #expect(problem(at: 14) == "unknown field \"mesage\"")
        #expect(problem(at: 15) == "missing required field \"health\"")
    }

    @Test func aListNeedsAKindAndRulesOrADefault() {
        let problems = Self.diagnostics("""
              - group: example.com
                rules: []
              - group: example.com/v1
                kind: Widget
              - group: example.com
                kind: example.com/Gadget
                default: Healthy
            """)
        #expect(problems.first { $0.path == "healthRules[0].kind" }?.message == "missing required field \"kind\"")
        #expect(problems.first { $0.path == "healthRules[1].group" }?.fix == "drop the version: group: example.com")
        #expect(problems.first { $0.path == "healthRules[1]" }?.message == "the rule list for Widget has no rules and no default")
        #expect(problems.first { $0.path == "healthRules[2].kind" }?.message == "\"example.com/Gadget\" is not a kind")
    }

    @Test func templatesQuoteFields() {
        let object: JSONValue = ["status": ["message": "quota exceeded", "replicas": 3, "ready": false]]
        #expect(HealthMessageTemplate.render("{{/status/message}} ({{ /status/replicas }} replicas, ready {{/status/ready}})", object: object)
            == "quota exceeded (3 replicas, ready false)")
        #expect(HealthMessageTemplate.render("absent: [{{/status/nothing}}]", object: object) == "absent: []")
        #expect(throws: FieldPointerError.self) { try HealthMessageTemplate.pointers(in: "{{status}}") }
    }
}
