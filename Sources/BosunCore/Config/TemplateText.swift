/// `{{name}}` placeholders in the strings of an application set's template. Only names are
/// allowed (no expressions): what a placeholder means is visible at a glance, and a missing
/// parameter is an error instead of an empty string.
public enum TemplateText {
    /// A placeholder that names no parameter of the entry.
    public struct MissingParameter: Error, Sendable, Hashable {
        public var name: String
        public var known: [String]
    }

    /// A placeholder that is not `{{ name }}`.
    public struct Malformed: Error, Sendable, Hashable, CustomStringConvertible {
        public var text: String
        public var description: String { "\(text.debugDescription) has a placeholder that is not {{name}} (unclosed, empty or with spaces inside the name)" }
    }

    /// The parameter names used in `text`, in order.
    public static func placeholders(in text: String) throws(Malformed) -> [String] {
        var names: [String] = []
        try scan(text) { names.append($0); return "" }
        return names
    }

    public static func hasPlaceholders(_ text: String) -> Bool { text.contains("{{") }

    /// `text` with every placeholder replaced by its parameter.
    public static func substitute(_ text: String, _ parameters: [String: String]) throws -> String {
        guard text.contains("{{") else { return text }
        var missing: String?
        let result = try scan(text) { name in
            if let value = parameters[name] { return value }
            if missing == nil { missing = name }
            return ""
        }
        if let missing { throw MissingParameter(name: missing, known: parameters.keys.sorted()) }
        return result
    }

    /// Walks the placeholders of `text`, building the text with each replaced by `replace(name)`.
    @discardableResult
    static func scan(_ text: String, _ replace: (String) -> String) throws(Malformed) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "}}") else { throw Malformed(text: text) }
            let name = after[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard isName(name) else { throw Malformed(text: text) }
            output += replace(name)
            rest = after[close.upperBound...]
        }
        output += rest
        return output
    }

    /// Letters, digits, `_`, `-`, `.` and `[N]` (as in `path.segments[1]`).
    static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "_-.[]".contains($0) }
    }
}

/// A path glob over `/`-separated paths: `*` and `?` inside one segment, `**` for any number of
/// segments (none included).
public struct PathGlob: Sendable, Hashable, CustomStringConvertible {
    public let pattern: String
    let segments: [Substring]

    public init(_ pattern: String) {
        self.pattern = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: true).filter { $0 != "." }
    }

    public var description: String { pattern }

    /// Why the pattern cannot be used, when it cannot (absolute, or leaving the repository).
    public static func problem(_ pattern: String) -> String? {
        if pattern.isEmpty { return "an empty pattern matches nothing" }
        if pattern.hasPrefix("/") { return "\"\(pattern)\" is absolute; patterns are relative to the repository root" }
        if pattern.split(separator: "/").contains("..") { return "\"\(pattern)\" leaves the repository" }
        return nil
    }

    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return Self.match(segments[...], parts[...])
    }

    static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            var candidate = path
            while true {
                if match(rest, candidate) { return true }
                guard !candidate.isEmpty else { return false }
                candidate = candidate.dropFirst()
            }
        }
        guard let segment = path.first, matchSegment(Array(first.utf8)[...], Array(segment.utf8)[...]) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` any run of bytes, `?` one byte, anything else itself.
    static func matchSegment(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex
        var t = text.startIndex
        var star: (p: Int, t: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex, pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t] {
                p += 1
                t += 1
            } else if p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") {
                star = (p, t)
                p += 1
            } else if let s = star {
                p = s.p + 1
                t = s.t + 1
                star = (s.p, s.t + 1)
            } else {
                return false
            }
        }
        while p < pattern.endIndex, pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }

    /// The fixed folder before the first wildcard (`apps/` of `apps/*/config.yaml`): only paths
    /// under it can match.
    public var fixedPrefix: String {
        var fixed: [Substring] = []
        for segment in segments {
            if segment.contains("*") || segment.contains("?") { break }
            fixed.append(segment)
        }
        if !fixed.isEmpty && fixed.count == segments.count { fixed.removeLast() }
        return fixed.joined(separator: "/")
    }
}
