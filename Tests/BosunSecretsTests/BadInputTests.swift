import BosunCore
import BosunSecrets
import Foundation
import Testing

/// Every kind of bad SOPS input is a clear error naming the file (never a value) of the right
/// kind: unreadable input, no key, or tampering.
@Suite("SOPS bad input")
struct BadInputTests {
    static let secret = "hunter2-do-not-print"

    func file() async throws -> (text: String, keys: SopsKeyring) {
        let (bytes, keys) = try await encrypted("user: app\npassword: \(Self.secret)\nport: 5432\n", format: .yaml)
        return (String(decoding: bytes, as: UTF8.self), keys)
    }

    func expectError(_ text: String, keys: SopsKeyring, _ code: SopsError.Code, mentioning words: [String] = [],
                     format: SopsFormat = .yaml, sourceLocation: Testing.SourceLocation = #_sourceLocation) async {
        let error = await sopsError { _ = try await SopsFile.decrypt(Array(text.utf8), format: format, name: "config/db.enc.yaml", keys: keys) }
        #expect(error?.code == code, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.description.hasPrefix("config/db.enc.yaml: ") == true, "\(String(describing: error))", sourceLocation: sourceLocation)
        #expect(error?.description.contains(Self.secret) == false, sourceLocation: sourceLocation)
        for word in words { #expect(error?.description.contains(word) == true, "\(String(describing: error)) lacks \(word)", sourceLocation: sourceLocation) }
    }

    @Test("a file without a sops block, or with a malformed one")
    func missingOrMalformedBlock() async throws {
        let (text, keys) = try await file()
        await expectError("user: app\npassword: x\n", keys: keys, .unreadable, mentioning: ["no sops block"])
        let body = text.components(separatedBy: "sops:")[0]
        await expectError(body + "sops: just a string\n", keys: keys, .unreadable, mentioning: ["not a mapping"])
        let noMac = text.split(separator: "\n").filter { !$0.contains("mac: ENC[") }.joined(separator: "\n")
        await expectError(noMac, keys: keys, .unreadable, mentioning: ["no mac"])
        let badTime = text.replacingOccurrences(of: #"lastmodified: "20"#, with: #"lastmodified: "yesterday 20"#)
        await expectError(badTime, keys: keys, .unreadable, mentioning: ["lastmodified"])
        let noKeys = text.replacingOccurrences(of: "    age:\n", with: "    agex:\n")
        await expectError(noKeys, keys: keys, .unreadable, mentioning: ["names no key"])
        await expectError("{{{ not yaml", keys: keys, .unreadable, mentioning: ["invalid YAML"])
        await expectError("- a list\n", keys: keys, .unreadable, mentioning: ["not a mapping"])
        let shamir = body + "sops:\n    key_groups:\n        - age: []\n        - age: []\n    shamir_threshold: 2\n    lastmodified: \"2024-01-01T00:00:00Z\"\n    mac: x\n    version: 3.9.0\n"
        await expectError(shamir, keys: keys, .unsupported, mentioning: ["key groups", "Shamir"])
    }

    @Test("an unknown value type, a malformed value, a truncated armor block")
    func malformedValues() async throws {
        let (text, keys) = try await file()
        await expectError(text.replacingOccurrences(of: ",type:int]", with: ",type:complex]"), keys: keys, .unreadable, mentioning: ["unknown type", "port"])
        let line = text.split(separator: "\n").first { $0.hasPrefix("password: ") } ?? ""
        await expectError(text.replacingOccurrences(of: String(line), with: "password: ENC[AES256_GCM,data:abc]"), keys: keys, .unreadable, mentioning: ["malformed"])
        await expectError(text.replacingOccurrences(of: "-----END AGE ENCRYPTED FILE-----", with: ""), keys: keys, .noKey, mentioning: ["truncated"])
    }

    @Test("no key at all, or only another key")
    func keys() async throws {
        let (text, _) = try await file()
        await expectError(text, keys: SopsKeyring(ageIdentities: [], label: "SOPS_AGE_KEY_FILE"), .noKey, mentioning: ["no key at all", "age1"])
        await expectError(text, keys: SopsKeyring(ageIdentities: [AgeIdentity()]), .noKey, mentioning: ["encrypted to age age1"])
    }

    @Test("a changed value, a changed clear value, a changed MAC: MAC mismatch or a value that does not authenticate")
    func tampering() async throws {
        let (text, keys) = try await file()
        // A value from another file encrypted with another data key.
        let (other, _) = try await encrypted("password: other\n", format: .yaml)
        let foreign = String(decoding: other, as: UTF8.self).split(separator: "\n").first { $0.hasPrefix("password: ") } ?? ""
        let passwordLine = text.split(separator: "\n").first { $0.hasPrefix("password: ") } ?? ""
        await expectError(text.replacingOccurrences(of: String(passwordLine), with: String(foreign)), keys: keys, .tampered, mentioning: ["password"])
        let macLine = text.split(separator: "\n").first { $0.contains("mac: ENC[") } ?? ""
        let foreignMac = String(decoding: other, as: UTF8.self).split(separator: "\n").first { $0.contains("mac: ENC[") } ?? ""
        await expectError(text.replacingOccurrences(of: String(macLine), with: String(foreignMac)), keys: keys, .tampered, mentioning: ["MAC"])
        // Removing a value is caught by the MAC.
        let dropped = text.split(separator: "\n").filter { !$0.hasPrefix("port: ") }.joined(separator: "\n")
        await expectError(dropped, keys: keys, .tampered, mentioning: ["MAC mismatch"])
    }

    @Test("a 100 MB file is refused before it is parsed")
    func hugeFile() async throws {
        let huge = [UInt8](repeating: UInt8(ascii: "a"), count: 100 << 20)
        let error = await sopsError { _ = try await SopsFile.decrypt(huge, format: .yaml, name: "big.enc.yaml", keys: SopsKeyring(ageIdentities: [])) }
        #expect(error?.code == .unreadable)
        #expect(error?.description.contains("big.enc.yaml") == true && error?.description.contains("limit") == true)
    }
}
