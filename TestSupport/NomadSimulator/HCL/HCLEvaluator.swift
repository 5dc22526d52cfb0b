import BosunCore
import Foundation

/// Evaluates HCL expressions to JSON values. `var.*` and `local.*` come from the scope; any other
/// root name (`attr`, `node`, `NOMAD_ALLOC_ID`, ...) is left as `${...}` text for the Nomad client
/// to interpolate at run time, as Nomad's own job parser does.
struct HCLEvaluator: Sendable {
    var variables: JSONObject = [:]
    var locals: JSONObject = [:]

    func evaluate(_ expression: HCLExpression) throws(HCLDiagnostic) -> JSONValue {
        switch expression {
        case .literal(let value, _):
            return value
        case .template(let pieces, _):
            if pieces.count == 1, case .expression(let only) = pieces[0] {
                return try evaluate(only)  // "${x}" keeps x's type, as in HCL
            }
            var text = ""
            for piece in pieces {
                switch piece {
                case .literal(let s): text += s
                case .expression(let e): text += try stringForTemplate(try evaluate(e), e.range)
                }
            }
            return .string(text)
        case .variable, .attribute, .index:
            return try traverse(expression)
        case .tuple(let elements, _):
            var values: [JSONValue] = []
            for element in elements { values.append(try evaluate(element)) }
            return .array(values)
        case .object(let items, _):
            var object = JSONObject()
            for item in items {
                let key = try evaluate(item.key)
                guard let name = HCLConvert.string(key) else {
                    throw HCLDiagnostic(
                        item.key.range, "Incorrect key type", "Can't use this value as a key: string required.")
                }
                object[name] = try evaluate(item.value)
            }
            return .object(object)
        case .call(let name, let arguments, let range):
            var values: [JSONValue] = []
            for argument in arguments { values.append(try evaluate(argument)) }
            return try HCLFunctions.call(name, values, range)
        case .unary(let op, let operand, let range):
            let value = try evaluate(operand)
            switch op {
            case .not:
                guard let b = HCLConvert.bool(value) else {
                    throw HCLDiagnostic(range, "Invalid operand", "Unsuitable value for unary operand: bool required.")
                }
                return .bool(!b)
            case .negate:
                guard let d = HCLConvert.number(value) else {
                    throw HCLDiagnostic(range, "Invalid operand", "Unsuitable value for unary operand: number required.")
                }
                return HCLConvert.numberValue(-d)
            }
        case .binary(let op, let lhs, let rhs, let range):
            return try binary(op, try evaluate(lhs), try evaluate(rhs), range)
        case .conditional(let condition, let whenTrue, let whenFalse, let range):
            guard let b = HCLConvert.bool(try evaluate(condition)) else {
                throw HCLDiagnostic(
                    range, "Incorrect condition type", "The condition expression must be of type bool.")
            }
            return try evaluate(b ? whenTrue : whenFalse)
        }
    }

    private func stringForTemplate(_ value: JSONValue, _ range: HCLRange) throws(HCLDiagnostic) -> String {
        guard let s = HCLConvert.string(value) else {
            throw HCLDiagnostic(
                range, "Invalid template interpolation value",
                "Cannot include the given value in a string template: string required.")
        }
        return s
    }

    /// The root name and the source-like text of a traversal such as `node.unique.name`.
    private func traversalText(_ expression: HCLExpression) -> (root: String, text: String)? {
        switch expression {
        case .variable(let name, _): return (name, name)
        case .attribute(let base, let name, _):
            guard let inner = traversalText(base) else { return nil }
            return (inner.root, inner.text + "." + name)
        case .index(let base, let key, _):
            guard let inner = traversalText(base) else { return nil }
            switch key {
            case .literal(.int(let i), _): return (inner.root, inner.text + "[\(i)]")
            case .literal(.string(let s), _): return (inner.root, inner.text + "[\"\(s)\"]")
            case .template(let pieces, _):
                if pieces.count == 1, case .literal(let s) = pieces[0] { return (inner.root, inner.text + "[\"\(s)\"]") }
                return nil
            default: return nil
            }
        default: return nil
        }
    }

    private func traverse(_ expression: HCLExpression) throws(HCLDiagnostic) -> JSONValue {
        if let chain = traversalText(expression), chain.root != "var", chain.root != "local" {
            return .string("${\(chain.text)}")
        }
        switch expression {
        case .variable(let name, let range):
            if name == "var" { return .object(variables) }
            if name == "local" { return .object(locals) }
            throw HCLDiagnostic(range, "Unknown variable", "There is no variable named \"\(name)\".")
        case .attribute(let base, let name, let range):
            let value = try evaluate(base)
            guard case .object(let object) = value else {
                throw HCLDiagnostic(range, "Unsupported attribute", "Can't access attributes on a primitive-typed value.")
            }
            guard let member = object[name] else {
                if case .variable("var", _) = base {
                    throw HCLDiagnostic(
                        range, "Unsupported attribute",
                        "This object does not have an attribute named \"\(name)\". Declare it with a variable \"\(name)\" block."
                    )
                }
                throw HCLDiagnostic(range, "Unsupported attribute", "This object does not have an attribute named \"\(name)\".")
            }
            return member
        case .index(let base, let key, let range):
            let value = try evaluate(base)
            let k = try evaluate(key)
            switch value {
            case .array(let elements):
                guard let i = HCLConvert.number(k).flatMap({ Int(exactly: $0) }), i >= 0, i < elements.count else {
                    throw HCLDiagnostic(range, "Invalid index", "The given key does not identify an element in this collection value.")
                }
                return elements[i]
            case .object(let object):
                guard let name = HCLConvert.string(k), let member = object[name] else {
                    throw HCLDiagnostic(range, "Invalid index", "The given key does not identify an element in this collection value.")
                }
                return member
            default:
                throw HCLDiagnostic(range, "Invalid index", "This value does not have any indices.")
            }
        default:
            return try evaluate(expression)
        }
    }

