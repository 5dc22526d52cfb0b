import Foundation

/// A piece of a quoted string or heredoc: literal text, or a `${ ... }` interpolation.
enum HCLTemplatePart: Sendable {
    case literal(String)
    case interpolation([HCLToken], HCLRange)
}

/// What a token is. Quoted strings and heredocs arrive already split into template parts.
enum HCLTokenKind: Sendable, Hashable {
    case identifier(String)
    case number(String)
    case template
    case heredoc
    case openBrace, closeBrace, openBracket, closeBracket, openParen, closeParen
    case equals, comma, colon, dot, question, bang, ellipsis, fatArrow
    case plus, minus, star, slash, percent
    case equal, notEqual, less, greater, lessEqual, greaterEqual, and, or
    case newline
    case endOfFile

    var display: String {
        switch self {
        case .identifier(let name): "\"\(name)\""
        case .number(let text): text
        case .template, .heredoc: "string"
        case .openBrace: "\"{\""
        case .closeBrace: "\"}\""
        case .openBracket: "\"[\""
        case .closeBracket: "\"]\""
        case .openParen: "\"(\""
        case .closeParen: "\")\""
        case .equals: "\"=\""
        case .comma: "\",\""
        case .colon: "\":\""
        case .dot: "\".\""
        case .question: "\"?\""
        case .bang: "\"!\""
        case .ellipsis: "\"...\""
        case .fatArrow: "\"=>\""
        case .plus: "\"+\""
        case .minus: "\"-\""
        case .star: "\"*\""
        case .slash: "\"/\""
        case .percent: "\"%\""
        case .equal: "\"==\""
        case .notEqual: "\"!=\""
        case .less: "\"<\""
        case .greater: "\">\""
        case .lessEqual: "\"<=\""
        case .greaterEqual: "\">=\""
        case .and: "\"&&\""
        case .or: "\"||\""
        case .newline: "newline"
        case .endOfFile: "end of file"
        }
    }
}

/// One token with where it was written; string tokens carry their template parts.
struct HCLToken: Sendable {
    var kind: HCLTokenKind
    var range: HCLRange
    var parts: [HCLTemplatePart] = []
}

/// Splits HCL native syntax into tokens. Comments (`#`, `//`, `/* */`) are dropped; newlines
/// are kept because they end attributes.
struct HCLLexer {
    private let scalars: [Unicode.Scalar]
    private let filename: String
    private var index = 0
    private var line: Int
    private var column: Int

    init(_ text: String, filename: String, start: HCLPosition = HCLPosition(line: 1, column: 1)) {
        scalars = Array(text.unicodeScalars)
        self.filename = filename
        line = start.line
        column = start.column
    }

    static func tokenize(_ text: String, filename: String) throws(HCLDiagnostic) -> [HCLToken] {
        var lexer = HCLLexer(text, filename: filename)
        return try lexer.tokens()
    }

    private var position: HCLPosition { HCLPosition(line: line, column: column) }

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private mutating func advance() {
        guard index < scalars.count else { return }
        if scalars[index] == "\n" {
            line += 1
            column = 1
        } else {
            column += 1
        }
        index += 1
    }

    private func range(from start: HCLPosition) -> HCLRange {
        HCLRange(filename: filename, start: start, end: position)
    }

    private func error(_ start: HCLPosition, _ summary: String, _ detail: String) -> HCLDiagnostic {
        HCLDiagnostic(range(from: start), summary, detail)
    }

    mutating func tokens() throws(HCLDiagnostic) -> [HCLToken] {
        var result: [HCLToken] = []
        while true {
            skipSpaceAndComments()
            let start = position
            guard let c = peek() else {
                result.append(HCLToken(kind: .endOfFile, range: range(from: start)))
                return result
            }
            if c == "\n" || (c == "\r" && peek(1) == "\n") {
                if c == "\r" { advance() }
                advance()
                result.append(HCLToken(kind: .newline, range: range(from: start)))
                continue
            }
            if c.properties.isXIDStart || c == "_" {
                var name = ""
                while let d = peek(), d.properties.isXIDContinue || d == "-" || d == "_" {
                    name.unicodeScalars.append(d)
                    advance()
                }
                result.append(HCLToken(kind: .identifier(name), range: range(from: start)))
                continue
            }
            if c.isASCIIDigit {
                result.append(try number(start))
                continue
            }
            if c == "\"" {
                advance()
                let parts = try quotedTemplate(start)
                result.append(HCLToken(kind: .template, range: range(from: start), parts: parts))
                continue
            }
            if c == "<" && peek(1) == "<" && (peek(2).map { $0 == "-" || $0.properties.isXIDStart } ?? false) {
                result.append(try heredoc(start))
                continue
            }
            result.append(HCLToken(kind: try punctuation(start), range: range(from: start)))
        }
    }

