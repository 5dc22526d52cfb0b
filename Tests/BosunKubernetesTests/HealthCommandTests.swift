import BosunCore
import BosunKubernetes
import BosunTesting
import Foundation
import Testing

@Suite struct HealthCommandTests {
    /// What `kubectl get deploy,pvc -o yaml` prints: a List.
    static let listYAML = """
        apiVersion: v1
        kind: List
        metadata: {resourceVersion: ""}
        items:
          - apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: shop, generation: 2}
            spec: {replicas: 3}
            status: {observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 1}
          - apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data, namespace: shop}
            status: {phase: Pending}
        """

    @Test func evaluatesEveryItemOfAList() throws {
        let reports = try HealthCommandSupport.evaluate(text: Self.listYAML)
        #expect(reports.map(\.key.description) == ["apps/Deployment/shop/web", "/PersistentVolumeClaim/shop/data"])
        #expect(reports[0].health == .progressing("Waiting for rollout to finish: 1 of 3 updated replicas are available..."))
        #expect(reports[1].health == .progressing("PVC is Pending: waiting for a volume to be bound"))
    }

    @Test func readsJSONAndSeveralYAMLDocumentsFromAFile() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let json = #"{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"m","namespace":"ops"},"status":{"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}}"#
        let jsonFile = try folder.write("job.json", json)
        let yamlFile = try folder.write("two.yaml", """
            apiVersion: v1
            kind: Service
            metadata: {name: a, namespace: x}
            spec: {type: LoadBalancer}
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: b, namespace: x}
            """)
        let fromJSON = try HealthCommandSupport.evaluate(file: jsonFile.path)
        #expect(fromJSON.map(\.health) == [.degraded("Job failed: BackoffLimitExceeded")])
        let fromYAML = try HealthCommandSupport.evaluate(file: yamlFile.path)
        #expect(fromYAML.map(\.health.status) == [.progressing, .healthy])
    }

    @Test func jsonOutputIsAnArrayOfKeyStatusMessage() throws {
        let output = HealthCommandSupport.json(try HealthCommandSupport.evaluate(text: Self.listYAML))
        let parsed = try JSONParser.parse(output)
        let entries = try #require(parsed.arrayValue)
        #expect(entries.count == 2)
        #expect(entries[1]["key"]?.stringValue == "/PersistentVolumeClaim/shop/data")
        #expect(entries[1]["status"]?.stringValue == "Progressing")
        #expect(entries[1]["message"]?.stringValue == "PVC is Pending: waiting for a volume to be bound")
        #expect(entries[1]["rule"]?.stringValue == "built-in")
        #expect(entries[0].objectValue?.keys == ["key", "status", "message", "rule"])
    }

    @Test func aDocumentWithoutKindIsRefusedWithItsLine() throws {
        do {
            _ = try HealthCommandSupport.evaluate(text: "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nfoo: bar\n", file: "objects.yaml")
            Issue.record("expected an error")
        } catch let error as TargetError {
            #expect(error.message.contains("objects.yaml:5"))
            #expect(error.message.contains("no kind"))
        }
    }

    @Test func aMissingFileIsNamed() {
        #expect(throws: TargetError.self) { try HealthCommandSupport.evaluate(file: "/nonexistent/objects.yaml") }
    }
}
