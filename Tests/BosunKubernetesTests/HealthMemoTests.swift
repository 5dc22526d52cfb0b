import BosunCore
@testable import BosunKubernetes
import Testing

/// Health is judged again only when an object (its uid or resourceVersion) or the rules change.
@Suite struct HealthMemoTests {
    static func widget(version: String, phase: String) throws -> Resource {
        try #require(Resource(try YAMLDecoder().value(
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w, namespace: shop, uid: 6f1d-22, resourceVersion: \"\(version)\"}\nstatus: {phase: \(phase)}")))
    }

    @Test func anUnchangedObjectKeepsItsAnswerAChangedOneIsJudgedAgain() throws {
        let memo = HealthMemo()
        let running = try Self.widget(version: "10", phase: "Running")
        #expect(memo.health(of: running).status == .healthy)
        // The same resourceVersion is the same object: its answer stands (this one is forged to tell).
        let forged = try Self.widget(version: "10", phase: "Failed")
        #expect(memo.health(of: forged).status == .healthy)
        let failed = try Self.widget(version: "11", phase: "Failed")
        #expect(memo.health(of: failed).status == .degraded)
    }

    @Test func newRulesForgetEveryAnswer() throws {
        let memo = HealthMemo()
        let running = try Self.widget(version: "10", phase: "Running")
        #expect(memo.health(of: running).status == .healthy)
        memo.use(DeclaredHealthRules([HealthRuleSet(group: "example.com", kind: "Widget", rules: [], defaultHealth: .suspended)]))
        #expect(memo.health(of: running).status == .suspended)
    }

    @Test func anObjectRecreatedUnderTheSameNameIsJudgedAgain() throws {
        let memo = HealthMemo()
        let running = try Self.widget(version: "10", phase: "Running")
        #expect(memo.health(of: running).status == .healthy)
        var recreated = try Self.widget(version: "10", phase: "Failed")
        recreated.setMetadata("uid", "9a0e-31")
        #expect(memo.health(of: recreated).status == .degraded)
    }

    @Test func anObjectWithoutAResourceVersionIsAlwaysJudged() throws {
        let memo = HealthMemo()
        let first = try #require(Resource(try YAMLDecoder().value("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nstatus: {phase: Running}")))
        #expect(memo.health(of: first).status == .healthy)
        let second = try #require(Resource(try YAMLDecoder().value("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nstatus: {phase: Failed}")))
        #expect(memo.health(of: second).status == .degraded)
    }
}
