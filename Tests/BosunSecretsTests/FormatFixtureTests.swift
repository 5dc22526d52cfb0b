import BosunCore
import BosunSecrets
import BosunTesting
import Crypto
import Foundation
import Testing

/// The fixtures (made with `bosun secret encrypt`) checked field by field against the format as
/// the sops source defines it (`aes/cipher.go`, `sops.go`, `stores/`), with this file's own
/// reading of that definition rather than Bosun's code: the `sops` block's fields and order, each
/// value's `ENC[AES256_GCM,data,iv,tag,type]` with a 32-byte IV and the key path as additional
/// data, the data key as an armored age file, the MAC as uppercase hex SHA-512 over the values in
/// order, encrypted with `lastmodified` as additional data.
@Suite("SOPS format fixtures")
struct FormatFixtureTests {
    static let cases: [(encrypted: String, plain: String, format: SopsFormat)] = [
        ("values.enc.yaml", "values.yaml", .yaml), ("values.enc.json", "values.json", .json),
        ("secret.enc.yaml", "secret.yaml", .yaml), ("app.enc.env", "app.env", .dotenv), ("blob.enc.bin", "blob.bin", .binary),
    ]

    @Test("each fixture decrypts to its plaintext", arguments: cases.map(\.encrypted))
    func decrypts(name: String) async throws {
        let fixture = try #require(Self.cases.first { $0.encrypted == name })
        let decrypted = try await SopsFile.decrypt(try Fixtures.bytes(name), format: fixture.format, name: name, keys: try Fixtures.keyring)
        let plain = try Fixtures.bytes(fixture.plain)
        switch fixture.format {
        case .yaml:
            #expect(try YAMLDecoder().documents(String(decoding: decrypted.plaintext, as: UTF8.self)).map(\.value)
                    == YAMLDecoder().documents(String(decoding: plain, as: UTF8.self)).map(\.value))
        case .json:
            #expect(try JSONParser.parse(Data(decrypted.plaintext)) == JSONParser.parse(Data(plain)))
        case .dotenv, .binary:
            #expect(decrypted.plaintext == plain)
        }
    }

    /// A value as this test reads the definition.
    struct Leaf {
        var path: [String]
        var value: JSONValue
    }

    static func leaves(_ value: JSONValue, path: [String] = []) -> [Leaf] {
        switch value {
        case .object(let object): object.entries.flatMap { leaves($0.value, path: path + [$0.key]) }
        case .array(let items): items.flatMap { leaves($0, path: path) }  // list items share the list's path
        case .null: []
        default: [Leaf(path: path, value: value)]
        }
    }

    static func open(_ token: String, key: SymmetricKey, aad: String) throws -> (bytes: [UInt8], type: String) {
        // ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<word>]
        let pattern = #/^ENC\[AES256_GCM,data:([A-Za-z0-9+/=]*),iv:([A-Za-z0-9+/=]+),tag:([A-Za-z0-9+/=]+),type:([a-z]+)\]$/#
        let match = try #require(token.wholeMatch(of: pattern), "not an encrypted value: \(token.prefix(40))")
        let iv = try #require(Data(base64Encoded: String(match.2)))
        let tag = try #require(Data(base64Encoded: String(match.3)))
        #expect(iv.count == 32, "sops uses a 32-byte IV")
        #expect(tag.count == 16)
        let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: iv), ciphertext: try #require(Data(base64Encoded: String(match.1))), tag: tag)
        return (Array(try AES.GCM.open(box, using: key, authenticating: Data(aad.utf8))), String(match.4))
    }

    @Test("every field of the YAML and JSON fixtures is as the sops source defines it",
          arguments: ["values.enc.yaml", "values.enc.json", "secret.enc.yaml"])
    func fieldByField(name: String) async throws {
        let text = try Fixtures.text(name)
        let document = name.hasSuffix(".json") ? try JSONParser.parse(text) : try YAMLDecoder().value(text)
        let sops = try #require(document["sops"]?.objectValue)
        // Metadata keys are serialised in alphabetical order (stores.metadataToTreeBranch sorts them).
        #expect(sops.keys == sops.keys.sorted())
        #expect(Set(sops.keys).isSubset(of: ["age", "pgp", "lastmodified", "mac", "mac_only_encrypted", "encrypted_regex", "unencrypted_suffix",
                                              "encrypted_suffix", "unencrypted_regex", "version"]))
        let lastModified = try #require(sops["lastmodified"]?.stringValue)
        #expect(lastModified.wholeMatch(of: #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/#) != nil, "time.RFC3339 in UTC")
        #expect(sops["version"]?.stringValue?.isEmpty == false)
        let age = try #require(sops["age"]?.arrayValue)
        #expect(age.count == 1)
        #expect(age[0].objectValue?.keys == ["enc", "recipient"])
        #expect(age[0]["recipient"]?.stringValue == (try Fixtures.identity).recipient.text)
        let enc = try #require(age[0]["enc"]?.stringValue)
        #expect(enc.hasPrefix("-----BEGIN AGE ENCRYPTED FILE-----\n") && enc.hasSuffix("-----END AGE ENCRYPTED FILE-----\n"))

        // The data key: 32 bytes in an armored age file (opened by age itself when it is here).
        let dataKey: [UInt8]
        if hasAgeCLI {
            let dir = try TemporaryDirectory(prefix: "bosun-fixture")
            defer { dir.remove() }
            try dir.write("enc.age", enc)
            try Data(try Fixtures.bytes("test.agekey")).write(to: dir.appending("key.txt"))
            try await Shell.run(["age", "-d", "-i", dir.appending("key.txt").path, "-o", dir.appending("key.bin").path, dir.appending("enc.age").path])
            dataKey = Array(try Data(contentsOf: dir.appending("key.bin")))
        } else {
            dataKey = try AgeFile.decrypt(Array(enc.utf8), identities: [try Fixtures.identity])
        }
        #expect(dataKey.count == 32)
        let key = SymmetricKey(data: dataKey)

        // One rule decides which values are encrypted; with none given, the _unencrypted suffix.
        let regex = try sops["encrypted_regex"]?.stringValue.map { try Regex($0) }
        let suffix = sops["unencrypted_suffix"]?.stringValue
        #expect((regex == nil) != (suffix == nil), "exactly one rule is written")
        var body = try #require(document.objectValue)
        body["sops"] = nil
        var hash = SHA512()
        if sops["mac_only_encrypted"]?.boolValue == true { hash.update(data: Array(SHA256.hash(data: Data("sops".utf8)))) }
        var encryptedCount = 0
        for leaf in Self.leaves(.object(body)) {
            let encrypted = regex.map { r in leaf.path.contains { $0.contains(r) } } ?? !leaf.path.contains { $0.hasSuffix(suffix ?? "") }
            if encrypted {
                let token = try #require(leaf.value.stringValue)
                if token.isEmpty { continue }  // empty strings stay empty
                let (bytes, type) = try Self.open(token, key: key, aad: leaf.path.joined(separator: ":") + ":")
                #expect(["str", "int", "float", "bool", "time"].contains(type))
                // The plaintext is sops.ToBytes of the value: the MAC hashes the same bytes.
                hash.update(data: bytes)
                encryptedCount += 1
                if type == "bool" { #expect(["True", "False"].contains(String(decoding: bytes, as: UTF8.self)), "booleans are written True/False") }
                if type == "int" { #expect(Int(String(decoding: bytes, as: UTF8.self)) != nil) }
            } else if sops["mac_only_encrypted"]?.boolValue != true {
                switch leaf.value {
                case .string(let s): hash.update(data: Data(s.utf8))
                case .int(let i): hash.update(data: Data(String(i).utf8))
                case .bool(let b): hash.update(data: Data((b ? "True" : "False").utf8))
                default: Issue.record("the fixture's clear values are strings, integers or booleans")
                }
            }
        }
        #expect(encryptedCount >= 2)
        let macHex = hash.finalize().map { String(format: "%02X", $0) }.joined()
        let (stored, macType) = try Self.open(try #require(sops["mac"]?.stringValue), key: key, aad: lastModified)
        #expect(macType == "str")
        #expect(String(decoding: stored, as: UTF8.self) == macHex, "the MAC is uppercase hex SHA-512 over the values in order")
    }

    @Test("the dotenv fixture flattens the sops block into sops_ lines, and the binary fixture is a JSON envelope")
    func flatFormats() throws {
        let env = try Fixtures.text("app.enc.env")
        let keys = env.split(separator: "\n").compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) }
        #expect(keys.contains("sops_age__list_0__map_enc") && keys.contains("sops_age__list_0__map_recipient"))
        #expect(keys.contains("sops_lastmodified") && keys.contains("sops_mac") && keys.contains("sops_version"))
        #expect(env.contains("sops_mac=ENC[AES256_GCM,"))
        #expect(env.contains("\\n"), "the armored data key's line breaks are escaped")
        let binary = try JSONParser.parse(try Fixtures.text("blob.enc.bin"))
        #expect(binary.objectValue?.keys == ["data", "sops"])
        #expect(binary["data"]?.stringValue?.hasPrefix("ENC[AES256_GCM,data:") == true)
        #expect(try Fixtures.text("blob.enc.bin").contains("\t\"mac\": \"ENC["), "tab-indented, with the marker Flux detects")
    }
}
