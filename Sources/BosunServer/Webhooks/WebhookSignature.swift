import Crypto
import Foundation

/// HMAC-SHA256 signatures as Git hosts send them, checked in constant time.
public enum WebhookSignature {
    /// The HMAC-SHA256 of `body` under `secret`.
    public static func hmacSHA256(_ body: [UInt8], secret: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)))
    }

    /// Whether `header` (`sha256=<hex>`, or bare hex when `prefix` is nil) is the body's HMAC.
    /// A missing, malformed or wrong signature is simply false.
    public static func verify(header: String?, prefix: String? = "sha256=", body: [UInt8], secret: [UInt8]) -> Bool {
        guard var text = header?.trimmingCharacters(in: .whitespaces), !secret.isEmpty else { return false }
        if let prefix {
            guard text.lowercased().hasPrefix(prefix) else { return false }
            text = String(text.dropFirst(prefix.count))
        }
        guard let presented = hexBytes(text) else { return false }
        return ConstantTime.equal(presented, hmacSHA256(body, secret: secret))
    }

    /// `sha256=<hex>`, as a sender would write it (for tests and the load generator).
    public static func header(body: [UInt8], secret: [UInt8], prefix: String = "sha256=") -> String {
        prefix + hex(hmacSHA256(body, secret: secret))
    }

    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Hex (either case) to bytes; nil when it is not hex.
    static func hexBytes(_ text: String) -> [UInt8]? {
        let chars = Array(text.utf8)
        guard chars.count % 2 == 0, !chars.isEmpty else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(chars.count / 2)
        var i = 0
        while i < chars.count {
            guard let high = nibble(chars[i]), let low = nibble(chars[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }
}
