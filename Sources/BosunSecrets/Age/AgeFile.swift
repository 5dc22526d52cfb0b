import Crypto
import Foundation

/// The age v1 file format (age-encryption.org/v1) for X25519 recipients: a text header that
/// wraps a 16-byte file key for each recipient and ends with an HMAC, then the payload in
/// 64 KiB ChaCha20-Poly1305 chunks (STREAM). Binary or ASCII-armored. Built on swift-crypto
/// from the format's specification; SOPS keeps each file's data key in such a file.
public enum AgeFile {
    static let version = "age-encryption.org/v1"
    static let chunkSize = 64 * 1024
    static let armorBegin = "-----BEGIN AGE ENCRYPTED FILE-----"
    static let armorEnd = "-----END AGE ENCRYPTED FILE-----"

    /// Encrypts `plaintext` to every recipient; armored (PEM) when `armor`, else binary.
    public static func encrypt(_ plaintext: [UInt8], to recipients: [AgeRecipient], armor: Bool) throws(SopsError) -> [UInt8] {
        guard !recipients.isEmpty else { throw SopsError(.cannotEncrypt, "no age recipient to encrypt to") }
        let fileKey = SymmetricKey(size: .bits128)
        var header = version + "\n"
        for recipient in recipients {
            let ephemeral = Curve25519.KeyAgreement.PrivateKey()
            let share = Array(ephemeral.publicKey.rawRepresentation)
            let body: [UInt8]
            do {
                let shared = try ephemeral.sharedSecretFromKeyAgreement(with: recipient.publicKey)
                let wrapKey = wrapKey(shared: shared, share: share, recipient: Array(recipient.publicKey.rawRepresentation))
                let sealed = try ChaChaPoly.seal(fileKey.withUnsafeBytes { Data($0) }, using: wrapKey, nonce: try ChaChaPoly.Nonce(data: Data(count: 12)))
                body = Array(sealed.ciphertext) + Array(sealed.tag)
            } catch {
                throw SopsError(.cannotEncrypt, "age: wrapping the file key failed: \(error)")
            }
            header += "-> X25519 \(rawBase64(share))\n" + wrapped(rawBase64(body))
        }
        header += "---"
        let mac = headerMAC(header, fileKey: fileKey)
        var out = Array((header + " " + rawBase64(mac) + "\n").utf8)
        var nonce = [UInt8](repeating: 0, count: 16)
        var generator = SystemRandomNumberGenerator()
        for i in nonce.indices { nonce[i] = generator.next() }
        out += nonce
        out += try sealPayload(plaintext, key: payloadKey(fileKey: fileKey, nonce: nonce))
        return armor ? Array(armored(out).utf8) : out
    }

