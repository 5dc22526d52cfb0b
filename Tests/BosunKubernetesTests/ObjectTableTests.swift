import BosunCore
import Testing

@testable import BosunKubernetes

@Suite("The watch cache's object table")
struct ObjectTableTests {
    static func configMap(_ name: String, app: String, version: Int, value: String) -> Resource {
        Resource([
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": .string(name), "namespace": "shop", "resourceVersion": .string(String(version)),
                         "labels": ["bosun.dev/app": .string(app)], "managedFields": [["manager": "bosun"]]],
            "data": ["value": .string(value)],
        ] as JSONObject)
    }

    static func key(_ name: String) -> ResourceKey { ResourceKey(group: "", kind: "ConfigMap", namespace: "shop", name: name) }

    @Test("objects replaced thousands of times read back as their latest version, indexed by their current app")
    func replacedObjectsReadBack() {
        var table = ObjectTable()
        let padding = String(repeating: "x", count: 200)
        // Enough replaced bytes that the buffer is compacted several times on the way.
        for version in 1...2_000 {
            let name = "cm-\(version % 10)"
            table[Self.key(name)] = Self.configMap(name, app: version % 3 == 0 ? "other" : "shop", version: version, value: "\(version)\(padding)")
        }
        table[Self.key("cm-0")] = nil
        #expect(table.count == 9)
        for i in 1...9 {
            let latest = 1_990 + i
            let object = table[Self.key("cm-\(i)")]
            #expect(object?["data", "value"]?.stringValue == "\(latest)\(padding)")
            #expect(object?.metadata["managedFields"] == nil)
            #expect(table.entry(Self.key("cm-\(i)"))?.resourceVersion == String(latest))
        }
        let shop = Set(table.objects(app: "shop").map(\.0.name))
        let other = Set(table.objects(app: "other").map(\.0.name))
        #expect(shop == Set((1...9).filter { (1_990 + $0) % 3 != 0 }.map { "cm-\($0)" }))
        #expect(other == Set((1...9).filter { (1_990 + $0) % 3 == 0 }.map { "cm-\($0)" }))
        #expect(table.entry(ResourceKey(group: "", kind: "Secret", namespace: "shop", name: "cm-1")) == nil)
    }
}
