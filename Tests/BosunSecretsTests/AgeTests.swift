import BosunSecrets
import BosunTesting
import Foundation
import PropertyBased
import Testing

/// age: keys in Bech32, the X25519 stanza, the header MAC, the STREAM payload, armor. Checked
/// against Debian's `age` both ways, so what Bosun writes is age and what age writes Bosun reads.
@Suite("age")
struct AgeTests {
    @Test("an identity written and read back is the same key, with the same recipient")
    func identityText() throws {
        let identity = AgeIdentity()
        #expect(identity.text.hasPrefix("AGE-SECRET-KEY-1"))
        #expect(identity.recipient.text.hasPrefix("age1"))
        let parsed = try #require(AgeIdentity(identity.text))
        #expect(parsed.recipient == identity.recipient)
        #expect(AgeRecipient(identity.recipient.text) == identity.recipient)
        // One changed character breaks the Bech32 checksum.
        var broken = Array(identity.text)
        broken[20] = broken[20] == "Q" ? "P" : "Q"
        #expect(AgeIdentity(String(broken)) == nil)
        #expect(AgeRecipient("age1" + String(identity.recipient.text.dropFirst(4).reversed())) == nil)
        // The key file age-keygen writes reads back.
        let file = identity.keyFile()
        #expect(file.contains("# public key: \(identity.recipient.text)"))
        #expect(try AgeIdentity.parseAll(file, source: "key").map(\.recipient) == [identity.recipient])
    }

    @Test("a key file with a line that is not an identity names the line, not its content")
    func badKeyLine() {
        let secret = "AGE-SECRET-KEY-1NOTAKEYATALL"
        do {
            _ = try AgeIdentity.parseAll("# comment\n\n\(secret)\n", source: "keys/prod.agekey")
            Issue.record("a bad line was accepted")
        } catch {
            #expect(error.description.contains("keys/prod.agekey"))
            #expect(error.description.contains("line 3"))
            #expect(!error.description.contains(secret))
        }
    }

    @Test("files age encrypts (binary and armored, to several recipients) decrypt in Bosun", .enabled(if: hasAgeCLI))
    func ageToBosun() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-age")
        defer { dir.remove() }
        let keyFile = dir.appending("key.txt").path
        try await Shell.run(["age-keygen", "-o", keyFile])
        let identities = try AgeIdentity.parseAll(try String(contentsOfFile: keyFile, encoding: .utf8), source: keyFile)
        #expect(identities.count == 1)
        let other = AgeIdentity()
        // 200 KiB: several 64 KiB chunks and a short final one.
        var plain = [UInt8]()
        for i in 0..<(200 * 1024) { plain.append(UInt8(truncatingIfNeeded: i * 7 + i / 251)) }
        try Data(plain).write(to: dir.appending("plain.bin"))
        for armor in [false, true] {
            let out = dir.appending(armor ? "file.age.asc" : "file.age").path
            try await Shell.run(["age", "-e"] + (armor ? ["-a"] : []) + ["-r", other.recipient.text, "-r", identities[0].recipient.text, "-o", out, dir.appending("plain.bin").path])
            let file = Array(try Data(contentsOf: URL(fileURLWithPath: out)))
            #expect(try AgeFile.decrypt(file, identities: identities) == plain)
            #expect(try AgeFile.decrypt(file, identities: [other]) == plain)
            #expect(throws: SopsError.self) { try AgeFile.decrypt(file, identities: [AgeIdentity()]) }
        }
        // The 32-byte data key SOPS wraps.
        try Data(repeating: 7, count: 32).write(to: dir.appending("key.bin"))
        try await Shell.run(["age", "-e", "-a", "-r", identities[0].recipient.text, "-o", dir.appending("key.age").path, dir.appending("key.bin").path])
        #expect(try AgeFile.decrypt(Array(try Data(contentsOf: dir.appending("key.age"))), identities: identities) == [UInt8](repeating: 7, count: 32))
    }

    @Test("files Bosun encrypts (binary and armored, empty to several chunks) decrypt with age -d", .enabled(if: hasAgeCLI))
    func bosunToAge() async throws {
        let dir = try TemporaryDirectory(prefix: "bosun-age")
        defer { dir.remove() }
        let identity = AgeIdentity()
        try Data(identity.keyFile().utf8).write(to: dir.appending("key.txt"))
        for size in [0, 1, 32, 65_536, 65_537, 150_000] {
            let plain = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            for armor in [false, true] {
                let file = try AgeFile.encrypt(plain, to: [AgeIdentity().recipient, identity.recipient], armor: armor)
                try Data(file).write(to: dir.appending("file.age"))
                try await Shell.run(["age", "-d", "-i", dir.appending("key.txt").path, "-o", dir.appending("out.bin").path, dir.appending("file.age").path])
                // age writes no output file for an empty plaintext.
                let out = size == 0 ? (try? Data(contentsOf: dir.appending("out.bin"))) ?? Data() : try Data(contentsOf: dir.appending("out.bin"))
                try? FileManager.default.removeItem(at: dir.appending("out.bin"))
                #expect(Array(out) == plain, "size \(size), armor \(armor)")
                #expect(try AgeFile.decrypt(file, identities: [identity]) == plain)
            }
        }
        // age-keygen -y derives the same recipient from Bosun's identity.
        let derived = try await Shell.run(["age-keygen", "-y", dir.appending("key.txt").path]).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(derived == identity.recipient.text)
    }

    @Test("any flipped byte of an age file is refused")
    func flippedBytes() async throws {
        let identity = AgeIdentity()
        let plain = Array("a data key of thirty-two bytes!!".utf8)
        for armor in [false, true] {
            let file = try AgeFile.encrypt(plain, to: [identity.recipient], armor: armor)
            let positions = Gen.int(in: 0...(file.count - 1))
            await propertyCheck(count: 300, input: positions, Gen.int(in: 1...255)) { position, delta in
                var copy = file
                copy[position] = copy[position] &+ UInt8(delta)
                // Armor allows whitespace around the block: a flip there that is still whitespace changes nothing.
                if let opened = try? AgeFile.decrypt(copy, identities: [identity]) {
                    #expect(opened == plain, "byte \(position) changed the plaintext without being noticed")
                    #expect(armor, "binary byte \(position) flipped and accepted")
                }
            }
        }
    }

    @Test("a truncated armor block, a truncated payload and a file for someone else are each a clear error")
    func truncated() throws {
        let identity = AgeIdentity()
        let armored = String(decoding: try AgeFile.encrypt(Array("secret".utf8), to: [identity.recipient], armor: true), as: UTF8.self)
        let cut = String(armored.prefix(armored.count - 40))
        #expect(throws: SopsError(.unreadable, "the age armor is truncated (no END line)")) { try AgeFile.decrypt(Array(cut.utf8), identities: [identity]) }
        let binary = try AgeFile.encrypt(Array("secret".utf8), to: [identity.recipient], armor: false)
        let error = #expect(throws: SopsError.self) { try AgeFile.decrypt(Array(binary.dropLast(3)), identities: [identity]) }
        #expect(error?.code == .tampered)
        let noKey = #expect(throws: SopsError.self) { try AgeFile.decrypt(binary, identities: [AgeIdentity()]) }
        #expect(noKey?.code == .noKey)
    }
}
