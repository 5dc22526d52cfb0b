import BosunCore
import Foundation

/// A Kubernetes resource quantity (`500m`, `1.5`, `1Gi`, `2e3`) as an exact decimal, so
/// `1000m` equals `1` and `1Gi` equals `1073741824`.
public struct Quantity: Sendable, Hashable, CustomStringConvertible {
    /// The amount in base units (cores, bytes).
    public var value: Decimal

    static let binarySuffixes: [String: Int] = ["Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6]
    static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]

    /// Parses quantity text; nil when it is not a quantity.
    public init?(_ text: String) {
        // sign, digits with at most one point, then a suffix or a decimal exponent
        var utf8 = Substring(text).utf8[...]
        var negative = false
        if let first = utf8.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            negative = first == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        var significand: UInt64 = 0
        var digits = 0
        var fractionDigits = 0
        var seenPoint = false
        while let byte = utf8.first {
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                // Past 18 digits the value is beyond any real quantity's precision; keep the scale.
                if digits < 18 {
                    significand = significand * 10 + UInt64(byte - UInt8(ascii: "0"))
                    if seenPoint { fractionDigits += 1 }
                } else if !seenPoint {
                    fractionDigits -= 1
                }
                digits += 1
            } else if byte == UInt8(ascii: "."), !seenPoint {
                seenPoint = true
            } else {
                break
            }
            utf8 = utf8.dropFirst()
        }
        guard digits > 0 else { return nil }
        var number = Decimal(sign: negative ? .minus : .plus, exponent: -fractionDigits, significand: Decimal(significand))
        let suffix = String(Substring(utf8))
        if let power = Self.binarySuffixes[suffix] {
            for _ in 0..<power { number *= 1024 }
        } else if let exponent = Self.decimalSuffixes[suffix] {
            number *= Self.powerOfTen(exponent)
        } else if let first = suffix.first, first == "e" || first == "E",
            let exponent = Int(suffix.dropFirst()), abs(exponent) <= 30
        {
            number *= Self.powerOfTen(exponent)
        } else {
            return nil
        }
        value = number
    }

    /// A quantity of `value` base units.
    public init(value: Decimal) { self.value = value }

    /// A number written without quotes is a quantity too (`cpu: 2`).
    public init?(_ json: JSONValue) {
        switch json {
        case .string(let s): self.init(s)
        case .int(let i): self.init(value: Decimal(i))
        case .double(let d) where d.isFinite: self.init(JSONValue.double(d).jsonString())
        default: return nil
        }
    }

    static func powerOfTen(_ exponent: Int) -> Decimal {
        Decimal(sign: .plus, exponent: exponent, significand: 1)
    }

    public var description: String { "\(value)" }
}

/// Resource quantities that mean the same amount (`cpu: 1000m` and `cpu: "1"`,
/// `memory: 1Gi` and `memory: 1073741824`) in the places Kubernetes keeps quantities:
/// resource limits and requests, quota and limit-range maps, capacities, `storage`, `sizeLimit`.
public struct QuantityNormalizer: Normalizer {
    static let quantityMaps: Set<String> = [
        "limits", "requests", "hard", "used", "capacity", "allocatable", "overhead",
        "default", "defaultRequest", "min", "max", "maxLimitRequestRatio",
    ]
    static let quantityFields: Set<String> = ["storage", "sizeLimit"]

    public var name: String { "quantities" }

    public init() {}

    public func equivalent(desired: JSONValue?, live: JSONValue?, at path: FieldPath) -> Bool {
        guard let desired, let live, Self.holdsQuantity(path) else { return false }
        guard let a = Quantity(desired), let b = Quantity(live) else { return false }
        return a == b
    }

    static func holdsQuantity(_ path: FieldPath) -> Bool {
        if let field = path.lastKey, quantityFields.contains(field) { return true }
        if let map = path.key(fromEnd: 1), quantityMaps.contains(map) { return true }
        return false
    }
}
