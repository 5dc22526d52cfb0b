import Crypto
import Foundation

/// Writes SOPS trees as block YAML (four-space indent, as sops writes), and turns an encrypted
/// YAML text into its plaintext by replacing each encrypted value and comment where it stands.
enum YAMLEmitter {
    /// Documents separated by `---`.
    static func emit(_ branches: [SopsNode]) -> String {
        branches.map { branch -> String in
            var out = ""
            if case .mapping(let entries) = branch, !entries.isEmpty {
                writeMapping(entries, indent: 0, into: &out)
            } else {
                out += "{}\n"
            }
            return out
        }.joined(separator: "---\n")
    }

    static func pad(_ n: Int) -> String { String(repeating: " ", count: n) }

    static func writeMapping(_ entries: [SopsEntry], indent: Int, into out: inout String) {
        for entry in entries {
            if entry.isComment {
                out += pad(indent) + "#" + entry.key + "\n"
                continue
            }
            out += pad(indent) + key(entry.key) + ":"
            writeValue(entry.value, indent: indent, into: &out)
        }
    }

    /// A value after `key:` or `- `: nested blocks on the next lines, scalars on the same line.
    static func writeValue(_ value: SopsNode, indent: Int, into out: inout String) {
        switch value {
        case .mapping(let entries) where entries.contains(where: { !$0.isComment }):
            out += "\n"
            writeMapping(entries, indent: indent + 4, into: &out)
        case .sequence(let items) where items.contains(where: { if case .comment = $0 { false } else { true } }):
            out += "\n"
            writeSequence(items, indent: indent + 4, into: &out)
        case .mapping: out += " {}\n"
        case .sequence: out += " []\n"
        case .scalar(.string(let s)) where s.contains("\n") && blockSafe(s):
            out += " " + block(s, indent: indent + 4) + "\n"
        default:
            out += " " + inline(value) + "\n"
        }
    }

    static func writeSequence(_ items: [SopsNode], indent: Int, into out: inout String) {
        for item in items {
            if case .comment(let text) = item {
                out += pad(indent) + "#" + text + "\n"
                continue
            }
            out += pad(indent) + "-"
            switch item {
            case .mapping(let entries) where entries.contains(where: { !$0.isComment }):
                // The first member on the dash's line, the rest under it.
                var nested = ""
                writeMapping(entries, indent: indent + 2, into: &nested)
                out += " " + nested.dropFirst(indent + 2)
            default:
                writeValue(item, indent: indent - 2, into: &out)
            }
        }
    }

    /// A literal block (`|`, `|-`, `|+`) for multi-line text that needs no escapes.
    static func block(_ s: String, indent: Int) -> String {
        // Chomping: `-` keeps no final newline, none keeps one, `+` keeps several.
        let chomp = !s.hasSuffix("\n") ? "-" : s.hasSuffix("\n\n") ? "+" : ""
        let body = s.hasSuffix("\n") ? s.dropLast() : Substring(s)
        var out = "|" + chomp
        for line in body.split(separator: "\n", omittingEmptySubsequences: false) {
            out += "\n" + (line.isEmpty ? "" : pad(indent) + line)
        }
        return out
    }

