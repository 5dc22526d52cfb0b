import BosunCore
import Foundation

/// Go's ways of turning values into text, where Nomad's output depends on them: `%v` of a
/// float (used when Nomad flattens job specs for diffs), cty's number-to-string conversion,
/// `time.ParseDuration`, and RFC 3339 timestamps.
enum GoFormat {
    enum FloatStyle { case percentV, cty }

    static func float(_ d: Double, style: FloatStyle) -> String { shortestG(d, style) }

    /// Go's `strconv.FormatFloat(d, 'g', -1, 64)` (the `%v` of a float64), or plain decimal for cty.
    private static func shortestG(_ d: Double, _ style: FloatStyle) -> String {
        let description = "\(d)"  // Swift prints the shortest round-trip digits
        // Normalise Swift's text into digits and a decimal exponent.
        let negative = description.hasPrefix("-")
        let body = negative ? String(description.dropFirst()) : description
        let parts = body.lowercased().split(separator: "e", maxSplits: 1)
        let mantissa = String(parts[0])
        let exp = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let pieces = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let intPart = String(pieces[0])
        let fracPart = pieces.count > 1 ? String(pieces[1]) : ""
        var digits = intPart + fracPart
        var exponent = intPart.count + exp  // position of the decimal point
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            exponent -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        if digits == "0" { return "0" }
        let sign = negative ? "-" : ""
        let decimalExponent = exponent - 1
        if style == .percentV && (decimalExponent < -4 || decimalExponent >= 6) {
            // Go's %v switches to %e when the exponent is < -4 or >= 6 (shortest precision).
            var out = sign + String(digits.first ?? "0")
            if digits.count > 1 { out += "." + digits.dropFirst() }
            let e = decimalExponent
            out += (e < 0 ? "e-" : "e+") + (abs(e) < 10 ? "0" : "") + String(abs(e))
            return out
        }
        if exponent <= 0 {
            return sign + "0." + String(repeating: "0", count: -exponent) + digits
        }
        if exponent >= digits.count {
            return sign + digits + String(repeating: "0", count: exponent - digits.count)
        }
        let index = digits.index(digits.startIndex, offsetBy: exponent)
        return sign + digits[..<index] + "." + digits[index...]
    }

    struct DurationError: Error { var message: String }

    /// Go's `time.ParseDuration`: "300ms", "1.5h", "2h45m", "-1m"; returns nanoseconds.
    static func parseDuration(_ text: String) throws(DurationError) -> Int {
        let original = text
        var s = Substring(text)
        var negative = false
        if s.first == "-" || s.first == "+" {
            negative = s.first == "-"
            s = s.dropFirst()
        }
        if s == "0" { return 0 }
        guard !s.isEmpty else { throw DurationError(message: "time: invalid duration \"\(original)\"") }
        let units: [(String, Double)] = [
            ("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9),
        ]
        var total = 0.0
        while !s.isEmpty {
            var number = ""
            while let c = s.first, c.isNumber || c == "." {
                number.append(c)
                s = s.dropFirst()
            }
            guard !number.isEmpty, let value = Double(number) else {
                throw DurationError(message: "time: invalid duration \"\(original)\"")
            }
            var unit = ""
            while let c = s.first, !(c.isNumber || c == ".") {
                unit.append(c)
                s = s.dropFirst()
            }
            guard !unit.isEmpty else { throw DurationError(message: "time: missing unit in duration \"\(original)\"") }
            guard let factor = units.first(where: { $0.0 == unit })?.1 else {
                throw DurationError(message: "time: unknown unit \"\(unit)\" in duration \"\(original)\"")
            }
            total += value * factor
        }
        let ns = Int(total.rounded())
        return negative ? -ns : ns
    }

    /// A Unix time in nanoseconds as Go's `time.Time` JSON (RFC 3339 with nanoseconds, UTC).
    static func timestamp(nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0001-01-01T00:00:00Z" }
        let seconds = nanoseconds / 1_000_000_000
        let fraction = nanoseconds % 1_000_000_000
        let date = Date(timeIntervalSince1970: TimeInterval(seconds))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func pad(_ v: Int?, _ width: Int = 2) -> String {
            let s = String(v ?? 0)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        var out = "\(pad(c.year, 4))-\(pad(c.month))-\(pad(c.day))T\(pad(c.hour)):\(pad(c.minute)):\(pad(c.second))"
        if fraction != 0 {
            var digits = pad(Int(fraction), 9)
            while digits.hasSuffix("0") { digits.removeLast() }
            out += "." + digits
        }
        return out + "Z"
    }

    /// Now, as Unix nanoseconds.
    static func nowNanoseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1e9).rounded())
    }
}
