import BosunCore

/// Parses HCL native syntax into an `HCLBody`, with HCL's own wording for syntax errors.
struct HCLParser {
    private var tokens: [HCLToken]
    private var position = 0
    /// Inside brackets and parentheses newlines mean nothing.
    private var nesting = 0

    init(tokens: [HCLToken]) { self.tokens = tokens }

    /// Parses a whole file.
    static func parse(_ text: String, filename: String) throws(HCLDiagnostic) -> HCLBody {
        var parser = HCLParser(tokens: try HCLLexer.tokenize(text, filename: filename))
        return try parser.parseFile()
    }

    // MARK: Tokens

    private var current: HCLToken {
        var i = position
        if nesting > 0 {
            while i < tokens.count - 1 && tokens[i].kind == .newline { i += 1 }
        }
        return tokens[min(i, tokens.count - 1)]
    }

    @discardableResult
    private mutating func next() -> HCLToken {
        if nesting > 0 {
            while position < tokens.count - 1 && tokens[position].kind == .newline { position += 1 }
        }
        let token = tokens[min(position, tokens.count - 1)]
        if position < tokens.count - 1 { position += 1 }
        return token
    }

    private mutating func skipNewlines() {
        while tokens[position].kind == .newline && position < tokens.count - 1 { position += 1 }
    }

    private mutating func expect(_ kind: HCLTokenKind, _ summary: String, _ detail: String) throws(HCLDiagnostic) -> HCLToken {
        let token = current
        guard token.kind == kind else { throw HCLDiagnostic(token.range, summary, detail) }
        return next()
    }

    // MARK: Structure

    private mutating func parseFile() throws(HCLDiagnostic) -> HCLBody {
        let start = tokens[0].range
        let body = try parseBody(closing: false)
        return HCLBody(attributes: body.attributes, blocks: body.blocks, range: start.through(current.range))
    }

    private mutating func parseBody(closing: Bool, openedAt: HCLRange? = nil) throws(HCLDiagnostic) -> HCLBody {
        var body = HCLBody(range: current.range)
        while true {
            skipNewlines()
            let token = current
            switch token.kind {
            case .endOfFile:
                if closing, let openedAt {
                    throw HCLDiagnostic(
                        openedAt, "Unclosed configuration block",
                        "There is no closing brace for this block before the end of the file. This may be caused by incorrect brace nesting elsewhere in this file."
                    )
                }
                return body
            case .closeBrace where closing:
                return body
            case .identifier(let name):
                next()
                if current.kind == .equals {
                    next()
                    let expression = try parseExpression()
                    let end = current
                    guard end.kind == .newline || end.kind == .endOfFile || end.kind == .closeBrace else {
                        throw HCLDiagnostic(
                            end.range, "Missing newline after argument", "An argument definition must end with a newline.")
                    }
                    body.attributes.append(
                        HCLAttribute(
                            name: name, nameRange: token.range, expression: expression,
                            range: token.range.through(expression.range)))
                } else {
                    body.blocks.append(try parseBlock(type: name, typeToken: token))
                }
            default:
                throw HCLDiagnostic(
                    token.range, "Argument or block definition required",
                    "An argument or block definition is required here.")
            }
        }
    }

    /// `name { arg = value }` on one line: HCL allows exactly one argument there, no nested block.
    private mutating func parseSingleLineBody() throws(HCLDiagnostic) -> HCLBody {
        let token = current
        guard case .identifier(let name) = token.kind else {
            throw HCLDiagnostic(
                token.range, "Argument or block definition required", "An argument or block definition is required here.")
        }
        next()
        guard current.kind == .equals else {
            throw HCLDiagnostic(
                token.range, "Invalid single-argument block definition",
                "A single-line block definition can contain only a single argument. If you meant to define argument \"\(name)\", use an equals sign to assign it a value. To define a nested block, place it on a line of its own within its parent block."
            )
        }
        next()
        let expression = try parseExpression()
        guard current.kind == .closeBrace else {
            throw HCLDiagnostic(
                current.range, "Invalid single-argument block definition",
                "A single-line block definition must end with a closing brace immediately after its single argument definition."
            )
        }
        let attribute = HCLAttribute(
            name: name, nameRange: token.range, expression: expression, range: token.range.through(expression.range))
        return HCLBody(attributes: [attribute], blocks: [], range: token.range)
    }