    private mutating func skipSpaceAndComments() {
        while let c = peek() {
            if c == " " || c == "\t" || (c == "\r" && peek(1) != "\n") {
                advance()
            } else if c == "#" || (c == "/" && peek(1) == "/") {
                // A line comment runs to the newline, which stays a token.
                while let d = peek(), d != "\n" { advance() }
            } else if c == "/" && peek(1) == "*" {
                advance()
                advance()
                while let d = peek(), !(d == "*" && peek(1) == "/") { advance() }
                advance()
                advance()
            } else {
                return
            }
        }
    }

    private mutating func number(_ start: HCLPosition) throws(HCLDiagnostic) -> HCLToken {
        var text = ""
        while let d = peek(), d.isASCIIDigit {
            text.unicodeScalars.append(d)
            advance()
        }
        if peek() == ".", let next = peek(1), next.isASCIIDigit {
            text.append(".")
            advance()
            while let d = peek(), d.isASCIIDigit {
                text.unicodeScalars.append(d)
                advance()
            }
        }
        if let e = peek(), e == "e" || e == "E" {
            text.unicodeScalars.append(e)
            advance()
            if let sign = peek(), sign == "+" || sign == "-" {
                text.unicodeScalars.append(sign)
                advance()
            }
            while let d = peek(), d.isASCIIDigit {
                text.unicodeScalars.append(d)
                advance()
            }
        }
        return HCLToken(kind: .number(text), range: range(from: start))
    }

    private mutating func punctuation(_ start: HCLPosition) throws(HCLDiagnostic) -> HCLTokenKind {
        guard let c = peek() else { return .endOfFile }
        let next = peek(1)
        func two(_ kind: HCLTokenKind) -> HCLTokenKind {
            advance()
            advance()
            return kind
        }
        switch (c, next) {
        case ("=", "="): return two(.equal)
        case ("=", ">"): return two(.fatArrow)
        case ("!", "="): return two(.notEqual)
        case ("<", "="): return two(.lessEqual)
        case (">", "="): return two(.greaterEqual)
        case ("&", "&"): return two(.and)
        case ("|", "|"): return two(.or)
        case (".", "."):
            if peek(2) == "." {
                advance()
                return two(.ellipsis)
            }
        default: break
        }
        let single: [Unicode.Scalar: HCLTokenKind] = [
            "{": .openBrace, "}": .closeBrace, "[": .openBracket, "]": .closeBracket, "(": .openParen,
            ")": .closeParen, "=": .equals, ",": .comma, ":": .colon, ".": .dot, "?": .question, "!": .bang,
            "+": .plus, "-": .minus, "*": .star, "/": .slash, "%": .percent, "<": .less, ">": .greater,
        ]
        if let kind = single[c] {
            advance()
            return kind
        }
        advance()
        throw error(start, "Invalid character", "This character is not used within the language.")
    }

