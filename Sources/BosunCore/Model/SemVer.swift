/// A semantic version (semver.org 2.0), read from tags with an optional `v` prefix.
public struct SemVer: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public var patch: Int
    public var prerelease: [String]
    public var build: String

    public init(major: Int, minor: Int, patch: Int, prerelease: [String] = [], build: String = "") {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    /// Parses `1.2.3`, `v1.2.3-rc.1+build`; nil for anything else.
    public init?(_ text: String) {
        var s = Substring(text)
        if s.first == "v" || s.first == "V" { s = s.dropFirst() }
        var build = ""
        if let plus = s.firstIndex(of: "+") {
            build = String(s[s.index(after: plus)...])
            s = s[..<plus]
        }
        var pre: [String] = []
        if let dash = s.firstIndex(of: "-") {
            pre = s[s.index(after: dash)...].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard !pre.isEmpty, pre.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" } })
            else { return nil }
            s = s[..<dash]
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let major = SemVer.number(parts[0]), let minor = SemVer.number(parts[1]),
            let patch = SemVer.number(parts[2])
        else { return nil }
        self.init(major: major, minor: minor, patch: patch, prerelease: pre, build: build)
    }

    static func number(_ s: Substring) -> Int? {
        guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), s.count <= 9 else { return nil }
        return Int(s)
    }

    public var isPrerelease: Bool { !prerelease.isEmpty }

    public var description: String {
        var s = "\(major).\(minor).\(patch)"
        if !prerelease.isEmpty { s += "-" + prerelease.joined(separator: ".") }
        if !build.isEmpty { s += "+" + build }
        return s
    }

    public static func < (a: SemVer, b: SemVer) -> Bool {
        if a.major != b.major { return a.major < b.major }
        if a.minor != b.minor { return a.minor < b.minor }
        if a.patch != b.patch { return a.patch < b.patch }
        // A pre-release sorts before its release.
        if a.prerelease.isEmpty != b.prerelease.isEmpty { return !a.prerelease.isEmpty }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (Int(x), Int(y)) {
            case (let i?, let j?): return i < j
            case (.some, nil): return true
            case (nil, .some): return false
            default: return x < y
            }
        }
        return a.prerelease.count < b.prerelease.count
    }

    public static func == (a: SemVer, b: SemVer) -> Bool {
        a.major == b.major && a.minor == b.minor && a.patch == b.patch && a.prerelease == b.prerelease
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
        hasher.combine(prerelease)
    }
}

/// A range over versions as Flux and npm write them: comparators joined by spaces (and),
/// alternatives by `||`; `^1.2`, `~1.2.3`, `1.x`, `1.2.*`, `1.2 - 1.4` and bare versions.
/// Pre-releases match only when the range itself names one.
public struct SemVerRange: Sendable, Hashable, CustomStringConvertible {
    struct Comparator: Sendable, Hashable {
        enum Op: String, Sendable { case lt = "<", le = "<=", gt = ">", ge = ">=", eq = "=" }
        var op: Op
        var version: SemVer

        func matches(_ v: SemVer) -> Bool {
            switch op {
            case .lt: v < version
            case .le: v < version || v == version
            case .gt: version < v
            case .ge: version < v || v == version
            case .eq: v == version
            }
        }
    }

    public let text: String
    var alternatives: [[Comparator]]