    private mutating func parseBlock(type: String, typeToken: HCLToken) throws(HCLDiagnostic) -> HCLBlock {
        var labels: [String] = []
        var labelRanges: [HCLRange] = []
        while true {
            let token = current
            switch token.kind {
            case .template:
                next()
                var text = ""
                for part in token.parts {
                    guard case .literal(let s) = part else {
                        throw HCLDiagnostic(
                            token.range, "Invalid block label", "Template sequences are not allowed in block labels.")
                    }
                    text += s
                }
                labels.append(text)
                labelRanges.append(token.range)
            case .identifier(let name):
                next()
                labels.append(name)
                labelRanges.append(token.range)
            case .openBrace:
                let open = next()
                let body: HCLBody
                if current.kind != .newline && current.kind != .closeBrace && current.kind != .endOfFile {
                    body = try parseSingleLineBody()
                } else {
                    body = try parseBody(closing: true, openedAt: open.range)
                }
                let close = next()
                var definition = typeToken.range
                if let last = labelRanges.last { definition = definition.through(last) }
                var blockBody = body
                blockBody.range = open.range.through(close.range)
                return HCLBlock(
                    type: type, typeRange: typeToken.range, labels: labels, labelRanges: labelRanges, body: blockBody,
                    definitionRange: definition)
            default:
                throw HCLDiagnostic(
                    token.range, "Invalid block definition",
                    "Either a quoted string block label or an opening brace (\"{\") is expected here.")
            }
        }
    }

    // MARK: Expressions

    mutating func parseExpression() throws(HCLDiagnostic) -> HCLExpression {
        let condition = try parseBinary(level: 0)
        guard current.kind == .question else { return condition }
        next()
        let whenTrue = try parseExpression()
        _ = try expect(
            .colon, "Missing false expression in conditional",
            "The conditional operator (...?...:...) requires a false expression, delimited by a colon.")
        let whenFalse = try parseExpression()
        return .conditional(condition, whenTrue, whenFalse, condition.range.through(whenFalse.range))
    }

    private static let levels: [[HCLTokenKind: HCLExpression.BinaryOperator]] = [
        [.or: .or],
        [.and: .and],
        [.equal: .equal, .notEqual: .notEqual],
        [.less: .less, .greater: .greater, .lessEqual: .lessEqual, .greaterEqual: .greaterEqual],
        [.plus: .add, .minus: .subtract],
        [.star: .multiply, .slash: .divide, .percent: .modulo],
    ]

    private mutating func parseBinary(level: Int) throws(HCLDiagnostic) -> HCLExpression {
        guard level < Self.levels.count else { return try parseUnary() }
        var lhs = try parseBinary(level: level + 1)
        while let op = Self.levels[level][current.kind] {
            next()
            let rhs = try parseBinary(level: level + 1)
            lhs = .binary(op, lhs, rhs, lhs.range.through(rhs.range))
        }
        return lhs
    }

    private mutating func parseUnary() throws(HCLDiagnostic) -> HCLExpression {
        let token = current
        if token.kind == .bang || token.kind == .minus {
            next()
            let operand = try parseUnary()
            return .unary(token.kind == .bang ? .not : .negate, operand, token.range.through(operand.range))
        }
        return try parsePostfix(try parsePrimary())
    }

    private mutating func parsePostfix(_ base: HCLExpression) throws(HCLDiagnostic) -> HCLExpression {
        var expression = base
        while true {
            switch current.kind {
            case .dot:
                next()
                let token = next()
                switch token.kind {
                case .identifier(let name):
                    expression = .attribute(expression, name, expression.range.through(token.range))
                case .number(let text):
                    expression = .index(
                        expression, .literal(.string(text), token.range), expression.range.through(token.range))
                default:
                    throw HCLDiagnostic(
                        token.range, "Invalid attribute name", "An attribute name is required after a dot.")
                }
            case .openBracket:
                next()
                nesting += 1
                let key = try parseExpression()
                let close = try expect(.closeBracket, "Missing close bracket on index", "The index operator must end with a closing bracket (\"]\").")
                nesting -= 1
                expression = .index(expression, key, expression.range.through(close.range))
            default:
                return expression
            }
        }
    }

