import Foundation

/// A leaf of a SOPS tree, typed as SOPS types it: the type decides how the value is written
/// as bytes for encryption and for the MAC.
public enum SopsScalar: Sendable, Hashable {
    case string(String)
    case int(Int)
    case float(Double)
    case bool(Bool)
    /// A timestamp, as RFC 3339 text (Go's `time.Time` in SOPS).
    case time(String)
    case bytes([UInt8])

    /// The bytes SOPS encrypts and feeds to the MAC (`sops.ToBytes`): decimal integers, floats
    /// in Go's shortest positional form, `True`/`False`, timestamps in RFC 3339.
    public var macBytes: [UInt8] {
        switch self {
        case .string(let s): Array(s.utf8)
        case .int(let i): Array(String(i).utf8)
        case .float(let d): Array(Self.goFloat(d).utf8)
        case .bool(let b): Array((b ? "True" : "False").utf8)
        case .time(let t): Array(t.utf8)
        case .bytes(let b): b
        }
    }

    /// The `type:` word of an encrypted value.
    var typeName: String {
        switch self {
        case .string, .bytes: "str"
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .time: "time"
        }
    }

    /// The value as text (what a Secret or a File holds).
    public var text: String {
        switch self {
        case .string(let s): s
        case .int(let i): String(i)
        case .float(let d): Self.goFloat(d)
        case .bool(let b): b ? "true" : "false"
        case .time(let t): t
        case .bytes(let b): String(decoding: b, as: UTF8.self)
        }
    }

    /// Go's `strconv.FormatFloat(d, 'f', -1, 64)`: the shortest digits that read back as `d`,
    /// written without an exponent.
    static func goFloat(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        let shortest = "\(d.magnitude)"
        let parts = shortest.split(separator: "e", maxSplits: 1)
        let exponent = parts.count == 2 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1)
        let whole = String(mantissa[0])
        let fraction = mantissa.count == 2 ? String(mantissa[1]) : ""
        var digits = Array(whole + fraction)
        var point = whole.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let sign = d.sign == .minus ? "-" : ""
        if digits.isEmpty { return sign + "0" }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
        if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) }
        return sign + String(digits[..<point]) + "." + String(digits[point...])
    }
}

/// A node of a SOPS tree: what the stores read from YAML, JSON or dotenv and write back.
/// Mappings keep their order (the MAC covers values in order) and may hold comments.
public indirect enum SopsNode: Sendable, Hashable {
    case mapping([SopsEntry])
    case sequence([SopsNode])
    case scalar(SopsScalar)
    case null
    /// A comment inside a sequence (mapping comments are entries).
    case comment(String)

    public var entries: [SopsEntry]? { if case .mapping(let e) = self { e } else { nil } }

    /// The member `key` of a mapping.
    public subscript(key: String) -> SopsNode? {
        guard case .mapping(let entries) = self else { return nil }
        return entries.first { !$0.isComment && $0.key == key }?.value
    }
}

/// A member of a mapping, or a comment line among the members.
public struct SopsEntry: Sendable, Hashable {
    /// The member's name; for a comment, the comment text (without `#`).
    public var key: String
    public var value: SopsNode
    public var isComment: Bool

    public init(key: String, value: SopsNode) {
        self.key = key
        self.value = value
        isComment = false
    }

    public static func comment(_ text: String) -> SopsEntry {
        var entry = SopsEntry(key: text, value: .null)
        entry.isComment = true
        return entry
    }
}

/// RFC 3339 times as Go reads and writes them.
enum GoTime {
    /// Go's `MarshalText` after `UnmarshalText`: fraction without trailing zeros, a zero offset
    /// as `Z`; nil when the text is not RFC 3339.
    static func normalized(_ text: String, keepFraction: Bool = true) -> String? {
        let bytes = Array(text.utf8)
        func digits(_ range: Range<Int>) -> Bool {
            range.upperBound <= bytes.count && bytes[range].allSatisfy { $0 >= 48 && $0 <= 57 }
        }
        guard bytes.count >= 20, digits(0..<4), bytes[4] == 45, digits(5..<7), bytes[7] == 45, digits(8..<10),
            bytes[10] == 84 || bytes[10] == 116, digits(11..<13), bytes[13] == 58, digits(14..<16), bytes[16] == 58, digits(17..<19)
        else { return nil }
        var index = 19
        var fraction = ""
        if bytes[index] == 46 {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
            guard index > start else { return nil }
            fraction = String(decoding: bytes[start..<index], as: UTF8.self)
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        guard index < bytes.count else { return nil }
        let zone: String
        if (bytes[index] == 90 || bytes[index] == 122) && index + 1 == bytes.count {
            zone = "Z"
        } else if bytes[index] == 43 || bytes[index] == 45, index + 6 == bytes.count, digits((index + 1)..<(index + 3)), bytes[index + 3] == 58,
            digits((index + 4)..<(index + 6))
        {
            let offset = String(decoding: bytes[index...], as: UTF8.self)
            zone = offset.dropFirst() == "00:00" ? "Z" : offset
        } else {
            return nil
        }
        let base = String(decoding: bytes[0..<10], as: UTF8.self) + "T" + String(decoding: bytes[11..<19], as: UTF8.self)
        return base + (keepFraction && !fraction.isEmpty ? "." + fraction : "") + zone
    }

    /// Now, as SOPS writes `lastmodified`: `2006-01-02T15:04:05Z`.
    static func now() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date())
    }
}
