/// Durations as people write them in config: `90s`, `3m`, `1h30m`, `500ms`.
public enum DurationText {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public static func parse(_ text: String) throws(ParseError) -> Duration {
        let s = text.trimmingSpaces
        guard !s.isEmpty else { throw ParseError(description: "empty duration; write one like 90s, 3m or 1h") }
        var total: Duration = .zero
        var number = ""
        var unit = ""
        var sawPart = false
        func flush() throws(ParseError) {
            guard !number.isEmpty else {
                throw ParseError(description: "\"\(text)\" is not a duration; write one like 90s, 3m or 1h")
            }
            guard let n = Double(number), n >= 0 else {
                throw ParseError(description: "\"\(text)\" is not a duration; write one like 90s, 3m or 1h")
            }
            let seconds: Double
            switch unit {
            case "ms": seconds = n / 1000
            case "s": seconds = n
            case "m": seconds = n * 60
            case "h": seconds = n * 3600
            case "d": seconds = n * 86400
            case "":
                throw ParseError(description: "\"\(text)\" has no unit; write \(number)s, \(number)m or \(number)h")
            default:
                throw ParseError(description: "\"\(text)\" has an unknown unit \"\(unit)\"; use ms, s, m, h or d")
            }
            total += .milliseconds(Int64((seconds * 1000).rounded()))
            number = ""
            unit = ""
            sawPart = true
        }
        for c in s {
            if c.isNumber || c == "." {
                if !unit.isEmpty { try flush() }
                number.append(c)
            } else if c.isLetter {
                unit.append(c)
            } else {
                throw ParseError(description: "\"\(text)\" is not a duration; write one like 90s, 3m or 1h")
            }
        }
        try flush()
        _ = sawPart
        return total
    }

    /// The shortest of `1h30m`, `90s`, `500ms` that says the duration.
    public static func format(_ d: Duration) -> String {
        let ms = d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
        if ms % 1000 != 0 { return "\(ms)ms" }
        var s = ms / 1000
        if s == 0 { return "0s" }
        var out = ""
        if s >= 3600 { out += "\(s / 3600)h"; s %= 3600 }
        if s >= 60 { out += "\(s / 60)m"; s %= 60 }
        if s > 0 { out += "\(s)s" }
        return out
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