    private mutating func parsePrimary() throws(HCLDiagnostic) -> HCLExpression {
        let token = current
        switch token.kind {
        case .number(let text):
            next()
            if let i = Int(text) { return .literal(.int(i), token.range) }
            return .literal(.double(Double(text) ?? 0), token.range)
        case .template, .heredoc:
            next()
            var pieces: [HCLExpression.TemplatePiece] = []
            for part in token.parts {
                switch part {
                case .literal(let s): pieces.append(.literal(s))
                case .interpolation(let inner, let range):
                    var sub = HCLParser(tokens: inner)
                    let expression = try sub.parseExpression()
                    guard sub.current.kind == .endOfFile else {
                        throw HCLDiagnostic(
                            sub.current.range, "Extra characters after interpolation expression",
                            "Expected a closing brace to end the interpolation expression, but found extra characters.")
                    }
                    _ = range
                    pieces.append(.expression(expression))
                }
            }
            return .template(pieces, token.range)
        case .identifier(let name):
            next()
            switch name {
            case "true": return .literal(.bool(true), token.range)
            case "false": return .literal(.bool(false), token.range)
            case "null": return .literal(.null, token.range)
            case "for":
                throw HCLDiagnostic(
                    token.range, "Unsupported expression",
                    "for expressions are valid HCL but not supported by nomad-simulator.")
            default: break
            }
            if current.kind == .openParen {
                return try parseCall(name, token)
            }
            return .variable(name, token.range)
        case .openParen:
            next()
            nesting += 1
            let inner = try parseExpression()
            _ = try expect(.closeParen, "Unbalanced parentheses", "Expected a closing parenthesis to terminate the expression.")
            nesting -= 1
            return inner
        case .openBracket:
            next()
            nesting += 1
            var elements: [HCLExpression] = []
            while current.kind != .closeBracket {
                elements.append(try parseExpression())
                if current.kind == .comma {
                    next()
                } else if current.kind != .closeBracket {
                    throw HCLDiagnostic(
                        current.range, "Missing item separator", "Expected a comma to mark the beginning of the next item.")
                }
            }
            let close = next()
            nesting -= 1
            return .tuple(elements, token.range.through(close.range))
        case .openBrace:
            return try parseObject(token)
        default:
            throw HCLDiagnostic(
                token.range, "Invalid expression",
                "Expected the start of an expression, but found an invalid expression token.")
        }
    }

    private mutating func parseCall(_ name: String, _ token: HCLToken) throws(HCLDiagnostic) -> HCLExpression {
        next()  // (
        nesting += 1
        var arguments: [HCLExpression] = []
        while current.kind != .closeParen {
            arguments.append(try parseExpression())
            if current.kind == .comma {
                next()
            } else if current.kind != .closeParen {
                throw HCLDiagnostic(
                    current.range, "Missing argument separator",
                    "A comma is required to separate each function argument from the next.")
            }
        }
        let close = next()
        nesting -= 1
        return .call(name, arguments, token.range.through(close.range))
    }

    private mutating func parseObject(_ open: HCLToken) throws(HCLDiagnostic) -> HCLExpression {
        next()
        nesting += 1
        var items: [(key: HCLExpression, value: HCLExpression)] = []
        while current.kind != .closeBrace {
            let keyToken = current
            let key: HCLExpression
            if case .identifier(let name) = keyToken.kind {
                next()
                key = .literal(.string(name), keyToken.range)
            } else {
                key = try parseExpression()
            }
            guard current.kind == .equals || current.kind == .colon else {
                throw HCLDiagnostic(
                    current.range, "Missing key/value separator",
                    "Expected an equals sign (\"=\") to mark the beginning of the attribute value.")
            }
            next()
            let value = try parseExpression()
            items.append((key, value))
            if current.kind == .comma { next() }
            if current.kind == .endOfFile {
                throw HCLDiagnostic(current.range, "Missing close brace", "Expected a closing brace (\"}\") to end the object.")
            }
        }
        let close = next()
        nesting -= 1
        return .object(items, open.range.through(close.range))
    }
}
