import BosunCore
import Foundation
import Testing

@testable import BosunDiff

@Suite("Normalisers")
struct NormalizerTests {
    let anywhere = FieldPath([.key("spec"), .key("value")])
    let cpuLimit = FieldPath([.key("resources"), .key("limits"), .key("cpu")])
    let memoryRequest = FieldPath([.key("resources"), .key("requests"), .key("memory")])

    @Test func serverFieldsAreDropped() throws {
        let live = try Fixture.resource("deployment-live.yaml")
        let normalized = ServerFieldsNormalizer().normalize(live)
        #expect(normalized.body["status"] == nil)
        for field in ["uid", "resourceVersion", "generation", "creationTimestamp", "managedFields"] {
            #expect(normalized.metadata[field] == nil, "metadata.\(field) should be dropped")
        }
        #expect(normalized.annotation("deployment.kubernetes.io/revision") == nil)
        #expect(normalized.annotation("kubectl.kubernetes.io/last-applied-configuration") == nil)
        // What the user declared stays.
        #expect(normalized.annotation("bosun.dev/sync-wave") == "1")
        #expect(normalized.labels == live.labels)
        #expect(normalized.body["spec"] == live.body["spec"])
    }

    @Test func annotationsEmptiedByDroppingServerOnesAreRemoved() throws {
        let live = try Fixture.yaml(
            """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: x
              selfLink: /api/v1/namespaces/default/configmaps/x
              deletionGracePeriodSeconds: 30
              annotations:
                kubectl.kubernetes.io/last-applied-configuration: "{}"
            """)
        let normalized = ServerFieldsNormalizer().normalize(live)
        #expect(normalized.metadata.keys == ["name"])
    }

    @Test func serverFieldsAreNotDriftEvenWhenLastAppliedHadThem() throws {
        let desired = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata: { a: b }")
        var live = desired
        live.setMetadata("resourceVersion", "42")
        live.setMetadata("uid", "abc")
        live.body["status"] = ["phase": "Active"]
        var lastApplied = desired
        lastApplied.setMetadata("resourceVersion", "41")
        lastApplied.body["status"] = ["phase": "Pending"]
        #expect(Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: DiffOptions()).action == .unchanged)
    }

    @Test func numbersEqualInValue() {
        let numbers = NumberNormalizer()
        #expect(numbers.equivalent(desired: .int(1), live: .double(1.0), at: anywhere))
        #expect(numbers.equivalent(desired: "8080", live: 8080, at: anywhere))
        #expect(numbers.equivalent(desired: 8080, live: "8080", at: anywhere))
        #expect(!numbers.equivalent(desired: "8080", live: 8081, at: anywhere))
        #expect(!numbers.equivalent(desired: "http", live: 80, at: anywhere))
        #expect(!numbers.equivalent(desired: "01", live: "1", at: anywhere))
        #expect(!numbers.equivalent(desired: "+1", live: 1, at: anywhere))
        #expect(!numbers.equivalent(desired: 1, live: nil, at: anywhere))
    }

    @Test func intOrStringIsNotDrift() throws {
        let desired = try Fixture.yaml(
            "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  ports:\n    - { port: 80, targetPort: '8080' }\n  weight: 1.0")
        let live = try Fixture.yaml(
            "apiVersion: v1\nkind: Service\nmetadata: { name: web }\nspec:\n  ports:\n    - { port: 80, targetPort: 8080, protocol: TCP }\n  weight: 1")
        #expect(Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions()).action == .unchanged)
    }

    @Test func quantitiesParseExactly() throws {
        #expect(Quantity("1000m") == Quantity("1"))
        #expect(Quantity("0.5") == Quantity("500m"))
        #expect(Quantity("1Gi") == Quantity("1073741824"))
        #expect(Quantity("1024Mi") == Quantity("1Gi"))
        #expect(Quantity("1k") == Quantity("1e3"))
        #expect(Quantity("1E") == Quantity("1e18"))
        #expect(Quantity("1.5Ki") == Quantity("1536"))
        #expect(Quantity("100n") == Quantity("0.0000001"))
        #expect(Quantity(.int(2)) == Quantity("2000m"))
        #expect(Quantity(.double(0.25)) == Quantity("250m"))
        #expect(Quantity("1Gi") != Quantity("1G"))
        #expect(Quantity("1Gb") == nil)
        #expect(Quantity("Gi") == nil)
        #expect(Quantity("1.2.3") == nil)
        #expect(Quantity("fast") == nil)
    }