    public var description: String { text }

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public init(_ text: String) throws(ParseError) {
        self.text = text
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw ParseError(message: "the range is empty; write one like \">=1.4 <2\"") }
        var alternatives: [[Comparator]] = []
        for alternative in trimmed.split(separator: "||", omittingEmptySubsequences: false) {
            var tokens = alternative.split(separator: " ").map(String.init)
            guard !tokens.isEmpty else { throw ParseError(message: "empty alternative around \"||\" in \"\(text)\"") }
            // Glue operators written apart from their version: ">= 1.4".
            var glued: [String] = []
            var i = 0
            while i < tokens.count {
                let t = tokens[i]
                if ["<", "<=", ">", ">=", "=", "^", "~", "~>"].contains(t), i + 1 < tokens.count {
                    glued.append(t + tokens[i + 1])
                    i += 2
                } else {
                    glued.append(t)
                    i += 1
                }
            }
            tokens = glued
            var set: [Comparator] = []
            if tokens.count == 3 && tokens[1] == "-" {
                let (lo, _) = try Self.partial(tokens[0], in: text)
                let (hi, hiFields) = try Self.partial(tokens[2], in: text)
                set.append(Comparator(op: .ge, version: lo))
                set.append(hiFields == 3 ? Comparator(op: .le, version: hi) : Comparator(op: .lt, version: Self.bump(hi, fields: hiFields)))
            } else {
                for token in tokens { set += try Self.comparators(token, in: text) }
            }
            alternatives.append(set)
        }
        self.alternatives = alternatives
    }

    public func matches(_ version: SemVer) -> Bool {
        alternatives.contains { set in
            if version.isPrerelease && !set.contains(where: { $0.version.isPrerelease }) { return false }
            return set.allSatisfy { $0.matches(version) }
        }
    }

    /// The highest of `versions` in range.
    public func best<S: Sequence>(of versions: S) -> SemVer? where S.Element == SemVer {
        versions.filter(matches).max()
    }

    static func comparators(_ token: String, in text: String) throws(ParseError) -> [Comparator] {
        var ops: [(String, Comparator.Op?)] = [(">=", .ge), ("<=", .le), (">", .gt), ("<", .lt), ("=", .eq), ("~>", nil), ("^", nil), ("~", nil)]
        ops.sort { $0.0.count > $1.0.count }
        var prefix = ""
        var rest = Substring(token)
        for (symbol, _) in ops where rest.hasPrefix(symbol) {
            prefix = symbol
            rest = rest.dropFirst(symbol.count)
            break
        }
        if rest.isEmpty || rest == "*" || rest == "x" || rest == "X" {
            if prefix.isEmpty || prefix == ">=" { return [Comparator(op: .ge, version: SemVer(major: 0, minor: 0, patch: 0))] }
            throw ParseError(message: "\"\(token)\" in \"\(text)\" has no version")
        }
        let (v, fields) = try partial(String(rest), in: text)
        switch prefix {
        case "^":
            let upper: SemVer =
                v.major > 0 || fields == 1 ? SemVer(major: v.major + 1, minor: 0, patch: 0)
                : v.minor > 0 || fields == 2 ? SemVer(major: 0, minor: v.minor + 1, patch: 0)
                : SemVer(major: 0, minor: 0, patch: v.patch + 1)
            return [Comparator(op: .ge, version: v), Comparator(op: .lt, version: upper)]
        case "~", "~>":
            let upper = fields == 1 ? SemVer(major: v.major + 1, minor: 0, patch: 0) : SemVer(major: v.major, minor: v.minor + 1, patch: 0)
            return [Comparator(op: .ge, version: v), Comparator(op: .lt, version: upper)]
        case ">=": return [Comparator(op: .ge, version: v)]
        case ">": return fields == 3 ? [Comparator(op: .gt, version: v)] : [Comparator(op: .ge, version: bump(v, fields: fields))]
        case "<": return [Comparator(op: .lt, version: v)]
        case "<=": return fields == 3 ? [Comparator(op: .le, version: v)] : [Comparator(op: .lt, version: bump(v, fields: fields))]
        default:
            if fields == 3 { return [Comparator(op: .eq, version: v)] }
            return [Comparator(op: .ge, version: v), Comparator(op: .lt, version: bump(v, fields: fields))]
        }
    }

    /// A version with 1 to 3 fields given (`1`, `1.2`, `1.2.x`); the count of fields given.
    public static func partial(_ token: String, in text: String) throws(ParseError) -> (SemVer, Int) {
        if let full = SemVer(token) { return (full, 3) }
        var s = Substring(token)
        if s.first == "v" || s.first == "V" { s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        var numbers: [Int] = []
        for part in parts {
            if part == "x" || part == "X" || part == "*" { break }
            guard let n = SemVer.number(part) else {
                throw ParseError(message: "\"\(token)\" in \"\(text)\" is not a version; write versions like 1.4 or 1.4.2")
            }
            numbers.append(n)
        }
        guard !numbers.isEmpty, parts.count <= 3 else {
            throw ParseError(message: "\"\(token)\" in \"\(text)\" is not a version; write versions like 1.4 or 1.4.2")
        }
        while numbers.count < 3 { numbers.append(0) }
        let given = min(3, parts.filter { $0 != "x" && $0 != "X" && $0 != "*" }.count)
        return (SemVer(major: numbers[0], minor: numbers[1], patch: numbers[2]), given)
    }

    static func bump(_ v: SemVer, fields: Int) -> SemVer {
        switch fields {
        case 1: SemVer(major: v.major + 1, minor: 0, patch: 0)
        case 2: SemVer(major: v.major, minor: v.minor + 1, patch: 0)
        default: SemVer(major: v.major, minor: v.minor, patch: v.patch + 1)
        }
    }
}