    /// Reads a quoted string after its opening quote, up to and including the closing quote.
    private mutating func quotedTemplate(_ start: HCLPosition) throws(HCLDiagnostic) -> [HCLTemplatePart] {
        var parts: [HCLTemplatePart] = []
        var literal = ""
        while true {
            guard let c = peek(), c != "\n" else {
                throw error(start, "Unterminated template string", "No closing marker was found for the string.")
            }
            if c == "\"" {
                advance()
                break
            }
            if c == "\\" {
                let escapeStart = position
                advance()
                guard let e = peek() else { continue }
                advance()
                switch e {
                case "n": literal.append("\n")
                case "t": literal.append("\t")
                case "r": literal.append("\r")
                case "\"": literal.append("\"")
                case "\\": literal.append("\\")
                case "u", "U":
                    let count = e == "u" ? 4 : 8
                    var hex = ""
                    for _ in 0..<count {
                        guard let h = peek(), h.properties.isASCIIHexDigit else { break }
                        hex.unicodeScalars.append(h)
                        advance()
                    }
                    guard hex.count == count, let value = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(value)
                    else {
                        throw error(escapeStart, "Invalid escape sequence", "The \\\(e) escape needs \(count) hex digits.")
                    }
                    literal.unicodeScalars.append(scalar)
                default:
                    throw error(
                        escapeStart, "Invalid escape sequence",
                        "The symbol \"\(e)\" is not a valid escape sequence selector.")
                }
                continue
            }
            if try templateSpecial(&parts, &literal) { continue }
            literal.unicodeScalars.append(c)
            advance()
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        return parts
    }

    /// Handles `${`, `$${`, `%{` and `%%{` at the cursor; returns false when none is there.
    private mutating func templateSpecial(
        _ parts: inout [HCLTemplatePart], _ literal: inout String
    ) throws(HCLDiagnostic) -> Bool {
        guard let c = peek(), c == "$" || c == "%" else { return false }
        if peek(1) == c && peek(2) == "{" {
            literal.unicodeScalars.append(c)
            literal.append("{")
            advance()
            advance()
            advance()
            return true
        }
        guard peek(1) == "{" else { return false }
        let start = position
        if c == "%" {
            throw error(
                start, "Unsupported template directive",
                "Template directives (%{ ... }) are valid HCL but not supported by nomad-simulator.")
        }
        advance()
        advance()
        if !literal.isEmpty {
            parts.append(.literal(literal))
            literal = ""
        }
        let innerStart = position
        var inner = ""
        var depth = 0
        var quote = false
        while true {
            guard let d = peek() else {
                throw error(start, "Unterminated template string", "No closing marker was found for the interpolation.")
            }
            if quote {
                if d == "\\" {
                    inner.unicodeScalars.append(d)
                    advance()
                    if let e = peek() {
                        inner.unicodeScalars.append(e)
                        advance()
                    }
                    continue
                }
                if d == "\"" { quote = false }
            } else if d == "\"" {
                quote = true
            } else if d == "{" {
                depth += 1
            } else if d == "}" {
                if depth == 0 { break }
                depth -= 1
            }
            inner.unicodeScalars.append(d)
            advance()
        }
        advance()  // closing brace
        var sub = HCLLexer(inner, filename: filename, start: innerStart)
        let tokens = try sub.tokens().filter { $0.kind != .newline }
        parts.append(.interpolation(tokens, range(from: start)))
        return true
    }

    private mutating func heredoc(_ start: HCLPosition) throws(HCLDiagnostic) -> HCLToken {
        advance()
        advance()
        var indent = false
        if peek() == "-" {
            indent = true
            advance()
        }
        var marker = ""
        while let d = peek(), d.properties.isXIDContinue || d == "_" {
            marker.unicodeScalars.append(d)
            advance()
        }
        if peek() == "\r" { advance() }
        guard peek() == "\n" else {
            throw error(start, "Invalid heredoc", "A heredoc marker must be followed by a newline.")
        }
        advance()
        // Collect whole lines until one holds only the marker.
        var lines: [(text: String, start: HCLPosition)] = []
        while true {
            guard peek() != nil else {
                throw error(
                    start, "Unterminated template string",
                    "No closing marker was found for the heredoc; add a line holding only \(marker).")
            }
            let lineStart = position
            var text = ""
            while let d = peek(), d != "\n" {
                text.unicodeScalars.append(d)
                advance()
            }
            if text.trimmingCharacters(in: .whitespaces) == marker {
                break
            }
            advance()
            lines.append((text + "\n", lineStart))
        }
        if indent {
            let widths = lines.filter { !$0.text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }
                .map { $0.text.prefix { $0 == " " || $0 == "\t" }.count }
            let strip = widths.min() ?? 0
            lines = lines.map { (String($0.text.dropFirst(min(strip, $0.text.prefix { $0 == " " || $0 == "\t" }.count))), $0.start) }
        }
        var parts: [HCLTemplatePart] = []
        var literal = ""
        for entry in lines {
            var sub = HCLLexer(entry.text, filename: filename, start: entry.start)
            while let c = sub.peek() {
                if try sub.templateSpecial(&parts, &literal) { continue }
                literal.unicodeScalars.append(c)
                sub.advance()
            }
        }
        if !literal.isEmpty || parts.isEmpty { parts.append(.literal(literal)) }
        return HCLToken(kind: .heredoc, range: range(from: start), parts: parts)
    }
}

extension Unicode.Scalar {
    var isASCIIDigit: Bool { value >= 48 && value <= 57 }
}
