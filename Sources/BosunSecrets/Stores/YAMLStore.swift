import BosunCore
import Foundation
import Yams

/// SOPS's YAML store: one branch per document, the `sops` block in every document (read from
/// the first), scalars typed as go-yaml v3 types them (so unencrypted values hash as SOPS
/// hashes them). Decrypted text is the file as written with each value and comment replaced in
/// place, so layout and comments survive.
enum YAMLStore {
    struct Loaded {
        var document: SopsDocument
        /// 1-based lines of each document's top-level `sops:` key, to cut from the plaintext.
        var sopsLines: [Int]
    }

    static func load(_ text: String) throws(SopsError) -> Loaded {
        let roots = try parse(text)
        var branches: [SopsNode] = []
        var metadataNode: SopsNode?
        var sopsLines: [Int] = []
        for root in roots {
            guard case .mapping(var entries) = root.node else {
                if case .null = root.node { branches.append(.mapping([])); continue }
                throw SopsError(.unreadable, "a YAML document is not a mapping; SOPS files hold mappings")
            }
            if let index = entries.firstIndex(where: { !$0.isComment && $0.key == "sops" }) {
                if metadataNode == nil { metadataNode = entries[index].value }
                entries.remove(at: index)
            }
            if let line = root.sopsLine { sopsLines.append(line) }
            branches.append(.mapping(entries))
        }
        guard let metadataNode else { throw SopsError(.unreadable, "no sops block: the file is not encrypted with SOPS") }
        return Loaded(document: SopsDocument(branches: branches, metadata: try SopsMetadata(metadataNode)), sopsLines: sopsLines)
    }

    /// Plain YAML (to encrypt): one branch per document, its full-line comments kept (SOPS
    /// encrypts them too), each before the key or item that follows it.
    static func loadPlain(_ text: String) throws(SopsError) -> [SopsNode] {
        var comments: YAMLComments?
        var roots = try parse(text, comments: &comments)
        if let leftover = comments?.rest(), !leftover.isEmpty, case .mapping(let entries)? = roots.last?.node {
            roots[roots.count - 1].node = .mapping(entries + leftover.map(SopsEntry.comment))
        }
        return try roots.map { root throws(SopsError) -> SopsNode in
            switch root.node {
            case .mapping: return root.node
            case .null: return .mapping([])
            default: throw SopsError(.unreadable, "a YAML document is not a mapping; SOPS encrypts mappings (wrap a list in a key)")
            }
        }
    }

    struct Root {
        var node: SopsNode
        var sopsLine: Int?
    }

    static func parse(_ text: String) throws(SopsError) -> [Root] {
        var none: YAMLComments?
        return try parse(text, comments: &none, keepComments: false)
    }

    /// `comments`: set to the text's comments, handed to the nodes as they are converted.
    static func parse(_ text: String, comments: inout YAMLComments?, keepComments: Bool = true) throws(SopsError) -> [Root] {
        var roots: [Root] = []
        do {
            let parser = try Parser(yaml: YAMLDecoder.withoutByteOrderMark(text), resolver: .basic)
            var nodes: [Node] = []
            while let node = try parser.nextRoot() { nodes.append(node) }
            comments = keepComments ? YAMLComments(text: text, roots: nodes) : nil
            var budget = 2_000_000
            for node in nodes {
                var sopsLine: Int?
                if case .mapping(let mapping) = node {
                    for (key, _) in mapping where key.string == "sops" { sopsLine = key.mark?.line }
                }
                roots.append(Root(node: try convert(node, depth: 0, budget: &budget, comments: comments), sopsLine: sopsLine))
            }
        } catch let error as SopsError {
            throw error
        } catch let error as YamlError {
            throw SopsError(.unreadable, "invalid YAML: \(describe(error))")
        } catch {
            throw SopsError(.unreadable, "invalid YAML: \(error)")
        }
        return roots
    }

