/// Writes `JSONValue`s as block-style YAML, the way `kubectl get -o yaml` reads: keys in
/// stored order, strings quoted only when a plain scalar would read back as something else.
public enum YAMLWriter {
    public static func string(_ value: JSONValue) -> String {
        var out = ""
        out.reserveCapacity(512)
        switch value {
        case .object(let o) where !o.isEmpty:
            writeObject(o, indent: 0, into: &out)
        case .array(let a) where !a.isEmpty:
            writeArray(a, indent: 0, into: &out)
        default:
            // A literal block at the top still needs its lines indented.
            writeScalar(value, indent: 2, into: &out)
            out += "\n"
        }
        return out
    }

    /// Several documents separated by `---`.
    public static func documents(_ values: [JSONValue]) -> String {
        values.map { string($0) }.joined(separator: "---\n")
    }

    static func pad(_ n: Int, _ out: inout String) {
        for _ in 0..<n { out += " " }
    }

    static func isCollection(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let o): !o.isEmpty
        case .array(let a): !a.isEmpty
        default: false
        }
    }

    static func writeObject(_ object: JSONObject, indent: Int, into out: inout String, firstLineIndented: Bool = true) {
        var first = true
        for entry in object {
            if !first || firstLineIndented { pad(indent, &out) }
            first = false
            out += quoteIfNeeded(entry.key)
            out += ":"
            switch entry.value {
            case .object(let child) where !child.isEmpty:
                out += "\n"
                writeObject(child, indent: indent + 2, into: &out)
            case .array(let child) where !child.isEmpty:
                out += "\n"
                writeArray(child, indent: indent, into: &out)
            default:
                out += " "
                writeScalar(entry.value, indent: indent + 2, into: &out)
                out += "\n"
            }
        }
    }

    static func writeArray(_ array: [JSONValue], indent: Int, into out: inout String) {
        for element in array {
            pad(indent, &out)
            out += "- "
            switch element {
            case .object(let child) where !child.isEmpty:
                writeObject(child, indent: indent + 2, into: &out, firstLineIndented: false)
            case .array(let child) where !child.isEmpty:
                out += "\n"
                writeArray(child, indent: indent + 2, into: &out)
            default:
                writeScalar(element, indent: indent + 2, into: &out)
                out += "\n"
            }
        }
    }

    static func writeScalar(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d):
            if d.isNaN { out += ".nan" } else if d.isInfinite { out += d > 0 ? ".inf" : "-.inf" } else { out += JSONWriter.formatDouble(d) }
        case .string(let s): writeString(s, indent: indent, into: &out)
        case .array: out += "[]"
        case .object: out += "{}"
        }
    }

    static func writeString(_ s: String, indent: Int, into out: inout String) {
        if s.contains("\n"), canUseLiteralBlock(s) {
            out += s.hasSuffix("\n") ? (s.hasSuffix("\n\n") ? "|+" : "|") : "|-"
            var body = Substring(s)
            while body.hasSuffix("\n") { body = body.dropLast() }
            for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
                out += "\n"
                if !line.isEmpty { pad(indent, &out) }
                out += line
            }
            if s.hasSuffix("\n\n") {
                var extra = s.reversed().prefix { $0 == "\n" }.count - 1
                while extra > 0 { out += "\n"; extra -= 1 }
            }
            return
        }
        out += quoteIfNeeded(s)
    }

    /// A literal block keeps the text byte for byte only when no line starts with a space
    /// on the first line, and no line carries characters YAML would fold or strip.
    static func canUseLiteralBlock(_ s: String) -> Bool {
        if s.hasPrefix(" ") || s.hasPrefix("\n") { return false }
        for scalar in s.unicodeScalars where scalar == "\r" || scalar == "\t" || (scalar != "\n" && needsEscape(scalar)) {
            return false
        }
        for line in s.split(separator: "\n", omittingEmptySubsequences: false) where line.hasSuffix(" ") {
            return false
        }
        return true
    }

    /// The string as a plain scalar when that reads back as the same string, else double-quoted.
    public static func quoteIfNeeded(_ s: String) -> String {
        needsQuotes(s) ? doubleQuoted(s) : s
    }

    static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, let last = s.unicodeScalars.last else { return true }
        if case .string = YAMLDecoder.resolvePlain(s) {} else { return true }
        if " -?:,[]{}#&*!|>'\"%@`".unicodeScalars.contains(first) {
            // "-foo" and ":foo" are plain-safe in YAML, but quoting them is clearer and always safe.
            return true
        }
        if last == " " || last == ":" { return true }
        // "..." at the start of a line ends the document.
        if s.hasPrefix("...") { return true }
        var previous: Unicode.Scalar = " "
        for scalar in s.unicodeScalars {
            if needsEscape(scalar) { return true }
            if scalar == "#" && previous == " " { return true }
            if previous == ":" && scalar == " " { return true }
            previous = scalar
        }
        // Words YAML 1.1 readers take as booleans even where ours would not, and the merge key.
        switch s {
        case "y", "Y", "n", "N", "=", "<<": return true
        default: return false
        }
    }

    /// Whether a character must be written as an escape: libyaml refuses C0 and C1 controls,
    /// DEL, U+FFFE and U+FFFF anywhere in a document, reads NEL, U+2028 and U+2029 as line
    /// breaks, and drops a byte-order mark.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0x2027, 0x202A...0xFEFE, 0xFF00...0xFFFD, 0x10000...: false
        default: true
        }
    }

    static func doubleQuoted(_ s: String) -> String {
        var out = "\""
        appendEscaped(s, into: &out, escape: needsEscape)
        return out + "\""
    }
}
