import BosunCore
import Foundation

/// The subset of Nomad's `filter` query language (go-bexpr) the simulator evaluates:
/// selectors such as `Name`, `Meta.team` or `Meta["bosun.app"]`; operators `==`, `!=`,
/// `contains`, `not contains`, `in`, `not in`, `is empty`, `is not empty`, `matches`,
/// `not matches`; combined with `and`, `or`, `not` and parentheses.
public struct FilterExpression: Sendable {
    indirect enum Node: Sendable {
        case and(Node, Node)
        case or(Node, Node)
        case not(Node)
        case match(selector: [String], op: String, value: String?)
    }

    let root: Node

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    public init(_ text: String) throws(ParseError) {
        var parser = Parser(tokens: try Self.tokenize(text))
        root = try parser.parseOr()
        guard parser.position == parser.tokens.count else {
            throw ParseError(description: "unexpected \"\(parser.tokens[parser.position].text)\" in filter expression")
        }
    }

    /// Whether the JSON object (a job, an allocation, ...) satisfies the expression.
    public func matches(_ value: JSONValue) -> Bool { Self.evaluate(root, value) }

    private static func evaluate(_ node: Node, _ value: JSONValue) -> Bool {
        switch node {
        case .and(let a, let b): return evaluate(a, value) && evaluate(b, value)
        case .or(let a, let b): return evaluate(a, value) || evaluate(b, value)
        case .not(let a): return !evaluate(a, value)
        case .match(let selector, let op, let literal):
            var current: JSONValue? = value
            for key in selector { current = current?[key] }
            let text = current.flatMap(Self.text)
            switch op {
            case "==": return text == literal
            case "!=": return text != literal
            case "is empty": return current.map { $0.isEmptyCollection || $0 == .string("") } ?? true
            case "is not empty": return !(current.map { $0.isEmptyCollection || $0 == .string("") } ?? true)
            case "contains", "not contains":
                let found: Bool
                switch current {
                case .array(let items)?: found = items.contains { Self.text($0) == literal }
                case .object(let object)?: found = object[literal ?? ""] != nil
                case .string(let s)?: found = s.contains(literal ?? "")
                default: found = false
                }
                return op == "contains" ? found : !found
            case "in", "not in":
                let found: Bool
                switch current {
                case .array(let items)?: found = items.contains { Self.text($0) == literal }
                case .object(let object)?: found = object[literal ?? ""] != nil
                case .string(let s)?: found = s.contains(literal ?? "")
                default: found = false
                }
                return op == "in" ? found : !found
            case "matches", "not matches":
                let found = text.map { $0.range(of: literal ?? "", options: .regularExpression) != nil } ?? false
                return op == "matches" ? found : !found
            default: return false
            }
        }
    }

    private static func text(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    struct Token {
        enum Kind { case word, string, symbol }
        var kind: Kind
        var text: String
    }

    private static func tokenize(_ text: String) throws(ParseError) -> [Token] {
        var tokens: [Token] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            let c = chars[i]
            if c.isWhitespace {
                i += 1
            } else if c == "\"" || c == "`" {
                var s = ""
                i += 1
                while i < chars.count && chars[i] != c {
                    if c == "\"" && chars[i] == "\\" && i + 1 < chars.count { i += 1 }
                    s.append(chars[i])
                    i += 1
                }
                guard i < chars.count else { throw ParseError(description: "unterminated string in filter expression") }
                i += 1
                tokens.append(Token(kind: .string, text: s))
            } else if "()[].".contains(c) {
                tokens.append(Token(kind: .symbol, text: String(c)))
                i += 1
            } else if c == "=" || c == "!" {
                guard i + 1 < chars.count, chars[i + 1] == "=" else {
                    throw ParseError(description: "invalid operator near \"\(c)\" in filter expression")
                }
                tokens.append(Token(kind: .symbol, text: String(c) + "="))
                i += 2
            } else {
                var word = ""
                while i < chars.count, !chars[i].isWhitespace, !"()[].\"`=!".contains(chars[i]) {
                    word.append(chars[i])
                    i += 1
                }
                tokens.append(Token(kind: .word, text: word))
            }
        }
        return tokens
    }