    @Test func quantitiesEqualInResourceFields() {
        let quantities = QuantityNormalizer()
        #expect(quantities.equivalent(desired: "1000m", live: "1", at: cpuLimit))
        #expect(quantities.equivalent(desired: 1, live: "1000m", at: cpuLimit))
        #expect(quantities.equivalent(desired: "1Gi", live: "1073741824", at: memoryRequest))
        #expect(quantities.equivalent(desired: "10Gi", live: "10240Mi", at: FieldPath([.key("spec"), .key("resources"), .key("requests"), .key("storage")])))
        #expect(quantities.equivalent(desired: "512Mi", live: "0.5Gi", at: FieldPath([.key("emptyDir"), .key("sizeLimit")])))
        #expect(!quantities.equivalent(desired: "1", live: "2", at: cpuLimit))
        // Elsewhere the same text is just text.
        #expect(!quantities.equivalent(desired: "1000m", live: "1", at: anywhere))
    }

    @Test func quantitiesAreNotDriftInADeployment() throws {
        let desired = try Fixture.yaml(
            "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - name: c\n      resources:\n        limits: { cpu: 1000m, memory: 1Gi }")
        let live = try Fixture.yaml(
            "apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec:\n  containers:\n    - name: c\n      resources:\n        limits: { cpu: '1', memory: '1073741824' }")
        #expect(Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions()).action == .unchanged)
        var bigger = live
        bigger.body["spec"] = try #require(JSONPointer("/spec/containers/name=c/resources/limits/memory").setting("2Gi", in: live.value))["spec"]
        #expect(Differ.diff(desired: desired, live: bigger, lastApplied: nil, options: DiffOptions()).changedPaths
            == ["/spec/containers/name=c/resources/limits/memory"])
    }

    @Test func emptyValuesEqualAbsent() {
        let empty = EmptyValueNormalizer()
        #expect(empty.equivalent(desired: nil, live: [:], at: anywhere))
        #expect(empty.equivalent(desired: [], live: nil, at: anywhere))
        #expect(empty.equivalent(desired: .null, live: nil, at: anywhere))
        #expect(empty.equivalent(desired: [:], live: [], at: anywhere))
        #expect(!empty.equivalent(desired: nil, live: "", at: anywhere))
        #expect(!empty.equivalent(desired: nil, live: ["a": 1], at: anywhere))
    }

    @Test func emptyMapsAndListsAreNotDrift() throws {
        let desired = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, annotations: {} }\ndata: { a: b }")
        let live = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x, labels: {} }\ndata: { a: b }\nbinaryData: {}")
        let lastApplied = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata: { a: b }\nbinaryData: {}")
        #expect(Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: DiffOptions()).action == .unchanged)
    }

    @Test func secretStringDataBecomesData() throws {
        let desired = try Fixture.yaml(
            "apiVersion: v1\nkind: Secret\nmetadata: { name: s }\nstringData: { password: hunter2 }\ndata: { user: YWRtaW4=, password: b2xk }")
        let normalized = SecretStringDataNormalizer().normalize(desired)
        #expect(normalized.body["stringData"] == nil)
        #expect(normalized.body["data"] == ["user": "YWRtaW4=", "password": .string(Data("hunter2".utf8).base64EncodedString())])
        let live = try Fixture.yaml(
            "apiVersion: v1\nkind: Secret\nmetadata: { name: s }\ndata: { user: YWRtaW4=, password: aHVudGVyMg== }\ntype: Opaque")
        #expect(Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions()).action == .unchanged)
    }

    @Test func normalisersCanBeChosen() throws {
        let desired = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: x }\ndata: { a: b }")
        var live = desired
        live.setMetadata("uid", "abc")
        let none = DiffOptions(normalizers: [])
        #expect(Differ.diff(desired: desired, live: live, lastApplied: desired, options: none).action == .unchanged)
        var lastApplied = desired
        lastApplied.setMetadata("uid", "abc")
        #expect(Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: none).changedPaths == ["/metadata/uid"])
        #expect(Differ.diff(desired: desired, live: live, lastApplied: lastApplied, options: DiffOptions()).action == .unchanged)
        #expect(Normalizers.standard.map(\.name) == ["server-fields", "secret-string-data", "secret-empty-data", "numbers", "quantities", "empty-values"])
    }
}
