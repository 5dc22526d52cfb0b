import Foundation

/// SOPS's dotenv store: `KEY=value` lines (`\n` escaped), `#` comments, the metadata flattened
/// into `sops_…` keys (`sops_age__list_0__map_recipient=…`).
enum DotenvStore {
    static func loadPlain(_ text: String) throws(SopsError) -> [SopsEntry] {
        var entries: [SopsEntry] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            if line.first == "#" {
                entries.append(.comment(String(line.dropFirst())))
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw SopsError(.unreadable, "dotenv line \(index + 1) has no '='")
            }
            let value = String(line[line.index(after: equals)...]).replacingOccurrences(of: "\\n", with: "\n")
            entries.append(SopsEntry(key: String(line[..<equals]), value: .scalar(.string(value))))
        }
        return entries
    }

    static func load(_ text: String) throws(SopsError) -> SopsDocument {
        var data: [SopsEntry] = []
        var flat: [(String, SopsNode)] = []
        for entry in try loadPlain(text) {
            if !entry.isComment && entry.key.hasPrefix("sops_") { flat.append((String(entry.key.dropFirst(5)), entry.value)) } else { data.append(entry) }
        }
        guard !flat.isEmpty else { throw SopsError(.unreadable, "no sops_ lines: the file is not encrypted with SOPS") }
        return SopsDocument(branches: [.mapping(data)], metadata: try SopsMetadata(try unflatten(flat)))
    }

    static func emit(_ entries: [SopsEntry]) throws(SopsError) -> String {
        var out = ""
        for entry in entries {
            if entry.isComment { out += "#\(entry.key)\n"; continue }
            switch entry.value {
            case .mapping, .sequence: throw SopsError(.unreadable, "dotenv cannot hold the nested value of \(entry.key)")
            case .scalar(let s): out += "\(entry.key)=\(s.text.replacingOccurrences(of: "\n", with: "\\n"))\n"
            case .null, .comment: out += "\(entry.key)=\n"
            }
        }
        return out
    }

    /// `sops_` lines for a metadata block: nested keys joined with `__map_`, list items with `__list_N`.
    static func flatten(_ node: SopsNode, prefix: String, into out: inout [SopsEntry]) {
        switch node {
        case .mapping(let entries):
            for entry in entries where !entry.isComment { flatten(entry.value, prefix: prefix + (prefix == "sops_" ? "" : "__map_") + entry.key, into: &out) }
        case .sequence(let items):
            for (i, item) in items.enumerated() { flatten(item, prefix: prefix + "__list_\(i)", into: &out) }
        default:
            out.append(SopsEntry(key: prefix, value: node))
        }
    }

    static func unflatten(_ flat: [(String, SopsNode)]) throws(SopsError) -> SopsNode {
        final class Box {
            var value: SopsNode?
            var keys: [String: Box] = [:]
            var order: [String] = []
            var items: [Int: Box] = [:]
        }
        let root = Box()
        for (key, value) in flat {
            var current = root
            for token in tokens(key) {
                switch token {
                case .key(let name):
                    if current.keys[name] == nil { current.keys[name] = Box(); current.order.append(name) }
                    current = current.keys[name] ?? Box()
                case .index(let i):
                    if current.items[i] == nil { current.items[i] = Box() }
                    current = current.items[i] ?? Box()
                }
            }
            guard current.value == nil else { throw SopsError(.unreadable, "the sops_ lines repeat the key sops_\(key)") }
            current.value = value
        }
        func build(_ box: Box) throws(SopsError) -> SopsNode {
            if let value = box.value { return value }
            if !box.keys.isEmpty {
                var entries: [SopsEntry] = []
                for name in box.order.sorted() { entries.append(SopsEntry(key: name, value: try build(box.keys[name] ?? Box()))) }
                return .mapping(entries)
            }
            guard !box.items.isEmpty else { return .mapping([]) }
            guard box.items.keys.sorted() == Array(0..<box.items.count) else { throw SopsError(.unreadable, "the sops_ lines have an incomplete list") }
            var items: [SopsNode] = []
            for i in 0..<box.items.count { items.append(try build(box.items[i] ?? Box())) }
            return .sequence(items)
        }
        return try build(root)
    }

    enum Token { case key(String), index(Int) }

    static func tokens(_ path: String) -> [Token] {
        var tokens: [Token] = []
        var rest = Substring(path)
        var isIndex = false
        while true {
            let map = rest.range(of: "__map_")
            let list = rest.range(of: "__list_")
            let next = [map, list].compactMap { $0 }.min { $0.lowerBound < $1.lowerBound }
            let part = next.map { rest[..<$0.lowerBound] } ?? rest
            tokens.append(isIndex ? .index(Int(part) ?? -1) : .key(String(part)))
            guard let next else { break }
            isIndex = next == list
            rest = rest[next.upperBound...]
        }
        return tokens
    }
}