    /// Decrypts an age file (binary or armored) with the first identity that unwraps its file
    /// key. Errors: `.noKey` when no identity matches, `.tampered` when the header MAC or the
    /// payload does not authenticate, `.unreadable` when it is not an age file.
    public static func decrypt(_ file: [UInt8], identities: [AgeIdentity]) throws(SopsError) -> [UInt8] {
        let binary = try dearmorIfNeeded(file)
        let header = try Header(parsing: binary)
        guard let fileKey = unwrap(header, identities: identities) else {
            let types = Set(header.stanzas.map { $0.arguments.first ?? "" }).sorted()
            throw SopsError(.noKey, "no age identity held matches a recipient of the data key (stanzas: \(types.joined(separator: ", ")))")
        }
        let expected = headerMAC(header.macInput, fileKey: fileKey)
        guard expected.count == header.mac.count, zip(expected, header.mac).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            throw SopsError(.tampered, "the age header MAC does not match: the data key was changed")
        }
        let payload = binary[header.length...]
        guard payload.count >= 16 else { throw SopsError(.unreadable, "the age payload is truncated (no nonce)") }
        let nonce = Array(payload.prefix(16))
        return try openPayload(Array(payload.dropFirst(16)), key: payloadKey(fileKey: fileKey, nonce: nonce))
    }

    // MARK: Header

    struct Stanza {
        var arguments: [String]
        var body: [UInt8]
    }

    struct Header {
        var stanzas: [Stanza] = []
        /// The header text up to and including `---`: what the MAC covers.
        var macInput: String
        var mac: [UInt8]
        /// Bytes of the header, through the MAC line's newline.
        var length: Int

        init(parsing bytes: [UInt8]) throws(SopsError) {
            var position = 0
            func line() throws(SopsError) -> String {
                guard let end = bytes[position...].firstIndex(of: UInt8(ascii: "\n")) else {
                    throw SopsError(.unreadable, "the age header is truncated")
                }
                guard let text = String(validating: bytes[position..<end], as: UTF8.self) else {
                    throw SopsError(.unreadable, "the age header is not text")
                }
                position = end + 1
                return text
            }
            guard try line() == AgeFile.version else { throw SopsError(.unreadable, "not an age v1 file (the first line is not \(AgeFile.version))") }
            while true {
                let start = position
                let text = try line()
                if text.hasPrefix("--- ") {
                    macInput = String(decoding: bytes[0..<(start + 3)], as: UTF8.self)
                    guard let mac = AgeFile.decodeRawBase64(String(text.dropFirst(4))), mac.count == 32 else {
                        throw SopsError(.unreadable, "the age header MAC is malformed")
                    }
                    self.mac = mac
                    length = position
                    guard !stanzas.isEmpty else { throw SopsError(.unreadable, "the age header has no recipient stanza") }
                    return
                }
                guard text.hasPrefix("-> ") else { throw SopsError(.unreadable, "the age header has a malformed line") }
                let arguments = text.dropFirst(3).split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                guard !arguments.isEmpty, arguments.allSatisfy({ !$0.isEmpty }) else {
                    throw SopsError(.unreadable, "an age stanza has an empty argument")
                }
                var bodyText = ""
                while true {
                    let bodyLine = try line()
                    guard bodyLine.count <= 64 else { throw SopsError(.unreadable, "an age stanza body line is longer than 64 columns") }
                    bodyText += bodyLine
                    if bodyLine.count < 64 { break }
                }
                guard let body = AgeFile.decodeRawBase64(bodyText) else { throw SopsError(.unreadable, "an age stanza body is not canonical base64") }
                stanzas.append(Stanza(arguments: arguments, body: body))
            }
        }
    }

    /// The file key from the first X25519 stanza an identity opens.
    static func unwrap(_ header: Header, identities: [AgeIdentity]) -> SymmetricKey? {
        for stanza in header.stanzas where stanza.arguments.first == "X25519" {
            // Malformed X25519 stanzas are skipped: they cannot be ours.
            guard stanza.arguments.count == 2, let share = decodeRawBase64(stanza.arguments[1]), share.count == 32, stanza.body.count == 32,
                let sharePublic = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: share)
            else { continue }
            for identity in identities {
                guard let shared = try? identity.privateKey.sharedSecretFromKeyAgreement(with: sharePublic) else { continue }
                // An all-zero shared secret (a low-order share) must abort, says the spec.
                if shared.withUnsafeBytes({ $0.allSatisfy { $0 == 0 } }) { continue }
                let key = wrapKey(shared: shared, share: share, recipient: Array(identity.privateKey.publicKey.rawRepresentation))
                guard let box = try? ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: Data(count: 12)), ciphertext: stanza.body.prefix(16), tag: stanza.body.suffix(16)),
                    let fileKey = try? ChaChaPoly.open(box, using: key), fileKey.count == 16
                else { continue }
                return SymmetricKey(data: fileKey)
            }
        }
        return nil
    }

    static func wrapKey(shared: SharedSecret, share: [UInt8], recipient: [UInt8]) -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: share + recipient, sharedInfo: Data("age-encryption.org/v1/X25519".utf8), outputByteCount: 32)
    }

    static func headerMAC(_ header: String, fileKey: SymmetricKey) -> [UInt8] {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: Data(), info: Data("header".utf8), outputByteCount: 32)
        return Array(HMAC<SHA256>.authenticationCode(for: Data(header.utf8), using: key))
    }

    // MARK: Payload

    static func payloadKey(fileKey: SymmetricKey, nonce: [UInt8]) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: fileKey, salt: nonce, info: Data("payload".utf8), outputByteCount: 32)
    }

    static func chunkNonce(_ counter: Int, last: Bool) throws(SopsError) -> ChaChaPoly.Nonce {
        var bytes = [UInt8](repeating: 0, count: 12)
        var value = UInt64(counter)
        for i in stride(from: 10, through: 3, by: -1) {
            bytes[i] = UInt8(value & 0xff)
            value >>= 8
        }
        bytes[11] = last ? 1 : 0
        do {
            return try ChaChaPoly.Nonce(data: bytes)
        } catch {
            throw SopsError(.cannotEncrypt, "age: a chunk nonce could not be made: \(error)")
        }
    }

    static func sealPayload(_ plaintext: [UInt8], key: SymmetricKey) throws(SopsError) -> [UInt8] {
        var out: [UInt8] = []
        var offset = 0
        var counter = 0
        repeat {
            let end = min(offset + chunkSize, plaintext.count)
            let last = end == plaintext.count
            do {
                let nonce = try chunkNonce(counter, last: last)
                let sealed = try ChaChaPoly.seal(plaintext[offset..<end], using: key, nonce: nonce)
                out += sealed.ciphertext
                out += sealed.tag
            } catch {
                throw SopsError(.cannotEncrypt, "age: sealing the payload failed: \(error)")
            }
            offset = end
            counter += 1
        } while offset < plaintext.count
        return out
    }

    static func openPayload(_ ciphertext: [UInt8], key: SymmetricKey) throws(SopsError) -> [UInt8] {
        let sealedChunk = chunkSize + 16
        guard !ciphertext.isEmpty else { throw SopsError(.tampered, "the age payload is truncated (no final chunk)") }
        var out: [UInt8] = []
        var offset = 0
        var counter = 0
        while offset < ciphertext.count {
            let end = min(offset + sealedChunk, ciphertext.count)
            let last = end == ciphertext.count
            let chunk = ciphertext[offset..<end]
            guard chunk.count >= 16 else { throw SopsError(.tampered, "the age payload is truncated") }
            let nonce = try chunkNonce(counter, last: last)
            guard let box = try? ChaChaPoly.SealedBox(nonce: nonce, ciphertext: chunk.dropLast(16), tag: chunk.suffix(16)),
                let plain = try? ChaChaPoly.open(box, using: key)
            else {
                throw SopsError(.tampered, "the age payload does not authenticate (changed or truncated)")
            }
            if plain.isEmpty && counter > 0 { throw SopsError(.tampered, "the age payload ends with an empty chunk") }
            out += plain
            offset = end
            counter += 1
        }
        return out
    }

    // MARK: Encodings

    static func rawBase64(_ bytes: [UInt8]) -> String {
        var text = Base64.encode(bytes)
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    /// Unpadded base64, canonical only (as the spec demands).
    static func decodeRawBase64(_ text: String) -> [UInt8]? {
        var padded = Array(text.utf8)
        guard !padded.contains(UInt8(ascii: "=")) else { return nil }
        padded += [UInt8](repeating: UInt8(ascii: "="), count: (4 - padded.count % 4) % 4)
        guard let bytes = Base64.decode(padded), rawBase64(bytes) == text else { return nil }
        return bytes
    }

    static func wrapped(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while rest.count >= 64 {
            out += rest.prefix(64) + "\n"
            rest = rest.dropFirst(64)
        }
        return out + rest + "\n"
    }

    /// Strict PEM armor: the begin line, base64 in 64-column lines, the end line.
    static func armored(_ bytes: [UInt8]) -> String {
        let encoded = Data(bytes).base64EncodedString()
        var out = armorBegin + "\n"
        var rest = Substring(encoded)
        while !rest.isEmpty {
            out += rest.prefix(64) + "\n"
            rest = rest.dropFirst(64)
        }
        return out + armorEnd + "\n"
    }

    /// The binary file from an armored one (whitespace around the block and CRLF allowed);
    /// binary input is returned as it is.
    static func dearmorIfNeeded(_ file: [UInt8]) throws(SopsError) -> [UInt8] {
        let space: Set<UInt8> = [0x20, 0x09, 0x0a, 0x0d]
        var start = 0
        while start < file.count, space.contains(file[start]) { start += 1 }
        var end = file.count
        while end > start, space.contains(file[end - 1]) { end -= 1 }
        let begin = Array(armorBegin.utf8)
        guard end - start >= begin.count, Array(file[start..<(start + begin.count)]) == begin else { return file }
        var lines = file[start..<end].split(separator: 0x0a, omittingEmptySubsequences: false).map { $0.last == 0x0d ? $0.dropLast() : $0 }
        guard lines.count >= 2 else { throw SopsError(.unreadable, "the age armor is malformed") }
        guard Array(lines.removeLast()) == Array(armorEnd.utf8) else { throw SopsError(.unreadable, "the age armor is truncated (no END line)") }
        lines.removeFirst()
        var body: [UInt8] = []
        for (index, line) in lines.enumerated() {
            guard !line.isEmpty, line.count <= 64, line.count == 64 || index == lines.count - 1 else {
                throw SopsError(.unreadable, "the age armor is malformed (line \(index + 2) is not a full 64-column base64 line)")
            }
            body += line
        }
        // Canonical only: what decodes must encode back to the same text.
        guard let bytes = Base64.decode(body), Array(Base64.encode(bytes).utf8) == body else {
            throw SopsError(.unreadable, "the age armor is not canonical base64 (truncated?)")
        }
        return bytes
    }
}
