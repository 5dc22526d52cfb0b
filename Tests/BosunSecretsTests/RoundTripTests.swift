import BosunCore
import BosunSecrets
import Foundation
import PropertyBased
import Testing

/// decrypt(encrypt(x)) == x for every store and value type, every rule, random trees; and a
/// flipped byte is refused or changes nothing, never the plaintext.
@Suite("SOPS round trips")
struct RoundTripTests {
    static let allTypesYAML = """
        name: web
        port: 8080
        ratio: 0.25
        big: 12345678901234
        negative: -3
        enabled: true
        disabled: false
        when: !!timestamp 2024-05-06T07:08:09.5+02:00
        empty: ""
        nothing: null
        multi: |
            line one
            line two
        nested:
            list:
                - a
                - 2
                - 3.5
                - true
            deeper:
                key: value
        plain_unencrypted: visible
        """

    @Test("every value type of a YAML file comes back with its type", arguments: [SopsFormat.yaml])
    func yamlTypes(format: SopsFormat) async throws {
        let (file, keys) = try await encrypted(Self.allTypesYAML, format: format)
        let text = String(decoding: file, as: UTF8.self)
        for type in ["str", "int", "float", "bool", "time"] { #expect(text.contains(",type:\(type)]"), "no value of type \(type)") }
        #expect(!text.contains("8080") && !text.contains("line one") && !text.contains("0.25"))
        #expect(text.contains("plain_unencrypted: visible"))
        let decrypted = try await SopsFile.decrypt(file, format: format, name: "all.yaml", keys: keys)
        let values = try YAMLDecoder().value(String(decoding: decrypted.plaintext, as: UTF8.self))
        #expect(values["port"] == .int(8080))
        #expect(values["ratio"] == .double(0.25))
        #expect(values["big"] == .int(12_345_678_901_234))
        #expect(values["negative"] == .int(-3))
        #expect(values["enabled"] == .bool(true) && values["disabled"] == .bool(false))
        #expect(values["when"]?.stringValue == "2024-05-06T07:08:09.5+02:00")
        #expect(values["empty"] == .string("") && values["nothing"] == .null)
        #expect(values["multi"] == .string("line one\nline two\n"))
        #expect(values["nested"]?["list"] == ["a", 2, 3.5, true])
        #expect(values["nested"]?["deeper"]?["key"] == "value")
        #expect(values["plain_unencrypted"] == "visible")
    }

    @Test("YAML comments on their own line are encrypted and come back where they were; # inside a block scalar is content")
    func yamlComments() async throws {
        let yaml = "# the database\nuser: app\n# keep it safe\npassword: hunter2\nscript: |\n    # not a comment\n    echo hi\nlist:\n    # first item\n    - a\n    - b\n# at the end\n"
        let (file, keys) = try await encrypted(yaml, format: .yaml)
        let text = String(decoding: file, as: UTF8.self)
        #expect(text.components(separatedBy: "type:comment]").count == 5, "four comments encrypted:\n\(text)")
        #expect(!text.contains("keep it safe") && !text.contains("not a comment"))
        let back = String(decoding: try await SopsFile.decrypt(file, format: .yaml, name: "c.yaml", keys: keys).plaintext, as: UTF8.self)
        for line in ["# the database\nuser: app", "# keep it safe\npassword: hunter2", "# first item\n    - a", "# at the end"] {
            #expect(back.contains(line), "\(line) is not in:\n\(back)")
        }
        #expect(try YAMLDecoder().value(back)["script"] == "# not a comment\necho hi\n")
    }

    @Test("JSON, dotenv and binary files round-trip byte for byte")
    func otherStores() async throws {
        let json = "{\n\t\"a\": \"x\",\n\t\"n\": 1.5,\n\t\"i\": 42,\n\t\"b\": false,\n\t\"list\": [\n\t\t\"p\",\n\t\t{\n\t\t\t\"q\": null\n\t\t}\n\t],\n\t\"empty\": {}\n}\n"
        let (jsonFile, jsonKeys) = try await encrypted(json, format: .json)
        #expect(String(decoding: jsonFile, as: UTF8.self).contains("\"mac\": \"ENC["))
        #expect(String(decoding: try await SopsFile.decrypt(jsonFile, format: .json, name: "a.json", keys: jsonKeys).plaintext, as: UTF8.self) == json)

        let env = "# database\nDB_USER=app\nDB_PASSWORD=hunter2\nMULTI=one\\ntwo\nEMPTY=\n"
        let (envFile, envKeys) = try await encrypted(env, format: .dotenv)
        let envText = String(decoding: envFile, as: UTF8.self)
        #expect(envText.contains("sops_mac=ENC[") && envText.contains("sops_age__list_0__map_recipient=age1"))
        #expect(!envText.contains("hunter2"))
        #expect(String(decoding: try await SopsFile.decrypt(envFile, format: .dotenv, name: "a.env", keys: envKeys).plaintext, as: UTF8.self) == env)

        var bytes = [UInt8](repeating: 0, count: 300)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i * 131) }  // not UTF-8
        let identity = AgeIdentity()
        let binary = try await SopsFile.encrypt(bytes, format: .binary, name: "blob", options: .init(ageRecipients: [identity.recipient]))
        #expect(SopsFormat.detect(binary) == .json)
        let opened = try await SopsFile.decrypt(binary, format: .binary, name: "blob", keys: SopsKeyring(ageIdentities: [identity]))
        #expect(opened.plaintext == bytes)
    }

    @Test("multi-document YAML: every document decrypts, and the MAC covers them together")
    func multiDocument() async throws {
        let yaml = "a: one\n---\nb: two\n---\nc: three\n"
        let (file, keys) = try await encrypted(yaml, format: .yaml)
        let text = String(decoding: file, as: UTF8.self)
        #expect(text.components(separatedBy: "sops:").count == 4, "each document carries the sops block")
        let plain = try await SopsFile.decrypt(file, format: .yaml, name: "multi.yaml", keys: keys)
        let docs = try YAMLDecoder().documents(String(decoding: plain.plaintext, as: UTF8.self)).map(\.value)
        #expect(docs == [["a": "one"], ["b": "two"], ["c": "three"]])
        // Dropping the last document changes what the MAC covers.
        let firstTwo = text.components(separatedBy: "\n---\n").prefix(2).joined(separator: "\n---\n") + "\n"
        let error = await sopsError { _ = try await SopsFile.decrypt(Array(firstTwo.utf8), format: .yaml, name: "multi.yaml", keys: keys) }
        #expect(error?.code == .tampered)
    }

    @Test("encrypted_regex, mac_only_encrypted and the suffixes decide what is encrypted, and the MAC follows")
    func rules() async throws {
        let secret = "apiVersion: v1\nkind: Secret\nmetadata:\n    name: db\nstringData:\n    password: hunter2\n"
        let (file, keys) = try await encrypted(secret, format: .yaml, encryptedRegex: "^(data|stringData)$")
        let text = String(decoding: file, as: UTF8.self)
        #expect(text.contains("name: db") && text.contains("kind: Secret") && !text.contains("hunter2"))
        #expect(text.contains("encrypted_regex: ^(data|stringData)$"))
        // Not MAC-only: the clear metadata is covered, a changed name is refused.
        let renamed = text.replacingOccurrences(of: "name: db", with: "name: dc")
        #expect(await sopsError { _ = try await SopsFile.decrypt(Array(renamed.utf8), format: .yaml, name: "s.yaml", keys: keys) }?.code == .tampered)

        let (macOnly, macOnlyKeys) = try await encrypted(secret, format: .yaml, encryptedRegex: "^(data|stringData)$", macOnlyEncrypted: true)
        let macOnlyText = String(decoding: macOnly, as: UTF8.self)
        #expect(macOnlyText.contains("mac_only_encrypted: true"))
        // MAC-only: clear fields may change (as kustomize's namespace or labels do) ...
        let relabelled = macOnlyText.replacingOccurrences(of: "name: db", with: "name: dc")
        let opened = try await SopsFile.decrypt(Array(relabelled.utf8), format: .yaml, name: "s.yaml", keys: macOnlyKeys)
        #expect(String(decoding: opened.plaintext, as: UTF8.self).contains("password: hunter2"))
        // ... but the encrypted ones may not be swapped or dropped.
        let dropped = macOnlyText.split(separator: "\n").filter { !$0.contains("password:") }.joined(separator: "\n")
        #expect(await sopsError { _ = try await SopsFile.decrypt(Array(dropped.utf8), format: .yaml, name: "s.yaml", keys: macOnlyKeys) }?.code == .tampered)
    }

    @Test("a value moved to another key no longer decrypts (the key path is authenticated)")
    func movedValue() async throws {
        let (file, keys) = try await encrypted("a: first\nb: second\n", format: .yaml)
        let lines = String(decoding: file, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let a = lines.firstIndex(where: { $0.hasPrefix("a: ") }), let b = lines.firstIndex(where: { $0.hasPrefix("b: ") }) else {
            Issue.record("values not found")
            return
        }
        var swapped = lines
        swapped[a] = "a: " + lines[b].dropFirst(3)
        swapped[b] = "b: " + lines[a].dropFirst(3)
        let error = await sopsError { _ = try await SopsFile.decrypt(Array(swapped.joined(separator: "\n").utf8), format: .yaml, name: "f.yaml", keys: keys) }
        #expect(error?.code == .tampered)
        #expect(error?.description.contains("f.yaml") == true)
        #expect(error?.description.contains("first") == false && error?.description.contains("second") == false)
    }

    @Test("random trees: decrypt(encrypt(x)) == x in YAML and JSON")
    func randomTrees() async {
        let identity = AgeIdentity()
        let keys = SopsKeyring(ageIdentities: [identity])
        await propertyCheck(count: 120, input: SecretGen.documents) { document in
            for format in [SopsFormat.yaml, .json] {
                let plain = format == .json ? document.prettyJSONString() : YAMLWriter.string(document)
                do {
                    let file = try await SopsFile.encrypt(Array(plain.utf8), format: format, name: "doc", options: .init(ageRecipients: [identity.recipient]))
                    let back = try await SopsFile.decrypt(file, format: format, name: "doc", keys: keys)
                    let text = String(decoding: back.plaintext, as: UTF8.self)
                    let value = format == .json ? try JSONParser.parse(text) : try YAMLDecoder().value(text)
                    let original = format == .json ? try JSONParser.parse(plain) : try YAMLDecoder().value(plain)
                    #expect(value == original, "\(format): \(plain)\n→\n\(text)")
                } catch {
                    Issue.record("\(format) round trip failed: \(error)\n\(plain)")
                }
            }
        }
    }

    @Test("a flipped byte anywhere in an encrypted file is refused, or changes no value (only what SOPS leaves unauthenticated)")
    func flippedBytes() async throws {
        for (format, plain) in [(SopsFormat.yaml, "user: app\npassword: hunter2\nport: 5432\nlist:\n  - x\n  - y\nkeep_unencrypted: open\n"),
                                (.json, "{\"user\": \"app\", \"password\": \"hunter2\", \"n\": 1.5}"),
                                (.dotenv, "USER=app\nPASSWORD=hunter2\n")] {
            let (file, keys) = try await encrypted(plain, format: format)
            let original = try await SopsFile.decrypt(file, format: format, name: "f", keys: keys).plaintext
            await propertyCheck(count: 150, input: Gen.int(in: 0...(file.count - 1)), Gen.int(in: 1...255)) { position, delta in
                var copy = file
                copy[position] = copy[position] &+ UInt8(delta)
                if let opened = try? await SopsFile.decrypt(copy, format: format, name: "f", keys: keys) {
                    // SOPS authenticates every value, and the key path of every encrypted one; it
                    // does not authenticate metadata (version, recipient names, created_at) nor the
                    // names of keys it leaves unencrypted. Only those may change unnoticed.
                    let before = String(decoding: original, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    let after = String(decoding: opened.plaintext, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                    let changed = zip(before, after).filter { $0 != $1 }
                    #expect(before.count == after.count && changed.allSatisfy { $0.0.contains("_unencrypted:") && $0.0.split(separator: ":").last == $0.1.split(separator: ":").last },
                            "\(format) byte \(position) (\(Character(Unicode.Scalar(file[position])))) changed the plaintext unnoticed")
                }
            }
        }
    }
}

/// Random documents for SOPS: the awkward strings, numbers and nesting of the core generators,
/// under keys that are never `sops`.
enum SecretGen {
    static let documents = Generator<JSONValue, Shrink.None<JSONValue>> { rng in
        var r = rng
        defer { rng = r }
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &r)] }
        let strings = ["", "plain", "hunter2", "two\nlines\n", "a: b", "#x", "yes", "0755", "1e3", "ünïcødé", " spaced ", "ENC[x]", "\"q\"", "tab\t"]
        func scalar() -> JSONValue {
            switch Int.random(in: 0...5, using: &r) {
            case 0: .int(pick([0, -1, 42, Int.max, Int.min]))
            case 1: .double(pick([0.5, -2.25, 1e21, 3.0e-7, 123.456]))
            case 2: .bool(Bool.random(using: &r))
            case 3: .null
            default: .string(pick(strings))
            }
        }
        func value(_ depth: Int) -> JSONValue {
            guard depth > 0, Int.random(in: 0...2, using: &r) == 0 else { return scalar() }
            if Bool.random(using: &r) { return .array((0..<Int.random(in: 1...3, using: &r)).map { _ in value(depth - 1) }) }
            return .object(JSONObject((0..<Int.random(in: 1...3, using: &r)).map { .init(key: "k\($0)_" + pick(["a", "b_unencrypted", "c"]), value: value(depth - 1)) }))
        }
        return .object(JSONObject((0..<Int.random(in: 1...5, using: &r)).map { .init(key: "key\($0)", value: value(3)) }))
    }
}
