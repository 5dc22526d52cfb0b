import Foundation
import Yams

/// An error in a YAML text, with where it was found.
public struct YAMLParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var line: Int
    public var column: Int
    public var description: String { line > 0 ? "line \(line), column \(column): \(message)" : message }
}

/// One document of a multi-document YAML stream.
public struct YAMLDocument: Sendable {
    public var value: JSONValue
    /// 1-based line of the document's first node.
    public var line: Int
    public init(value: JSONValue, line: Int) {
        self.value = value
        self.line = line
    }
}

/// Turns YAML into `JSONValue`s, with limits that keep hostile input (deep nesting, alias
/// bombs) from costing unbounded time or memory.
public struct YAMLDecoder: Sendable {
    public var maxDepth = 256
    /// The most nodes one stream may expand to, counting aliases each time they are used.
    public var maxNodes = 2_000_000

    public init() {}

    /// Every non-empty document in `text`.
    public func documents(_ text: String) throws(YAMLParseError) -> [YAMLDocument] {
        var budget = maxNodes
        var result: [YAMLDocument] = []
        do {
            // The basic resolver: scalars are resolved below, and the default one runs ICU regexes on
            // every key and value (half the time of a plain render, and megabytes of resident memory).
            let parser = try Parser(yaml: Self.withoutByteOrderMark(text), resolver: .basic)
            while let node = try parser.nextRoot() {
                let value = try convert(node, depth: 0, budget: &budget)
                if value.isNull { continue }
                result.append(YAMLDocument(value: value, line: node.mark?.line ?? 1))
            }
        } catch let error as YAMLParseError {
            throw error
        } catch {
            throw Self.describe(error)
        }
        return result
    }

    /// The text without a leading byte-order mark, which editors on Windows write and the YAML
    /// reader would otherwise take as content.
    public static func withoutByteOrderMark(_ text: String) -> String {
        text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
    }

    /// Exactly one document (or null for an empty text).
    public func value(_ text: String) throws(YAMLParseError) -> JSONValue {
        let docs = try documents(text)
        if docs.count > 1 {
            throw YAMLParseError(message: "expected one YAML document, found \(docs.count)", line: docs[1].line, column: 1)
        }
        return docs.first?.value ?? .null
    }

