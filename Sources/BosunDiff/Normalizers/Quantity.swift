import BosunCore
import Foundation

/// A Kubernetes resource quantity (`500m`, `1.5`, `1Gi`, `2e3`) as an exact decimal, so
/// `1000m` equals `1` and `1Gi` equals `1073741824`.
public struct Quantity: Sendable, Hashable, CustomStringConvertible {
    public var value: Decimal

    static let binarySuffixes: [String: Int] = ["Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6]
    static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]

    /// Parses quantity text; nil when it is not a quantity.
    public init?(_ text: String) {
        let scalars = Array(text.unicodeScalars)
        var end = 0
        if end < scalars.count, scalars[end] == "+" || scalars[end] == "-" { end += 1 }
        var digits = 0
        while end < scalars.count, ("0"..."9").contains(scalars[end]) || scalars[end] == "." {
            if scalars[end] != "." { digits += 1 }
            end += 1
        }
        guard digits > 0 else { return nil }
        let numberText = String(String.UnicodeScalarView(scalars[..<end]))
        guard numberText.filter({ $0 == "." }).count <= 1,
            var number = Decimal(string: numberText, locale: Locale(identifier: "en_US_POSIX"))
        else { return nil }
        let suffix = String(String.UnicodeScalarView(scalars[end...]))
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
