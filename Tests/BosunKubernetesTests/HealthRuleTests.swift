import BosunCore
import BosunKubernetes
import Foundation
import Testing

/// One health fixture: a live object as `kubectl get -o yaml` prints it and the status and
/// message a person should see.
struct HealthCase: Sendable, CustomTestStringConvertible {
    var file: String
    var line: Int
    var name: String
    var object: Resource
    var expected: HealthStatus

    var testDescription: String { "\(file):\(line) \(name)" }

    /// Every case of `Fixtures/health/*.yaml` (one YAML document per case).
    static func load() throws -> [HealthCase] {
        var cases: [HealthCase] = []
        for url in try Fixtures.files(in: "health") {
            let text = try String(contentsOf: url, encoding: .utf8)
            for document in try YAMLDecoder().documents(text) {
                let place = "\(url.lastPathComponent):\(document.line)"
                guard let name = document.value["case"]?.stringValue,
                    let statusText = document.value["expected"]?["status"]?.stringValue,
                    let status = HealthCode(rawValue: statusText),
                    let message = document.value["expected"]?["message"]?.stringValue,
                    let object = document.value["object"].flatMap({ Resource($0) })
                else {
                    throw FixtureError("\(place): a case needs `case`, `expected: {status, message}` and `object`")
                }
                cases.append(HealthCase(file: url.lastPathComponent, line: document.line, name: name, object: object,
                                        expected: HealthStatus(status, message)))
            }
        }
        return cases
    }

    static let all: [HealthCase] = (try? load()) ?? []
}

@Suite struct HealthRuleTests {
    @Test(arguments: HealthCase.all)
    func ruleGivesTheExpectedStatusAndMessage(_ fixture: HealthCase) {
        let health = HealthRules.health(of: fixture.object)
        #expect(health.status == fixture.expected.status, "\(fixture.testDescription)")
        #expect(health.message == fixture.expected.message, "\(fixture.testDescription)")
    }

    @Test func fixturesCoverEveryRuleWithAtLeastFortyCases() throws {
        let cases = try HealthCase.load()
        #expect(cases.count >= 40)
        let kinds = Set(cases.map(\.object.kind))
        for kind in [
            "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Pod", "Job", "CronJob", "PersistentVolumeClaim",
            "Service", "Ingress", "CustomResourceDefinition", "HorizontalPodAutoscaler", "APIService",
            // Custom resources of widely used operators, under the generic rules.
            "Certificate", "Issuer", "Rollout", "XPostgreSQLInstance", "ExternalSecret",
        ] {
            #expect(kinds.contains(kind), "no fixture for \(kind)")
        }
        // Every status a rule can give appears at least once.
        let statuses = Set(cases.map(\.expected.status))
        for status in [HealthCode.healthy, .progressing, .degraded, .suspended, .unknown] {
            #expect(statuses.contains(status), "no fixture expects \(status.rawValue)")
        }
    }

    @Test func everyNonHealthyStatusExplainsItself() {
        for fixture in HealthCase.all where fixture.expected.status != .healthy {
            #expect(!HealthRules.health(of: fixture.object).message.isEmpty, "\(fixture.testDescription)")
        }
    }

    @Test func deletionWinsOverTheKindRule() throws {
        let deployment = try #require(Resource(try YAMLDecoder().value("""
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, generation: 1, deletionTimestamp: "2025-01-10T10:00:00Z", finalizers: [foregroundDeletion]}
            spec: {replicas: 1}
            status: {observedGeneration: 1, replicas: 1, updatedReplicas: 1, availableReplicas: 1}
            """)))
        #expect(HealthRules.health(of: deployment) == .progressing("Pending deletion: waiting for finalizers foregroundDeletion"))
    }

    @Test func extensionsGroupDeploymentUsesTheDeploymentRule() throws {
        let deployment = try #require(Resource(try YAMLDecoder().value("""
            apiVersion: extensions/v1beta1
            kind: Deployment
            metadata: {name: legacy, generation: 2}
            spec: {paused: true}
            """)))
        #expect(HealthRules.health(of: deployment).status == .suspended)
        #expect(HealthRules.hasSpecificRule(group: "apps", kind: "Deployment"))
        #expect(!HealthRules.hasSpecificRule(group: "cert-manager.io", kind: "Certificate"))
    }
}
