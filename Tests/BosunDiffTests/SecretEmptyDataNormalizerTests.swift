import BosunCore
import BosunDiff
import Foundation
import Testing

/// A Secret key with an empty value: `""` in Git, `null` from the API server.
@Suite struct SecretEmptyDataNormalizerTests {
    static let desired = """
        apiVersion: v1
        kind: Secret
        metadata: { name: app, namespace: shop }
        type: Opaque
        data: { token: dG9rZW4=, optional: "" }
        """
    static let live = """
        apiVersion: v1
        kind: Secret
        metadata: { name: app, namespace: shop, uid: 8d1c, resourceVersion: "12" }
        type: Opaque
        data: { token: dG9rZW4=, optional: null }
        """

    @Test func aNullValueOfASecretReadsAsTheEmptyString() throws {
        let normalized = SecretEmptyDataNormalizer().normalize(try Fixture.yaml(Self.live))
        #expect(normalized.body["data"] == ["token": "dG9rZW4=", "optional": ""])
    }

    @Test func emptyAgainstNullIsNotDrift() throws {
        let diff = Differ.diff(desired: try Fixture.yaml(Self.desired), live: try Fixture.yaml(Self.live), lastApplied: nil, options: DiffOptions())
        #expect(diff.action == .unchanged, "\(diff.changedPaths)")
    }

    @Test func aValueAgainstNullIsStillDrift() throws {
        let desired = try Fixture.yaml(Self.desired.replacingOccurrences(of: #"optional: """#, with: "optional: c2V0"))
        let diff = Differ.diff(desired: desired, live: try Fixture.yaml(Self.live), lastApplied: nil, options: DiffOptions())
        #expect(diff.changedPaths == ["/data/optional"])
    }

    @Test func otherKindsAreLeftAlone() throws {
        let configMap = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: null }")
        #expect(SecretEmptyDataNormalizer().normalize(configMap) == configMap)
    }
}