    private func binary(
        _ op: HCLExpression.BinaryOperator, _ a: JSONValue, _ b: JSONValue, _ range: HCLRange
    ) throws(HCLDiagnostic) -> JSONValue {
        switch op {
        case .equal: return .bool(a == b)
        case .notEqual: return .bool(a != b)
        case .and, .or:
            guard let x = HCLConvert.bool(a), let y = HCLConvert.bool(b) else {
                throw HCLDiagnostic(range, "Invalid operand", "Unsuitable value for \(op.rawValue) operand: bool required.")
            }
            return .bool(op == .and ? (x && y) : (x || y))
        default:
            guard let x = HCLConvert.number(a), let y = HCLConvert.number(b) else {
                throw HCLDiagnostic(range, "Invalid operand", "Unsuitable value for \(op.rawValue) operand: number required.")
            }
            switch op {
            case .less: return .bool(x < y)
            case .greater: return .bool(x > y)
            case .lessEqual: return .bool(x <= y)
            case .greaterEqual: return .bool(x >= y)
            case .add: return HCLConvert.numberValue(x + y)
            case .subtract: return HCLConvert.numberValue(x - y)
            case .multiply: return HCLConvert.numberValue(x * y)
            case .divide:
                guard y != 0 else { throw HCLDiagnostic(range, "Operation failed", "Error during operation: can't divide by zero.") }
                return HCLConvert.numberValue(x / y)
            case .modulo:
                guard y != 0 else { throw HCLDiagnostic(range, "Operation failed", "Error during operation: can't divide by zero.") }
                return HCLConvert.numberValue(x.truncatingRemainder(dividingBy: y))
            default: return .null
            }
        }
    }
}

/// HCL's automatic conversions between primitive types (cty's rules, as Nomad sees them).
enum HCLConvert {
    static func string(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): GoFormat.float(d, style: .cty)
        case .bool(let b): b ? "true" : "false"
        default: nil
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s.trimmingCharacters(in: .whitespaces))
        default: nil
        }
    }

    static func bool(_ value: JSONValue) -> Bool? {
        switch value {
        case .bool(let b): b
        case .string("true"): true
        case .string("false"): false
        default: nil
        }
    }

    static func numberValue(_ d: Double) -> JSONValue {
        if d.rounded() == d, abs(d) < 9e15 { return .int(Int(d)) }
        return .double(d)
    }
}

/// The few HCL functions the simulator implements; any other is reported as unknown.
enum HCLFunctions {
    static func call(_ name: String, _ args: [JSONValue], _ range: HCLRange) throws(HCLDiagnostic) -> JSONValue {
        func arity(_ n: Int) throws(HCLDiagnostic) {
            guard args.count == n else {
                throw HCLDiagnostic(
                    range, "Incorrect number of function arguments", "Function \"\(name)\" expects \(n) argument(s).")
            }
        }
        func str(_ i: Int) throws(HCLDiagnostic) -> String {
            guard let s = HCLConvert.string(args[i]) else {
                throw HCLDiagnostic(range, "Invalid function argument", "Invalid value for \"\(name)\" argument: string required.")
            }
            return s
        }
        switch name {
        case "upper":
            try arity(1)
            return .string(try str(0).uppercased())
        case "lower":
            try arity(1)
            return .string(try str(0).lowercased())
        case "trimspace":
            try arity(1)
            return .string(try str(0).trimmingCharacters(in: .whitespacesAndNewlines))
        case "tostring":
            try arity(1)
            return .string(try str(0))
        case "tonumber":
            try arity(1)
            guard let d = HCLConvert.number(args[0]) else {
                throw HCLDiagnostic(range, "Invalid function argument", "Invalid value for \"tonumber\": a number is required.")
            }
            return HCLConvert.numberValue(d)
        case "join":
            try arity(2)
            guard case .array(let items) = args[1] else {
                throw HCLDiagnostic(range, "Invalid function argument", "Invalid value for \"lists\" parameter: list of string required.")
            }
            var parts: [String] = []
            for item in items {
                guard let s = HCLConvert.string(item) else {
                    throw HCLDiagnostic(range, "Invalid function argument", "Invalid value for \"lists\" parameter: list of string required.")
                }
                parts.append(s)
            }
            return .string(parts.joined(separator: try str(0)))
        case "length":
            try arity(1)
            switch args[0] {
            case .array(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            case .string(let s): return .int(s.count)
            default:
                throw HCLDiagnostic(range, "Invalid function argument", "Invalid value for \"value\" parameter: collection or string required.")
            }
        case "concat":
            var all: [JSONValue] = []
            for arg in args {
                guard case .array(let a) = arg else {
                    throw HCLDiagnostic(range, "Invalid function argument", "All arguments must be lists or tuples.")
                }
                all += a
            }
            return .array(all)
        case "merge":
            var merged = JSONObject()
            for arg in args {
                guard case .object(let o) = arg else {
                    throw HCLDiagnostic(range, "Invalid function argument", "Arguments must be maps or objects.")
                }
                for entry in o { merged[entry.key] = entry.value }
            }
            return .object(merged)
        default:
            throw HCLDiagnostic(
                range, "Call to unknown function",
                "There is no function named \"\(name)\" (nomad-simulator implements upper, lower, trimspace, tostring, tonumber, join, length, concat and merge)."
            )
        }
    }
}
