import BosunCore

/// A parsed HCL expression, evaluated later against variables.
indirect enum HCLExpression: Sendable {
    enum UnaryOperator: Sendable { case not, negate }
    enum BinaryOperator: String, Sendable {
        case or = "||", and = "&&", equal = "==", notEqual = "!=", less = "<", greater = ">"
        case lessEqual = "<=", greaterEqual = ">=", add = "+", subtract = "-", multiply = "*"
        case divide = "/", modulo = "%"
    }
    enum TemplatePiece: Sendable {
        case literal(String)
        case expression(HCLExpression)
    }

    case literal(JSONValue, HCLRange)
    case template([TemplatePiece], HCLRange)
    case variable(String, HCLRange)
    case attribute(HCLExpression, String, HCLRange)
    case index(HCLExpression, HCLExpression, HCLRange)
    case tuple([HCLExpression], HCLRange)
    case object([(key: HCLExpression, value: HCLExpression)], HCLRange)
    case call(String, [HCLExpression], HCLRange)
    case unary(UnaryOperator, HCLExpression, HCLRange)
    case binary(BinaryOperator, HCLExpression, HCLExpression, HCLRange)
    case conditional(HCLExpression, HCLExpression, HCLExpression, HCLRange)

    var range: HCLRange {
        switch self {
        case .literal(_, let r), .template(_, let r), .variable(_, let r), .attribute(_, _, let r),
            .index(_, _, let r), .tuple(_, let r), .object(_, let r), .call(_, _, let r), .unary(_, _, let r),
            .binary(_, _, _, let r), .conditional(_, _, _, let r):
            r
        }
    }

    /// The name when the expression is a bare identifier (an object key written without quotes).
    var bareName: String? {
        if case .variable(let name, _) = self { name } else { nil }
    }
}

/// `name = expression`.
struct HCLAttribute: Sendable {
    var name: String
    var nameRange: HCLRange
    var expression: HCLExpression
    var range: HCLRange
}

/// `type "label" { body }`.
struct HCLBlock: Sendable {
    var type: String
    var typeRange: HCLRange
    var labels: [String]
    var labelRanges: [HCLRange]
    var body: HCLBody
    /// From the type through the labels, where HCL points for errors about the block as a whole.
    var definitionRange: HCLRange
}

/// The attributes and blocks of a file or of a block, in source order.
struct HCLBody: Sendable {
    var attributes: [HCLAttribute] = []
    var blocks: [HCLBlock] = []
    var range: HCLRange
}
