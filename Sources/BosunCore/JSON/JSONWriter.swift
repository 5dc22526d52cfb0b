import Foundation

extension JSONValue {
    /// Compact JSON text, keys in stored order.
    public func jsonString() -> String {
        var out = ""
        out.reserveCapacity(256)
        JSONWriter.write(self, into: &out, indent: nil, level: 0, sortKeys: false)
        return out
    }

    /// Indented JSON text (two spaces), as people read it.
    public func prettyJSONString(sortKeys: Bool = false) -> String {
        var out = ""
        JSONWriter.write(self, into: &out, indent: "  ", level: 0, sortKeys: sortKeys)
        return out
    }

    public func jsonData() -> Data { Data(jsonString().utf8) }
}

enum JSONWriter {
    static func write(_ value: JSONValue, into out: inout String, indent: String?, level: Int, sortKeys: Bool) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .double(let d): out += formatDouble(d)
        case .string(let s): writeString(s, into: &out)
        case .array(let elements):
            if elements.isEmpty { out += "[]"; return }
            out += "["
            for (i, element) in elements.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent: indent, level: level + 1)
                write(element, into: &out, indent: indent, level: level + 1, sortKeys: sortKeys)
            }
            newline(&out, indent: indent, level: level)
            out += "]"
        case .object(let object):
            if object.isEmpty { out += "{}"; return }
            out += "{"
            let entries = sortKeys ? object.sortedByKey().entries : object.entries
            for (i, entry) in entries.enumerated() {
                if i > 0 { out += "," }
                newline(&out, indent: indent, level: level + 1)
                writeString(entry.key, into: &out)
                out += indent == nil ? ":" : ": "
                write(entry.value, into: &out, indent: indent, level: level + 1, sortKeys: sortKeys)
            }
            newline(&out, indent: indent, level: level)
            out += "}"
        }
    }

    static func newline(_ out: inout String, indent: String?, level: Int) {
        guard let indent else { return }
        out += "\n"
        for _ in 0..<level { out += indent }
    }

    static func formatDouble(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d.rounded() == d && abs(d) < 1e15 { return String(Int(d)) }
        return "\(d)"
    }

    static func writeString(_ s: String, into out: inout String) {
        out += "\""
        var needsEscaping = false
        for byte in s.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            needsEscaping = true
            break
        }
        if !needsEscaping {
            out += s
        } else {
            appendEscaped(s, into: &out) { $0.value < 0x20 }
        }
        out += "\""
    }
}

/// Appends `s` with JSON's backslash escapes; scalars for which `escape` holds become `\uXXXX`.
/// (YAML's double-quoted style takes the same escapes.)
func appendEscaped(_ s: String, into out: inout String, escape: (Unicode.Scalar) -> Bool) {
    for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        default:
            if escape(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
}
