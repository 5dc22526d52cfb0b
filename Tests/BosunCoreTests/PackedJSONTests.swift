import BosunCore
import Testing

@Suite("Packed values")
struct PackedJSONTests {
    static let configMap: JSONValue = [
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": [
            "name": "settings", "namespace": "shop", "uid": "5f0c1d7e-8f4e-4a53-9a55-0b7c2f1e9d11", "resourceVersion": "123456",
            "labels": ["bosun.dev/app": "shop"], "annotations": ["bosun.dev/tracking-id": "shop:/ConfigMap:shop/settings"],
        ],
        "data": ["level": "info", "replicas": 3, "ratio": 0.25, "on": true, "off": nil, "long": .string(String(repeating: "x", count: 300))],
    ]

    @Test("a Kubernetes object packs into fewer bytes than its JSON text and unpacks equal, in order")
    func objectRoundTrip() {
        let packed = PackedJSON(Self.configMap)
        #expect(packed.value.jsonString() == Self.configMap.jsonString())
        #expect(packed.bytes.count < Self.configMap.jsonString().utf8.count)
    }

    @Test("the extreme integers and a negative zero keep their values and types")
    func numbers() {
        let value: JSONValue = [.int(Int.min), .int(Int.max), .int(-1), .int(0), .double(-0.0), .double(1e-300), .double(2)]
        let unpacked = PackedJSON(value).value
        #expect(unpacked.jsonString() == value.jsonString())
        #expect(unpacked.arrayValue?[4].doubleValue?.sign == .minus)
        if case .double = unpacked.arrayValue?[6] {} else { Issue.record("2.0 came back as \(String(describing: unpacked.arrayValue?[6]))") }
    }

    @Test("packed resources come back with their source locations and decrypted places")
    func resources() {
        let secretBody: JSONObject = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "db"], "stringData": ["password": "hunter2"]]
        var secret = Resource(secretBody,
                              source: SourceLocation(file: "apps/db/secret.yaml", line: 3))
        secret.sensitive = SensitiveFields(pointers: ["/stringData/password"], values: ["hunter2"])
        let plainBody: JSONObject = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "settings"]]
        let plain = Resource(plainBody)
        let unpacked = PackedResources([secret, plain]).resources
        #expect(unpacked == [secret, plain])
        #expect(unpacked.first?.sensitive == secret.sensitive)
        #expect(unpacked.last?.sensitive == nil && unpacked.last?.source == nil)
    }
}
