import Crypto
import Foundation

/// One encrypted value: `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, AES-256-GCM under the
/// file's data key with a 32-byte IV and the value's key path (`a:b:c:`) as additional data,
/// so a value moved to another key no longer decrypts.
enum ValueCipher {
    static let prefix = "ENC[AES256_GCM,data:"

    struct Token {
        var data: [UInt8]
        var iv: [UInt8]
        var tag: [UInt8]
        var type: String
    }

    /// Whether `text` has the shape of an encrypted value.
    static func isToken(_ text: String) -> Bool { text.hasPrefix(prefix) && text.hasSuffix("]") }

    static func parse(_ text: String) throws(SopsError) -> Token {
        guard isToken(text) else { throw SopsError(.unreadable, "a value that should be encrypted is not an ENC[AES256_GCM,…] value") }
        let bytes = Array(text.utf8)
        let malformed = SopsError(.unreadable, "an encrypted value is malformed (expected data, iv, tag and type)")
        let dataStart = prefix.utf8.count
        guard let iv = bytes.firstIndex(of: Self.ivMarker, from: dataStart), let tag = bytes.firstIndex(of: Self.tagMarker, from: iv),
            let type = bytes.firstIndex(of: Self.typeMarker, from: tag)
        else { throw malformed }
        let typeText = bytes[(type + Self.typeMarker.count)..<(bytes.count - 1)]
        guard !typeText.contains(UInt8(ascii: ",")) else { throw malformed }
        guard let data = Base64.decode(bytes[dataStart..<iv]), let ivBytes = Base64.decode(bytes[(iv + Self.ivMarker.count)..<tag]),
            let tagBytes = Base64.decode(bytes[(tag + Self.tagMarker.count)..<type])
        else {
            throw SopsError(.unreadable, "an encrypted value has bad base64 in its data, iv or tag")
        }
        guard ivBytes.count >= 12, tagBytes.count == 16 else { throw SopsError(.unreadable, "an encrypted value has a too short iv or tag") }
        return Token(data: data, iv: ivBytes, tag: tagBytes, type: String(decoding: typeText, as: UTF8.self))
    }

    static let ivMarker = Array(",iv:".utf8)
    static let tagMarker = Array(",tag:".utf8)
    static let typeMarker = Array(",type:".utf8)

    /// The plaintext bytes and type of `text`. Empty text is an empty string, as SOPS writes it.
    static func open(_ text: String, key: SymmetricKey, path: String) throws(SopsError) -> (bytes: [UInt8], type: String) {
        if text.isEmpty { return ([], "str") }
        let token = try parse(text)
        do {
            let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: token.iv), ciphertext: token.data, tag: token.tag)
            return (Array(try AES.GCM.open(box, using: key, authenticating: Data(path.utf8))), token.type)
        } catch {
            throw SopsError(.tampered, "the value at \(display(path)) does not authenticate: it was changed, moved, or encrypted with another data key")
        }
    }

    /// Decrypts a value to its typed scalar (`comment` values are returned as strings).
    static func decrypt(_ text: String, key: SymmetricKey, path: String) throws(SopsError) -> SopsScalar {
        let (bytes, type) = try open(text, key: key, path: path)
        let string = String(decoding: bytes, as: UTF8.self)
        func bad() -> SopsError { SopsError(.unreadable, "the value at \(display(path)) is not a valid \(type)") }
        switch type {
        // Binary files hold any bytes as `str`: keep bytes that are not UTF-8 as they are.
        case "str": return String(validating: bytes, as: UTF8.self).map(SopsScalar.string) ?? .bytes(bytes)
        case "comment": return .string(string)
        case "bytes": return .bytes(bytes)
        case "int":
            guard let i = Int(string) else { throw bad() }
            return .int(i)
        case "float":
            guard let d = Double(string.lowercased() == "+inf" ? "inf" : string) else { throw bad() }
            return .float(d)
        case "bool":
            switch string {
            case "1", "t", "T", "TRUE", "true", "True": return .bool(true)
            case "0", "f", "F", "FALSE", "false", "False": return .bool(false)
            default: throw bad()
            }
        case "time":
            guard let t = GoTime.normalized(string) else { throw bad() }
            return .time(t)
        default:
            throw SopsError(.unreadable, "the value at \(display(path)) has the unknown type \"\(type.prefix(20))\"")
        }
    }

    /// Encrypts a scalar (or a comment, `type: comment`) with a fresh 32-byte IV.
    static func encrypt(_ bytes: [UInt8], type: String, key: SymmetricKey, path: String) throws(SopsError) -> String {
        if bytes.isEmpty && type != "int" && type != "float" && type != "bool" { return "" }
        var iv = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in iv.indices { iv[i] = generator.next() }
        do {
            let sealed = try AES.GCM.seal(bytes, using: key, nonce: AES.GCM.Nonce(data: iv), authenticating: Data(path.utf8))
            return "ENC[AES256_GCM,data:\(Base64.encode(sealed.ciphertext)),iv:\(Base64.encode(iv)),tag:\(Base64.encode(sealed.tag)),type:\(type)]"
        } catch {
            throw SopsError(.cannotEncrypt, "AES-GCM failed: \(error)")
        }
    }

    /// `a:b:c:` as `a.b.c` for messages.
    static func display(_ path: String) -> String {
        let trimmed = path.hasSuffix(":") ? String(path.dropLast()) : path
        return trimmed.isEmpty ? "the top level" : trimmed.replacingOccurrences(of: ":", with: ".")
    }
}