    static func blockSafe(_ s: String) -> Bool {
        guard let first = s.first, first != " ", first != "\t", first != "\n" else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "\n" || ($0.value >= 0x20 && $0.value != 0x7f) } && !s.contains("\r")
    }

    static func key(_ text: String) -> String { plainSafe(text) ? text : quoted(text) }

    /// A scalar as it can stand anywhere a flow scalar can.
    static func inline(_ node: SopsNode) -> String {
        switch node {
        case .null: return "null"
        case .scalar(let scalar):
            switch scalar {
            case .string(let s): return plainSafe(s) ? s : quoted(s)
            case .bytes(let b): let s = String(decoding: b, as: UTF8.self); return plainSafe(s) ? s : quoted(s)
            case .int(let i): return String(i)
            case .float(let d):
                if d.isNaN { return ".nan" }
                if d.isInfinite { return d < 0 ? "-.inf" : ".inf" }
                let text = SopsScalar.goFloat(d)
                return text.contains(".") ? text : text + ".0"
            case .bool(let b): return b ? "true" : "false"
            case .time(let t): return t
            }
        case .mapping: return "{}"
        case .sequence: return "[]"
        case .comment(let c): return quoted(c)
        }
    }

    /// Whether `s` reads back as the same string when written plain, in any context, under
    /// YAML 1.1 and 1.2 alike.
    static func plainSafe(_ s: String) -> Bool {
        let bytes = s.utf8
        guard let first = bytes.first, let last = bytes.last else { return false }
        if first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09 || last == UInt8(ascii: ":") { return false }
        if Self.indicators.contains(first) { return false }
        let token = first == UInt8(ascii: "E") && s.hasPrefix("ENC[AES256_GCM,")
        var previous: UInt8 = 0
        var ascii = true
        for byte in bytes {
            if byte < 0x20 || byte == 0x7f { return false }
            if byte >= 0x80 { ascii = false }
            if !token && Self.flow.contains(byte) { return false }
            // ": " and " #" end a plain scalar.
            if (previous == UInt8(ascii: ":") && byte == 0x20) || (previous == 0x20 && byte == UInt8(ascii: "#")) { return false }
            previous = byte
        }
        if !ascii && s.unicodeScalars.contains(where: { [0x85, 0xFEFF, 0x2028, 0x2029].contains($0.value) }) { return false }
        // Anything another reader might take as null, a boolean, a number or a time.
        if bytes.count <= 6, Self.specialWords.contains(s.lowercased()) { return false }
        if Self.numberStarts.contains(first) {
            if case .scalar(let resolved) = YAMLStore.resolvePlain(s), case .string = resolved {} else { return false }
            let lower = s.lowercased()
            if lower.count >= 8, lower.unicodeScalars.prefix(4).allSatisfy({ $0.value >= 48 && $0.value <= 57 }), lower.dropFirst(4).first == "-" { return false }
            if Double(lower) != nil || lower.allSatisfy({ $0.isNumber || $0 == "_" || $0 == ":" || $0 == "." }) { return false }
        }
        return true
    }

    static let indicators = Set("-?:,[]{}#&*!|>'\"%@`".utf8)
    static let flow = Set(",[]{}".utf8)
    static let numberStarts = Set("0123456789+-.".utf8)
    static let specialWords: Set<String> = ["null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", ".inf", "+.inf", "-.inf", ".nan", "<<", "="]

    /// A double-quoted scalar; escapes make any text safe.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f || scalar.value == 0x85 || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xfeff {
                    out += scalar.value <= 0xff ? String(format: "\\x%02X", scalar.value) : String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: Plaintext in place

    /// The encrypted `text` with every decrypted value and comment written where it stood and
    /// the `sops` blocks removed. nil when a value cannot be found in the text (then the tree
    /// is emitted afresh).
    static func plaintext(of text: String, loaded: YAMLStore.Loaded, plain: [SopsNode], dataKey: SymmetricKey) -> String? {
        var replacements: [String: String] = [:]
        var paths: Set<String> = [":"]
        for (encrypted, decrypted) in zip(loaded.document.branches, plain) {
            collect(encrypted, decrypted, path: [], into: &replacements, paths: &paths)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        // Cut each `sops:` block: from its line to the next line at column one (or `---`).
        var keep = [Bool](repeating: true, count: lines.count)
        for start in loaded.sopsLines where start >= 1 && start <= lines.count {
            guard lines[start - 1].hasPrefix("sops:") else { return nil }
            keep[start - 1] = false
            var i = start
            while i < lines.count, i < lines.count - 1 || !lines[i].isEmpty, lines[i].isEmpty || lines[i].first == " " || lines[i].first == "\t" {
                keep[i] = false
                i += 1
            }
        }
        var out = zip(lines, keep).filter(\.1).map(\.0).joined(separator: "\n")
        var found = Set<String>()
        var result = ""
        var rest = Substring(out)
        while let range = rest.range(of: "ENC[AES256_GCM,") {
            guard let close = rest[range.upperBound...].firstIndex(of: "]") else { break }
            let token = String(rest[range.lowerBound...close])
            var before = rest[..<range.lowerBound]
            var after = rest[rest.index(after: close)...]
            if before.last == "#" {
                result += before + decryptComment(token, paths: paths, key: dataKey)
            } else if let plainText = replacements[token] {
                if let quote = before.last, quote == "\"" || quote == "'", after.first == quote {
                    before = before.dropLast()
                    after = after.dropFirst()
                }
                result += before + plainText
                found.insert(token)
            } else {
                result += before + token
            }
            rest = after
        }
        result += rest
        out = result
        return found.count == replacements.count ? out : nil
    }

    static func collect(_ encrypted: SopsNode, _ decrypted: SopsNode, path: [String], into replacements: inout [String: String], paths: inout Set<String>) {
        switch (encrypted, decrypted) {
        case (.mapping(let a), .mapping(let b)):
            paths.insert(path.joined(separator: ":") + ":")
            for (x, y) in zip(a, b) where !x.isComment {
                collect(x.value, y.value, path: path + [x.key], into: &replacements, paths: &paths)
            }
        case (.sequence(let a), .sequence(let b)):
            paths.insert(path.joined(separator: ":") + ":")
            for (x, y) in zip(a, b) { collect(x, y, path: path, into: &replacements, paths: &paths) }
        case (.scalar(.string(let token)), _) where ValueCipher.isToken(token) && encrypted != decrypted:
            if case .scalar(.string(let s)) = decrypted, s.contains("\n"), blockSafe(s) {
                // Inline: a literal block would need the indentation of the line it sits on.
                replacements[token] = quoted(s)
            } else {
                replacements[token] = inline(decrypted)
            }
        default:
            break
        }
    }

    /// An encrypted comment's text, tried against each path of the tree (the comment's path is
    /// its mapping's or list's); one that does not open is kept as written.
    static func decryptComment(_ token: String, paths: Set<String>, key: SymmetricKey) -> String {
        for path in paths {
            if let plain = try? ValueCipher.decrypt(token, key: key, path: path) { return plain.text }
        }
        return token
    }
}
