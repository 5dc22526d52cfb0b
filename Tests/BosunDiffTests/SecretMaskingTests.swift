import BosunCore
import Foundation
import Testing

@testable import BosunDiff

@Suite("Secret masking")
struct SecretMaskingTests {
    func secret(password: String, extra: String = "") throws -> Resource {
        try Fixture.yaml(
            """
            apiVersion: v1
            kind: Secret
            metadata:
              name: web-db
              namespace: shop
            type: Opaque
            data:
              password: \(Data(password.utf8).base64EncodedString())
              user: \(Data("admin".utf8).base64EncodedString())
            \(extra)
            """)
    }

    @Test func maskHidesEveryValueAndKeepsKeys() throws {
        let resource = try secret(password: "hunter2", extra: "stringData:\n  token: tok-12345")
        let masked = SecretMasking.mask(resource)
        let text = YAMLWriter.string(masked.value)
        #expect(!text.contains(Data("hunter2".utf8).base64EncodedString()))
        #expect(!text.contains("tok-12345"))
        #expect(!text.contains(Data("admin".utf8).base64EncodedString()))
        #expect(masked.body["data"]?.objectValue?.keys == ["password", "user"])
        for value in [masked["data", "password"], masked["stringData", "token"]] {
            let shown = try #require(value?.stringValue)
            #expect(shown.hasPrefix("++++++++ (h:") && shown.hasSuffix(")"))
            #expect(shown.count == "++++++++ (h:12345678)".count)
        }
    }

    @Test func hashesTellValuesApartWithoutShowingThem() {
        let a = SecretMasking.maskedText("hunter2")
        #expect(a == SecretMasking.maskedText("hunter2"))
        #expect(a != SecretMasking.maskedText("hunter3"))
        // A keyed hash: not the plain SHA-256 of the value.
        #expect(!a.contains("f52fbd32"))
    }

    @Test func lastAppliedAnnotationOfSecretIsMasked() throws {
        var resource = try secret(password: "hunter2")
        resource.setAnnotation("kubectl.kubernetes.io/last-applied-configuration", #"{"data":{"password":"aHVudGVyMg=="}}"#)
        let text = YAMLWriter.string(SecretMasking.mask(resource).value)
        #expect(!text.contains("aHVudGVyMg=="))
    }

    @Test func otherKindsAreLeftAlone() throws {
        let configMap = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { password: plain }")
        #expect(SecretMasking.mask(configMap) == configMap)
        let sealed = try Fixture.yaml("apiVersion: example.com/v1\nkind: Secret\nmetadata: { name: c }\ndata: { a: b }")
        #expect(SecretMasking.mask(sealed) == sealed)
    }

    @Test func changedSecretShowsAsChangedButNeverItsValue() throws {
        let desired = try secret(password: "new-password")
        let live = try secret(password: "old-password")
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions())
        #expect(diff.action == .update)
        #expect(diff.changedPaths == ["/data/password"])

        let values = ["new-password", "old-password"].flatMap { [$0, Data($0.utf8).base64EncodedString()] }
        let text = diff.unified(color: false)
        let json = String(decoding: try JSONEncoderForTests.encode(diff), as: UTF8.self)
        let changeValues = diff.changes.flatMap { [$0.old, $0.new] }.compactMap { $0?.jsonString() }.joined()
        for value in values {
            #expect(!text.contains(value))
            #expect(!json.contains(value))
            #expect(!changeValues.contains(value))
        }
        #expect(text.contains("-  password: ++++++++ (h:"))
        #expect(text.contains("+  password: ++++++++ (h:"))
        #expect(diff.changes.first?.old != diff.changes.first?.new)
    }

    @Test func createdAndDeletedSecretsAreMaskedToo() throws {
        let resource = try secret(password: "hunter2", extra: "stringData:\n  token: tok-12345")
        for diff in [
            Differ.diff(desired: resource, live: nil, lastApplied: nil, options: DiffOptions()),
            Differ.diff(desired: nil, live: resource, lastApplied: nil, options: DiffOptions()),
        ] {
            let text = diff.unified(color: false)
            #expect(!text.isEmpty)
            #expect(!text.contains("tok-12345") && !text.contains(Data("hunter2".utf8).base64EncodedString()))
        }
    }

    @Test func addedWholeDataMapIsMasked() throws {
        let desired = try secret(password: "hunter2")
        var live = desired
        live.body["data"] = nil
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions())
        #expect(diff.changedPaths == ["/data"])
        let added = try #require(diff.changes.first?.new)
        #expect(added.objectValue?.keys == ["password", "user"])
        #expect(!added.jsonString().contains(Data("hunter2".utf8).base64EncodedString()))
    }
}
