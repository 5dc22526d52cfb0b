import BosunCore
import BosunKubernetes
import Testing

/// Health rules users declare per kind: each matcher, rule order, defaults, messages, and how
/// they stand to the built-in and generic rules. Rules are read from config text, as
/// `bosun.yaml` gives them.
@Suite struct DeclaredHealthRuleTests {
    static func rules(_ yaml: String) throws -> DeclaredHealthRules {
        DeclaredHealthRules(try ConfigLoader.parse("apiVersion: bosun.dev/v1\nkind: Config\nhealthRules:\n" + yaml, file: "bosun.yaml").healthRules)
    }

    static func object(_ yaml: String) throws -> Resource {
        try #require(Resource(try YAMLDecoder().value(yaml)))
    }

    static func widget(_ body: String) throws -> Resource {
        try object("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop, generation: 3}\n" + body)
    }

    static func health(_ object: Resource, _ rules: DeclaredHealthRules) -> HealthStatus {
        HealthRules.health(of: object, declared: rules)
    }

    // MARK: Matchers

    @Test func conditionByStatusAndReason() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { condition: Ready, status: "False", reasonIn: [Pending, Issuing] }, health: Progressing }
                  - { when: { condition: Ready, status: "False", reasonNotIn: [Expired] }, health: Degraded }
                  - { when: { condition: Ready, status: "False" }, health: Suspended }
                  - { when: { condition: Ready }, health: Healthy }
            """)
        func ready(_ status: String, _ reason: String) throws -> Resource {
            try Self.widget("status: {conditions: [{type: Ready, status: \"\(status)\", reason: \(reason), message: said}]}")
        }
        #expect(Self.health(try ready("False", "Issuing"), rules) == .progressing("Ready=False (Issuing): said"))
        #expect(Self.health(try ready("False", "Broken"), rules) == .degraded("Ready=False (Broken): said"))
        #expect(Self.health(try ready("False", "Expired"), rules).status == .suspended)
        #expect(Self.health(try ready("Unknown", "Checking"), rules).status == .healthy)
    }

    @Test func fieldEqualsAndIn() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { field: /status/phase, in: [Failed, Error] }, health: Degraded }
                  - { when: { field: /status/replicas, equals: 3 }, health: Healthy }
                  - { when: { field: /status/ready, equals: true }, health: Healthy }
            """)
        #expect(Self.health(try Self.widget("status: {phase: Error}"), rules) == .degraded("/status/phase is Error"))
        #expect(Self.health(try Self.widget("status: {replicas: \"3\"}"), rules) == .healthy("/status/replicas is 3"))
        #expect(Self.health(try Self.widget("status: {ready: true}"), rules) == .healthy("/status/ready is true"))
        // No rule matched and no default: the generic rules decide.
        #expect(Self.health(try Self.widget("status: {phase: Running}"), rules) == .healthy("status.phase is Running"))
    }

    @Test func fieldExists() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { field: /status/error, exists: true }, health: Degraded, message: "{{/status/error}}" }
                  - { when: { field: /status/endpoint, exists: false }, health: Progressing }
                default: Healthy
            """)
        #expect(Self.health(try Self.widget("status: {error: bucket name taken}"), rules) == .degraded("bucket name taken"))
        #expect(Self.health(try Self.widget("status: {error: null}"), rules) == .progressing("/status/endpoint is not set"))
        #expect(Self.health(try Self.widget("status: {endpoint: s3.example.com}"), rules).status == .healthy)
    }

    @Test func fieldLessThanField() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { field: /status/readyReplicas, lessThanField: /spec/replicas }, health: Progressing }
                default: Healthy
            """)
        #expect(Self.health(try Self.widget("spec: {replicas: 3}\nstatus: {readyReplicas: 1}"), rules)
            == .progressing("/status/readyReplicas (1) is below /spec/replicas (3)"))
        // Kubernetes leaves zero counts out: an absent count reads as 0.
        #expect(Self.health(try Self.widget("spec: {replicas: 3}\nstatus: {}"), rules).status == .progressing)
        #expect(Self.health(try Self.widget("spec: {replicas: 3}\nstatus: {readyReplicas: 3}"), rules).status == .healthy)
    }

    @Test func observedGenerationCurrent() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { observedGenerationCurrent: false }, health: Progressing }
                  - { when: { observedGenerationCurrent: true }, health: Healthy }
            """)
        #expect(Self.health(try Self.widget("status: {observedGeneration: 2}"), rules)
            == .progressing("status.observedGeneration 2 is behind metadata.generation 3"))
        #expect(Self.health(try Self.widget("status: {phase: Running}"), rules)
            == .progressing("status.observedGeneration absent is behind metadata.generation 3"))
        #expect(Self.health(try Self.widget("status: {observedGeneration: \"3\"}"), rules)
            == .healthy("status.observedGeneration 3 is current (metadata.generation 3)"))
    }

    @Test func aWhenListNeedsEveryMatcher() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules:
                  - when: [{ observedGenerationCurrent: true }, { condition: Ready, status: "True" }, { field: /status/phase, equals: Running }]
                    health: Healthy
                default: Progressing
            """)
        let all = try Self.widget("status: {observedGeneration: 3, phase: Running, conditions: [{type: Ready, status: \"True\"}]}")
        #expect(Self.health(all, rules)
            == .healthy("status.observedGeneration 3 is current (metadata.generation 3); Ready=True; /status/phase is Running"))
        let notAll = try Self.widget("status: {observedGeneration: 3, phase: Starting, conditions: [{type: Ready, status: \"True\"}]}")
        #expect(Self.health(notAll, rules) == .progressing("no health rule for Widget matched (bosun.yaml:4): its default is Progressing"))
    }

    // MARK: Order, defaults, precedence

    @Test func theFirstRuleThatMatchesDecides() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules:
                  - { when: { condition: Ready, status: "True" }, health: Healthy }
                  - { when: { field: /status/phase, equals: Failed }, health: Degraded }
            """)
        let both = try Self.widget("status: {phase: Failed, conditions: [{type: Ready, status: \"True\"}]}")
        #expect(Self.health(both, rules).status == .healthy)
        let evaluated = HealthRules.evaluate(both, declared: rules)
        #expect(evaluated.origin.description == "bosun.yaml:7")
    }

    @Test func withoutADefaultNothingMatchedLeavesItToTheGenericRules() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules: [{ when: { field: /status/phase, equals: Failed }, health: Degraded }]
            """)
        let object = try Self.widget("status: {conditions: [{type: Ready, status: \"False\", reason: Pending}]}")
        #expect(Self.health(object, rules) == .progressing("Ready=False (Pending)"))
        #expect(HealthRules.evaluate(object, declared: rules).origin == .generic)
        // No status at all: healthy, unless a default says otherwise.
        #expect(Self.health(try Self.widget("spec: {}"), rules) == .healthy())
        let waiting = try Self.rules("- { group: example.com, kind: Widget, default: Progressing }")
        #expect(Self.health(try Self.widget("spec: {}"), waiting).status == .progressing)
    }

    @Test func declaredRulesOverrideTheBuiltInRuleOfTheirKind() throws {
        let deployment = try Self.object("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop, generation: 1, annotations: {example.com/canary: "true"}}
            spec: {replicas: 3}
            status: {observedGeneration: 1, replicas: 3, updatedReplicas: 3, availableReplicas: 1}
            """)
        #expect(HealthRules.health(of: deployment).status == .progressing)
        let rules = try Self.rules("""
              - group: apps
                kind: Deployment
                rules:
                  - { when: { field: /metadata/annotations/example.com~1canary, equals: "true" }, health: Healthy, message: "canary: judged by the rollout tool" }
            """)
        #expect(Self.health(deployment, rules) == .healthy("canary: judged by the rollout tool"))
        // Only that kind: a Deployment of another group, or another kind, is untouched.
        #expect(HealthRules.evaluate(try Self.widget("status: {phase: Running}"), declared: rules).origin == .generic)
    }

    @Test func deletionWinsOverDeclaredRules() throws {
        let rules = try Self.rules("- { group: example.com, kind: Widget, default: Healthy }")
        let deleting = try Self.object("""
            apiVersion: example.com/v1
            kind: Widget
            metadata: {name: w, deletionTimestamp: "2025-01-10T10:00:00Z", finalizers: [example.com/cleanup]}
            """)
        #expect(Self.health(deleting, rules) == .progressing("Pending deletion: waiting for finalizers example.com/cleanup"))
    }

    @Test func aMessageTemplateThatQuotesNothingFallsBackToWhatMatched() throws {
        let rules = try Self.rules("""
              - group: example.com
                kind: Widget
                rules: [{ when: { field: /status/phase, equals: Failed }, health: Degraded, message: "{{/status/message}}" }]
            """)
        #expect(Self.health(try Self.widget("status: {phase: Failed, message: out of quota}"), rules) == .degraded("out of quota"))
        #expect(Self.health(try Self.widget("status: {phase: Failed}"), rules) == .degraded("/status/phase is Failed"))
    }

    // MARK: Worked rules (docs/kubernetes.md)

    static let certificateRule = """
          - group: cert-manager.io
            kind: Certificate
            rules:
              - { when: { condition: Issuing, status: "True" }, health: Progressing }
              - { when: { condition: Ready, status: "True" }, health: Healthy }
              - { when: { condition: Issuing, status: "False", reasonIn: [Failed] }, health: Degraded }
              - { when: { condition: Ready, status: "False" }, health: Progressing }
            default: Progressing
        """

    @Test func workedCertificateRuleNamesTheFailedIssuance() throws {
        let rules = try Self.rules(Self.certificateRule)
        let failed = try Self.object("""
            apiVersion: cert-manager.io/v1
            kind: Certificate
            metadata: {name: shop-tls, namespace: shop, generation: 1}
            status:
              conditions:
                - {type: Ready, status: "False", reason: DoesNotExist, message: Issuing certificate as Secret does not exist}
                - {type: Issuing, status: "False", reason: Failed, message: "The certificate request has failed to complete and will be retried: the ACME order failed"}
            """)
        #expect(Self.health(failed, rules)
            == .degraded("Issuing=False (Failed): The certificate request has failed to complete and will be retried: the ACME order failed"))
        // Fresh, before cert-manager has written anything: waiting, not healthy.
        let fresh = try Self.object("apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: shop-tls, namespace: shop}\nspec: {secretName: shop-tls}")
        #expect(Self.health(fresh, rules).status == .progressing)
        #expect(HealthRules.health(of: fresh).status == .healthy)
    }

    static let rolloutRule = """
          - group: argoproj.io
            kind: Rollout
            rules:
              - { when: { observedGenerationCurrent: false }, health: Progressing, message: the rollout controller has not seen this spec yet }
              - { when: { field: /status/phase, equals: Healthy }, health: Healthy, message: "{{/status/message}}" }
              - { when: { field: /status/phase, equals: Paused }, health: Suspended, message: "{{/status/message}}" }
              - { when: { field: /status/phase, equals: Degraded }, health: Degraded, message: "{{/status/message}}" }
            default: Progressing
        """

    @Test func workedRolloutRuleCatchesAnAbortedRolloutTheGenericRulesMiss() throws {
        let aborted = try Self.object("""
            apiVersion: argoproj.io/v1alpha1
            kind: Rollout
            metadata: {name: web, namespace: shop, generation: 3}
            spec: {replicas: 3}
            status:
              observedGeneration: "3"
              phase: Degraded
              message: "RolloutAborted: Rollout aborted update to revision 3: Metric \\"success-rate\\" assessed Failed"
              conditions:
                - {type: Progressing, status: "False", reason: RolloutAborted, message: Rollout aborted update to revision 3}
                - {type: Available, status: "True", reason: AvailableReason, message: Rollout has minimum availability}
            """)
        // The stable pods stay available, so Available=True reads Healthy to the generic rules.
        #expect(HealthRules.health(of: aborted).status == .healthy)
        #expect(Self.health(aborted, try Self.rules(Self.rolloutRule))
            == .degraded("RolloutAborted: Rollout aborted update to revision 3: Metric \"success-rate\" assessed Failed"))
    }

    static let claimRule = """
          - group: database.example.org
            kind: PostgreSQLInstance
            rules:
              - { when: { condition: Ready, status: "True" }, health: Healthy }
              - { when: { condition: Synced, status: "False" }, health: Degraded }
              - { when: { field: /spec/resourceRef, exists: false }, health: Progressing, message: waiting for the composite resource to be created }
            default: Progressing
        """

    @Test func workedClaimRuleFailsOnASyncErrorTheGenericRulesWaitOn() throws {
        let claim = try Self.object("""
            apiVersion: database.example.org/v1alpha1
            kind: PostgreSQLInstance
            metadata: {name: orders-db, namespace: shop, generation: 1}
            spec: {parameters: {storageGB: 20}, resourceRef: {apiVersion: database.example.org/v1alpha1, kind: XPostgreSQLInstance, name: orders-db-x8k2p}}
            status:
              conditions:
                - {type: Synced, status: "False", reason: ReconcileError, message: "cannot apply composite resource: storageGB must be at most 10"}
                - {type: Ready, status: "False", reason: Waiting, message: Claim is waiting for composite resource to become Ready}
            """)
        #expect(HealthRules.health(of: claim).status == .progressing)
        #expect(Self.health(claim, try Self.rules(Self.claimRule))
            == .degraded("Synced=False (ReconcileError): cannot apply composite resource: storageGB must be at most 10"))
    }
}