    /// Where and what, without the snippet of the text Yams would quote.
    static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _), .composer(let context, let problem, let mark, _):
            return "line \(mark.line), column \(mark.column): \(context.map { "\($0.text) " } ?? "")\(problem)"
        case .duplicatedKeysInMapping(_, let context):
            return "line \(context.mark.line): a key appears twice in a mapping"
        case .dataCouldNotBeDecoded:
            return "the text is not valid UTF-8"
        default:
            return "the YAML could not be read"
        }
    }

    static func convert(_ node: Node, depth: Int, budget: inout Int, comments: YAMLComments? = nil) throws(SopsError) -> SopsNode {
        budget -= 1
        guard budget >= 0 else { throw SopsError(.unreadable, "the YAML expands to too many nodes (an alias bomb?)") }
        guard depth < 256 else { throw SopsError(.unreadable, "the YAML nests deeper than 256 levels") }
        switch node {
        case .scalar(let scalar):
            return resolve(scalar)
        case .sequence(let sequence):
            var items: [SopsNode] = []
            for child in sequence {
                items += (comments?.before(child.mark?.line) ?? []).map(SopsNode.comment)
                items.append(try convert(child, depth: depth + 1, budget: &budget, comments: comments))
            }
            return .sequence(items)
        case .mapping(let mapping):
            var entries: [SopsEntry] = []
            for (key, value) in mapping {
                entries += (comments?.before(key.mark?.line) ?? []).map(SopsEntry.comment)
                guard case .scalar(let keyScalar) = key else { throw SopsError(.unreadable, "a mapping key is not a scalar (line \(key.mark?.line ?? 0))") }
                entries.append(SopsEntry(key: keyScalar.string, value: try convert(value, depth: depth + 1, budget: &budget, comments: comments)))
            }
            return .mapping(entries)
        case .alias:
            throw SopsError(.unreadable, "an alias could not be resolved")
        }
    }

    /// go-yaml v3's typing of a scalar decoded into `interface{}`.
    static func resolve(_ scalar: Node.Scalar) -> SopsNode {
        let text = scalar.string
        switch scalar.tag.rawValue {
        case "tag:yaml.org,2002:str": return .scalar(.string(text))
        case "tag:yaml.org,2002:binary":
            let bytes = Data(base64Encoded: text, options: .ignoreUnknownCharacters).map { Array($0) } ?? Array(text.utf8)
            return .scalar(String(validating: bytes, as: UTF8.self).map(SopsScalar.string) ?? .bytes(bytes))
        case "tag:yaml.org,2002:timestamp": return .scalar(GoTime.normalized(text).map(SopsScalar.time) ?? .string(text))
        case "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null":
            return resolvePlain(text)
        case "", "?", "!":
            return scalar.style == .plain ? resolvePlain(text) : .scalar(.string(text))
        default:
            return .scalar(.string(text))
        }
    }

    static func resolvePlain(_ text: String) -> SopsNode {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .scalar(.bool(true))
        case "false", "False", "FALSE": return .scalar(.bool(false))
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .scalar(.float(.infinity))
        case "-.inf", "-.Inf", "-.INF": return .scalar(.float(-.infinity))
        case ".nan", ".NaN", ".NAN": return .scalar(.float(.nan))
        default: break
        }
        guard let first = text.utf8.first, (48...57).contains(first) || first == 45 || first == 43 || first == 46 else { return .scalar(.string(text)) }
        let plain = text.replacingOccurrences(of: "_", with: "")
        if let i = goParseInt(plain) { return .scalar(.int(i)) }
        if isYAMLFloat(plain), let d = Double(plain) { return .scalar(.float(d)) }
        return .scalar(.string(text))
    }

    /// `strconv.ParseInt(s, 0, 64)`: a sign, then `0x`, `0o`, `0b`, a leading `0` (octal) or decimal.
    static func goParseInt(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if let sign = body.first, sign == "-" || sign == "+" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard !body.isEmpty, body.first?.isNumber == true else { return nil }
        let lower = body.lowercased()
        let magnitude: UInt64?
        if lower.hasPrefix("0x") { magnitude = UInt64(lower.dropFirst(2), radix: 16) }
        else if lower.hasPrefix("0o") { magnitude = UInt64(lower.dropFirst(2), radix: 8) }
        else if lower.hasPrefix("0b") { magnitude = UInt64(lower.dropFirst(2), radix: 2) }
        else if lower.count > 1 && lower.hasPrefix("0") { magnitude = UInt64(lower.dropFirst(), radix: 8) }
        else { magnitude = UInt64(lower, radix: 10) }
        guard let magnitude else { return nil }
        if negative { return magnitude <= UInt64(Int.max) + 1 ? Int(truncatingIfNeeded: 0 &- magnitude) : nil }
        return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
    }

    /// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
    static func isYAMLFloat(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if let sign = bytes.first, sign == 45 || sign == 43 { bytes = bytes.dropFirst() }
        func digits() -> Int {
            var count = 0
            while let b = bytes.first, b >= 48, b <= 57 { bytes = bytes.dropFirst(); count += 1 }
            return count
        }
        if bytes.first == 46 {
            bytes = bytes.dropFirst()
            guard digits() > 0 else { return false }
        } else {
            guard digits() > 0 else { return false }
            if bytes.first == 46 {
                bytes = bytes.dropFirst()
                _ = digits()
            }
        }
        if let e = bytes.first, e == 101 || e == 69 {
            bytes = bytes.dropFirst()
            if let sign = bytes.first, sign == 45 || sign == 43 { bytes = bytes.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return bytes.isEmpty
    }
}

/// The full-line comments of a plain YAML text, handed out in line order to the key or list item
/// that follows each (what libyaml does not report). Lines inside block scalars are content, not
/// comments. Made and used by one parse.
final class YAMLComments {
    private var pending: [(line: Int, text: String)]
    private var next = 0

    init(text: String, roots: [Node]) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        // Where each node starts, in document order, and which are block scalars.
        var starts: [(line: Int, block: Bool)] = []
        func walk(_ node: Node) {
            switch node {
            case .scalar(let scalar): starts.append((scalar.mark?.line ?? 0, scalar.style == .literal || scalar.style == .folded))
            case .sequence(let sequence): for child in sequence { walk(child) }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    starts.append((key.mark?.line ?? 0, false))
                    walk(value)
                }
            case .alias: break
            }
        }
        for root in roots { walk(root) }
        var content = Set<Int>()
        for (i, start) in starts.enumerated() where start.block {
            let end = starts[(i + 1)...].first { $0.line > start.line }?.line ?? lines.count + 1
            let body = (start.line + 1)..<end
            let indent = body.lazy.compactMap { n -> Int? in
                guard n - 1 < lines.count else { return nil }
                let line = lines[n - 1]
                return line.trimmingCharacters(in: .whitespaces).isEmpty ? nil : line.prefix { $0 == " " }.count
            }.first ?? 0
            for n in body where n - 1 < lines.count && lines[n - 1].prefix(while: { $0 == " " }).count >= indent { content.insert(n) }
        }
        pending = lines.enumerated().compactMap { index, line in
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            guard trimmed.first == "#", !content.contains(index + 1) else { return nil }
            return (index + 1, String(trimmed.dropFirst()))
        }
    }

    /// The comments on lines before `line`, not handed out yet.
    func before(_ line: Int?) -> [String] {
        guard let line else { return [] }
        var out: [String] = []
        while next < pending.count, pending[next].line < line {
            out.append(pending[next].text)
            next += 1
        }
        return out
    }

    /// The comments after the last node.
    func rest() -> [String] {
        defer { next = pending.count }
        return pending[next...].map(\.text)
    }
}
