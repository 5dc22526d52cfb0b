import BosunCore
@testable import BosunKubernetes
import Testing

/// The generic rules one by one, then their order. (Whole objects of real operators are in
/// `Fixtures/health/custom-resources.yaml`.)
@Suite struct GenericHealthTests {
    static func object(_ yaml: String) throws -> Resource {
        try #require(Resource(try YAMLDecoder().value("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, generation: 2}\n" + yaml)))
    }

    static func observed(_ yaml: String) throws -> GenericHealth.Observed { GenericHealth.Observed(try object(yaml)) }

    @Test func theRulesRunInTheDocumentedOrder() {
        #expect(GenericHealth.rules.map(\.name) == [
            "spec.suspend / spec.paused", "no status", "status.observedGeneration", "Stalled", "Reconciling / Issuing",
            "Ready, Available, Succeeded, Healthy, Synced", "status.phase / status.state",
        ])
    }

    @Test func suspendedReadsSpecSuspendAndSpecPaused() throws {
        #expect(GenericHealth.suspended(try Self.observed("spec: {suspend: true}")) == .suspended("Widget is suspended (spec.suspend: true)"))
        #expect(GenericHealth.suspended(try Self.observed("spec: {paused: true}")) == .suspended("Widget is paused (spec.paused: true)"))
        #expect(GenericHealth.suspended(try Self.observed("spec: {suspend: false}")) == nil)
    }

    @Test func noStatusIsHealthyOnceItExists() throws {
        #expect(GenericHealth.noStatus(try Self.observed("spec: {size: 1}")) == .healthy())
        #expect(GenericHealth.noStatus(try Self.observed("status: {}")) == nil)
    }

    @Test func observedGenerationBehindIsProgressing() throws {
        #expect(GenericHealth.observedGeneration(try Self.observed("status: {observedGeneration: 1}"))
            == .progressing("status.observedGeneration 1 is behind metadata.generation 2: the controller has not seen this spec yet"))
        #expect(GenericHealth.observedGeneration(try Self.observed("status: {observedGeneration: \"1\"}"))?.status == .progressing)
        #expect(GenericHealth.observedGeneration(try Self.observed("status: {observedGeneration: 2}")) == nil)
        #expect(GenericHealth.observedGeneration(try Self.observed("status: {phase: Running}")) == nil)
    }

    @Test func stalledIsDegraded() throws {
        let stalled = try Self.observed("status: {conditions: [{type: Stalled, status: \"True\", reason: InvalidSpec, message: spec.url is empty}]}")
        #expect(GenericHealth.stalled(stalled) == .degraded("Stalled=True (InvalidSpec): spec.url is empty"))
        #expect(GenericHealth.stalled(try Self.observed("status: {conditions: [{type: Stalled, status: \"False\"}]}")) == nil)
    }

    @Test func reconcilingOrIssuingIsProgressing() throws {
        #expect(GenericHealth.reconciling(try Self.observed("status: {conditions: [{type: Reconciling, status: \"True\", reason: Progressing}]}"))
            == .progressing("Reconciling=True (Progressing)"))
        #expect(GenericHealth.reconciling(try Self.observed("status: {conditions: [{type: Issuing, status: \"True\", message: issuing}]}"))
            == .progressing("Issuing=True: issuing"))
        #expect(GenericHealth.reconciling(try Self.observed("status: {conditions: [{type: Issuing, status: \"False\", reason: Failed}]}")) == nil)
    }

    @Test func readinessTakesTheFirstPresentConditionInOrder() throws {
        // Crossplane: Synced=True, Ready=False → judged by Ready.
        let claim = try Self.observed("status: {conditions: [{type: Synced, status: \"True\"}, {type: Ready, status: \"False\", reason: Creating}]}")
        #expect(GenericHealth.readiness(claim) == .progressing("Ready=False (Creating)"))
        // Without Ready, Available decides; then Succeeded, Healthy, Synced.
        #expect(GenericHealth.readiness(try Self.observed("status: {conditions: [{type: Synced, status: \"False\", reason: ReconcileError}, {type: Available, status: \"True\"}]}"))
            == .healthy("Available=True"))
        #expect(GenericHealth.readiness(try Self.observed("status: {conditions: [{type: Succeeded, status: \"False\", reason: Failed, message: step build failed}]}"))
            == .degraded("Succeeded=False (Failed): step build failed"))
        #expect(GenericHealth.readiness(try Self.observed("status: {conditions: [{type: Healthy, status: \"True\"}]}"))?.status == .healthy)
        #expect(GenericHealth.readiness(try Self.observed("status: {conditions: [{type: Synced, status: \"False\", reason: ReconcileError}]}"))?.status == .degraded)
        #expect(GenericHealth.readiness(try Self.observed("status: {conditions: [{type: Ready, status: \"Unknown\", reason: Checking}]}"))
            == .progressing("Ready=Unknown (Checking)"))
        #expect(GenericHealth.readiness(try Self.observed("status: {conditions: [{type: DisruptionAllowed, status: \"True\"}]}")) == nil)
    }

    @Test(arguments: ["Progressing", "Pending", "Reconciling", "Issuing", "Creating", "WaitingForDependency", "ReconciliationPending", "InstallInProgress"])
    func aFalseConditionStillWorkingIsProgressing(_ reason: String) throws {
        let object = try Self.observed("status: {conditions: [{type: Ready, status: \"False\", reason: \(reason)}]}")
        #expect(GenericHealth.readiness(object)?.status == .progressing)
    }

    @Test(arguments: ["Failed", "InstallFailed", "ValidationFailed", "Unavailable", "ErrGetKeyPair"])
    func aFalseConditionOtherwiseIsDegraded(_ reason: String) throws {
        let object = try Self.observed("status: {conditions: [{type: Ready, status: \"False\", reason: \(reason)}]}")
        #expect(GenericHealth.readiness(object)?.status == .degraded)
    }

    @Test(arguments: [
        ("Failed", HealthCode.degraded), ("Error", .degraded), ("Degraded", .degraded), ("CrashLoopBackOff", .degraded),
        ("Pending", .progressing), ("Creating", .progressing), ("Provisioning", .progressing), ("Updating", .progressing),
        ("InProgress", .progressing), ("Running", .healthy), ("Ready", .healthy), ("Active", .healthy), ("Bound", .healthy),
        ("Succeeded", .healthy), ("Available", .healthy), ("Healthy", .healthy), ("Paused", .suspended), ("Suspended", .suspended),
        ("Unknown", .unknown),
    ])
    func phaseWordsMeanAHealth(_ word: String, _ health: HealthCode) throws {
        #expect(GenericHealth.phase(try Self.observed("status: {phase: \(word)}"))?.status == health)
        #expect(GenericHealth.phase(try Self.observed("status: {state: \(word)}")) == HealthStatus(health, "status.state is \(word)"))
    }

    @Test func phaseComesBeforeStateAndQuotesTheMessage() throws {
        #expect(GenericHealth.phase(try Self.observed("status: {phase: Failed, state: Running, message: disk full}")) == .degraded("status.phase is Failed: disk full"))
        #expect(GenericHealth.phase(try Self.observed("status: {replicas: 3}")) == nil)
    }

    // MARK: Order

    @Test func stalledBeatsReady() throws {
        let object = try Self.object("status: {conditions: [{type: Ready, status: \"True\"}, {type: Stalled, status: \"True\", reason: Timeout}]}")
        #expect(GenericHealth.health(object) == .degraded("Stalled=True (Timeout)"))
    }

    @Test func anOldObservedGenerationBeatsReady() throws {
        let object = try Self.object("status: {observedGeneration: 1, conditions: [{type: Ready, status: \"True\"}]}")
        #expect(GenericHealth.health(object).status == .progressing)
    }

    @Test func conditionsBeatThePhase() throws {
        let object = try Self.object("status: {phase: Pending, conditions: [{type: Ready, status: \"True\", message: up}]}")
        #expect(GenericHealth.health(object) == .healthy("Ready=True: up"))
    }

    @Test func suspensionBeatsEverything() throws {
        let object = try Self.object("spec: {suspend: true}\nstatus: {observedGeneration: 1, conditions: [{type: Stalled, status: \"True\"}]}")
        #expect(GenericHealth.health(object).status == .suspended)
    }

    @Test func aStatusWithNothingToReadIsHealthy() throws {
        let health = GenericHealth.health(try Self.object("status: {replicas: 3}"))
        #expect(health.status == .healthy)
        #expect(health.message.contains("status has no condition, phase or state Bosun reads"), "\(health.message)")
    }

    @Test func builtInKindsKeepTheirOwnRules() throws {
        // A Deployment's Available=True does not make a rollout that is still going Healthy.
        let deployment = try #require(Resource(try YAMLDecoder().value("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, generation: 2}
            spec: {replicas: 2}
            status: {observedGeneration: 2, replicas: 3, updatedReplicas: 1, availableReplicas: 2, conditions: [{type: Available, status: "True"}]}
            """)))
        #expect(HealthRules.evaluate(deployment).health.status == .progressing)
        #expect(HealthRules.evaluate(deployment).origin == .builtIn)
        #expect(HealthRules.evaluate(try Self.object("status: {phase: Running}")).origin == .generic)
    }
}