    struct Parser {
        var tokens: [Token]
        var position = 0

        func peek(_ offset: Int = 0) -> Token? { position + offset < tokens.count ? tokens[position + offset] : nil }
        func isWord(_ word: String, _ offset: Int = 0) -> Bool {
            peek(offset).map { $0.kind == .word && $0.text.lowercased() == word } ?? false
        }

        mutating func parseOr() throws(ParseError) -> Node {
            var node = try parseAnd()
            while isWord("or") {
                position += 1
                node = .or(node, try parseAnd())
            }
            return node
        }

        mutating func parseAnd() throws(ParseError) -> Node {
            var node = try parseNot()
            while isWord("and") {
                position += 1
                node = .and(node, try parseNot())
            }
            return node
        }

        mutating func parseNot() throws(ParseError) -> Node {
            if isWord("not") {
                position += 1
                return .not(try parseNot())
            }
            if peek()?.text == "(" && peek()?.kind == .symbol {
                position += 1
                let inner = try parseOr()
                guard peek()?.text == ")" else { throw ParseError(description: "missing closing parenthesis in filter expression") }
                position += 1
                return inner
            }
            return try parseMatch()
        }

        mutating func parseValue() throws(ParseError) -> String {
            guard let token = peek(), token.kind != .symbol else {
                throw ParseError(description: "expected a value in filter expression")
            }
            position += 1
            return token.text
        }

        mutating func parseSelector() throws(ParseError) -> [String] {
            guard let first = peek(), first.kind == .word else {
                throw ParseError(description: "expected a selector in filter expression")
            }
            position += 1
            var path = [first.text]
            while let token = peek(), token.kind == .symbol {
                if token.text == "." {
                    position += 1
                    guard let name = peek(), name.kind == .word else { throw ParseError(description: "expected a field name after \".\"") }
                    position += 1
                    path.append(name.text)
                } else if token.text == "[" {
                    position += 1
                    guard let key = peek(), key.kind != .symbol else { throw ParseError(description: "expected a key after \"[\"") }
                    position += 1
                    guard peek()?.text == "]" else { throw ParseError(description: "missing \"]\" in filter expression") }
                    position += 1
                    path.append(key.text)
                } else {
                    break
                }
            }
            return path
        }

        mutating func parseMatch() throws(ParseError) -> Node {
            // `"value" in Selector` puts the value first.
            if let first = peek(), first.kind == .string || (first.kind == .word && (isWord("in", 1) || (isWord("not", 1) && isWord("in", 2)))) {
                position += 1
                let negate = isWord("not")
                if negate { position += 1 }
                guard isWord("in") else { throw ParseError(description: "expected \"in\" after a value in filter expression") }
                position += 1
                return .match(selector: try parseSelector(), op: negate ? "not in" : "in", value: first.text)
            }
            let selector = try parseSelector()
            guard let op = peek() else { throw ParseError(description: "expected an operator after the selector") }
            if op.kind == .symbol && (op.text == "==" || op.text == "!=") {
                position += 1
                return .match(selector: selector, op: op.text, value: try parseValue())
            }
            if isWord("is") {
                position += 1
                let negate = isWord("not")
                if negate { position += 1 }
                guard isWord("empty") else { throw ParseError(description: "expected \"empty\" after \"is\"") }
                position += 1
                return .match(selector: selector, op: negate ? "is not empty" : "is empty", value: nil)
            }
            let negate = isWord("not")
            if negate { position += 1 }
            for word in ["contains", "matches"] where isWord(word) {
                position += 1
                return .match(selector: selector, op: negate ? "not \(word)" : word, value: try parseValue())
            }
            throw ParseError(description: "unknown operator \"\(op.text)\" in filter expression")
        }
    }
}