    func convert(_ node: Node, depth: Int, budget: inout Int) throws -> JSONValue {
        budget -= 1
        if budget < 0 {
            throw YAMLParseError(
                message: "document expands to more than \(maxNodes) nodes (an alias bomb?)",
                line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        }
        if depth > maxDepth {
            throw YAMLParseError(
                message: "nesting deeper than \(maxDepth) levels", line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        }
        switch node {
        case .scalar(let scalar):
            return Self.resolve(scalar)
        case .sequence(let sequence):
            var elements: [JSONValue] = []
            elements.reserveCapacity(sequence.count)
            for child in sequence { elements.append(try convert(child, depth: depth + 1, budget: &budget)) }
            return .array(elements)
        case .mapping(let mapping):
            var entries: [JSONObject.Entry] = []
            entries.reserveCapacity(mapping.count)
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw YAMLParseError(
                        message: "a mapping key must be a scalar", line: key.mark?.line ?? 0, column: key.mark?.column ?? 0)
                }
                let converted = try convert(value, depth: depth + 1, budget: &budget)
                if keyScalar.string == "<<" && keyScalar.style == .plain {
                    // Merge key: members of the merged mapping(s) that are not set here.
                    let sources: [JSONValue] = converted.arrayValue ?? [converted]
                    for source in sources {
                        for entry in source.objectValue ?? JSONObject() where !entries.contains(where: { $0.key == entry.key }) {
                            entries.append(entry)
                        }
                    }
                    continue
                }
                entries.append(JSONObject.Entry(key: keyScalar.string, value: converted))
            }
            return .object(JSONObject(entries))
        case .alias(let alias):
            throw YAMLParseError(
                message: "unresolved alias \(alias.anchor.rawValue)", line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        }
    }

    /// YAML 1.1 scalar resolution as Kubernetes' YAML reader does it: plain scalars may be
    /// null, booleans or numbers; quoted ones and `!!str` are strings.
    static func resolve(_ scalar: Node.Scalar) -> JSONValue {
        let text = scalar.string
        let tag = scalar.tag.rawValue
        if tag == "tag:yaml.org,2002:str" { return .string(text) }
        if tag == "tag:yaml.org,2002:int", let i = parseInt(text) { return .int(i) }
        if tag == "tag:yaml.org,2002:float", let d = parseDouble(text) { return .double(d) }
        if tag == "tag:yaml.org,2002:bool", let b = parseBool(text) { return .bool(b) }
        if tag == "tag:yaml.org,2002:null" { return .null }
        guard scalar.style == .plain, tag.isEmpty else { return .string(text) }
        return resolvePlain(text)
    }

    public static func resolvePlain(_ text: String) -> JSONValue {
        guard let first = text.utf8.first else { return .null }
        switch first {
        case UInt8(ascii: "~"):
            if text == "~" { return .null }
        case UInt8(ascii: "n"), UInt8(ascii: "N"):
            if text == "null" || text == "Null" || text == "NULL" { return .null }
            if let b = parseBool(text) { return .bool(b) }
        case UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "y"),
            UInt8(ascii: "Y"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            if let b = parseBool(text) { return .bool(b) }
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."):
            if let i = parseInt(text) { return .int(i) }
            if let d = parseDouble(text) { return .double(d) }
        default:
            break
        }
        return .string(text)
    }

    static func parseBool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON": true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF": false
        default: nil
        }
    }

    static func parseInt(_ text: String) -> Int? {
        var body = Substring(text)
        var negative = false
        if body.first == "-" || body.first == "+" {
            negative = body.first == "-"
            body = body.dropFirst()
        }
        guard let first = body.first, first.isASCII, first.isNumber else { return nil }
        let value: Int?
        if body.hasPrefix("0x") {
            value = Int(body.dropFirst(2), radix: 16)
        } else if body.hasPrefix("0o") {
            value = Int(body.dropFirst(2), radix: 8)
        } else if body.count > 1 && body.hasPrefix("0") && body.allSatisfy({ $0 >= "0" && $0 <= "7" }) {
            value = Int(body.dropFirst(), radix: 8)
        } else {
            guard body.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            value = Int(body)
        }
        guard let value else { return nil }
        return negative ? -value : value
    }

    static func parseDouble(_ text: String) -> Double? {
        switch text {
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .infinity
        case "-.inf", "-.Inf", "-.INF": return -.infinity
        case ".nan", ".NaN", ".NAN": return .nan
        default: break
        }
        // Only decimal notation: "1e3", "1.5", "-.5"; not "0x1p3" or "infinity" that Double(_:) takes.
        var sawDigit = false
        for c in text.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"), UInt8(ascii: "-"), UInt8(ascii: "+"): break
            default: return nil
            }
        }
        guard sawDigit else { return nil }
        return Double(text)
    }

    static func describe(_ error: any Error) -> YAMLParseError {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
                .composer(let context, let problem, let mark, _):
                let detail = context.map { "\($0.text) " } ?? ""
                return YAMLParseError(message: "\(detail)\(problem)".trimmingCharacters(in: .whitespaces),
                                      line: mark.line, column: mark.column)
            case .duplicatedKeysInMapping(let duplicates, let context):
                return YAMLParseError(message: "duplicate key \(duplicates.map { "\"\($0)\"" }.joined(separator: ", ")) in a mapping",
                                      line: context.mark.line, column: context.mark.column)
            case .reader(let problem, let offset, _, _):
                return YAMLParseError(message: "\(problem)\(offset.map { " at byte \($0)" } ?? "")", line: 0, column: 0)
            case .dataCouldNotBeDecoded:
                return YAMLParseError(message: "the text is not valid UTF-8", line: 0, column: 0)
            default:
                return YAMLParseError(message: "\(yaml)", line: 0, column: 0)
            }
        }
        return YAMLParseError(message: "\(error)", line: 0, column: 0)
    }
}
