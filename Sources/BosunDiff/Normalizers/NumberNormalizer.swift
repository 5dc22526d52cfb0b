import BosunCore

/// Numbers that mean the same: `1` and `1.0`, and an int-or-string field written `"8080"` on one
/// side and `8080` on the other.
public struct NumberNormalizer: Normalizer {
    public var name: String { "numbers" }

    public init() {}

    public func equivalent(desired: JSONValue?, live: JSONValue?, at path: FieldPath) -> Bool {
        guard let desired, let live, let a = Self.number(desired), let b = Self.number(live) else { return false }
        // At least one side must be a real number: two strings that differ stay different.
        guard desired.doubleValue != nil || live.doubleValue != nil else { return false }
        return a == b
    }

    /// The value as a number: numbers as they are, strings that are plain decimal integers.
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s):
            if let i = Int(s), s.first != "+", s.count == String(i).count { Double(i) } else { nil }
        default: nil
        }
    }
}
