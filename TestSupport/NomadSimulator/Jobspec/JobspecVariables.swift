import BosunCore

/// Input variables (`variable "x" { type, default }`), their values from a var file, and locals.
enum JobspecVariables {
    /// A declared variable: its type constraint (nil: any), default, and where it was declared.
    struct Declaration {
        var name: String
        var type: VariableType?
        var defaultValue: JSONValue?
        var range: HCLRange
    }

    /// The type constraints HCL variables can have.
    indirect enum VariableType {
        case string, number, bool, any
        case list(VariableType), set(VariableType), map(VariableType)
        case object, tuple

        var name: String {
            switch self {
            case .string: "string"
            case .number: "number"
            case .bool: "bool"
            case .any: "any"
            case .list(let t): "list of \(t.name)"
            case .set(let t): "set of \(t.name)"
            case .map(let t): "map of \(t.name)"
            case .object: "object"
            case .tuple: "tuple"
            }
        }
    }

    static func declarations(_ file: HCLBody) throws(HCLDiagnostic) -> [String: Declaration] {
        var result: [String: Declaration] = [:]
        let constants = HCLEvaluator()
        for block in file.blocks {
            switch block.type {
            case "variable":
                guard block.labels.count == 1 else {
                    throw HCLDiagnostic(
                        block.definitionRange, "Missing name for variable", "All variable blocks must have 1 labels (name).")
                }
                let name = block.labels[0]
                if let previous = result[name] {
                    _ = previous
                    throw HCLDiagnostic(
                        block.definitionRange, "Duplicate variable", "Duplicate \(name) variable definition found.")
                }
                var declaration = Declaration(name: name, range: block.definitionRange)
                for attribute in block.body.attributes {
                    switch attribute.name {
                    case "type": declaration.type = try parseType(attribute.expression)
                    case "default": declaration.defaultValue = try constants.evaluate(attribute.expression)
                    case "description", "sensitive", "nullable": break
                    default:
                        throw HCLDiagnostic(
                            attribute.nameRange, "Unsupported argument",
                            "An argument named \"\(attribute.name)\" is not expected here.")
                    }
                }
                if let nested = block.body.blocks.first {
                    throw HCLDiagnostic(
                        nested.typeRange, "Unsupported block type",
                        nested.type == "validation"
                            ? "Blocks of type \"validation\" are valid in Nomad but not supported by nomad-simulator."
                            : "Blocks of type \"\(nested.type)\" are not expected here.")
                }
                if let type = declaration.type, let value = declaration.defaultValue {
                    do {
                        declaration.defaultValue = try convert(value, to: type)
                    } catch {
                        throw HCLDiagnostic(
                            block.definitionRange, "Invalid default value for variable",
                            "This default value is not compatible with the variable's type constraint: \(error.reason).")
                    }
                }
                result[name] = declaration
            case "variables":
                for attribute in block.body.attributes {
                    if result[attribute.name] != nil {
                        throw HCLDiagnostic(
                            attribute.nameRange, "Duplicate variable",
                            "Duplicate \(attribute.name) variable definition found.")
                    }
                    result[attribute.name] = Declaration(
                        name: attribute.name, type: nil, defaultValue: try constants.evaluate(attribute.expression),
                        range: attribute.nameRange)
                }
            default: break
            }
        }
        return result
    }

    /// Each declared variable's value: the var file's, else the default. A variable with neither
    /// is an error, as in Nomad. Values for undeclared names are ignored (Nomad's API only warns).
    static func values(_ declarations: [String: Declaration], varFile: HCLBody?) throws(HCLDiagnostic) -> JSONObject {
        var assigned: [String: JSONValue] = [:]
        if let varFile {
            if let block = varFile.blocks.first {
                if block.type == "variable" {
                    let name = block.labels.first ?? ""
                    throw HCLDiagnostic(
                        block.typeRange, "Variable declaration in a .var file",
                        "A .var file is used to assign values to variables that have already been declared in job files, not to declare new variables. To declare variable \"\(name)\", place this block in one of your job files\n\nTo set a value for this variable in input.hcl, use the definition syntax instead:\n    \(name) = <value>"
                    )
                }
                throw HCLDiagnostic(
                    block.typeRange, "Unexpected \"\(block.type)\" block", "Blocks are not allowed here.")
            }
            let constants = HCLEvaluator()
            for attribute in varFile.attributes {
                guard let declaration = declarations[attribute.name] else { continue }
                let value = try constants.evaluate(attribute.expression)
                if let type = declaration.type {
                    do {
                        assigned[attribute.name] = try convert(value, to: type)
                    } catch {
                        throw HCLDiagnostic(
                            attribute.expression.range, "Invalid value for variable",
                            "The value for \(attribute.name) is not compatible with the variable's type constraint: \(error.reason)."
                        )
                    }
                } else {
                    assigned[attribute.name] = value
                }
            }
        }
        var object = JSONObject()
        for name in declarations.keys.sorted() {
            guard let declaration = declarations[name] else { continue }
            if let value = assigned[name] ?? declaration.defaultValue {
                object[name] = value
            } else {
                throw HCLDiagnostic(
                    declaration.range, "Unset variable \"\(name)\"",
                    "A used variable must be set or have a default value; see https://developer.hashicorp.com/nomad/docs/reference/hcl2/variables  for details."
                )
            }
        }
        return object
    }

    /// `locals { ... }` blocks, evaluated in order; a local may use variables and earlier locals.
    static func locals(_ file: HCLBody, evaluator: HCLEvaluator) throws(HCLDiagnostic) -> JSONObject {
        var scope = evaluator
        var seen: [String: HCLRange] = [:]
        for block in file.blocks where block.type == "locals" {
            for attribute in block.body.attributes {
                if let previous = seen[attribute.name] {
                    throw HCLDiagnostic(
                        attribute.nameRange, "Duplicate value in locals",
                        "Duplicate \(attribute.name) definition found (first at \(previous)).")
                }
                seen[attribute.name] = attribute.nameRange
                scope.locals[attribute.name] = try scope.evaluate(attribute.expression)
            }
        }
        return scope.locals
    }

    private static func parseType(_ expression: HCLExpression) throws(HCLDiagnostic) -> VariableType {
        switch expression {
        case .variable(let name, let range):
            switch name {
            case "string": return .string
            case "number": return .number
            case "bool": return .bool
            case "any": return .any
            case "list": return .list(.any)
            case "map": return .map(.any)
            case "set": return .set(.any)
            default: throw HCLDiagnostic(range, "Invalid type specification", "The keyword \"\(name)\" is not a valid type specification.")
            }
        case .call(let name, let arguments, let range):
            guard arguments.count == 1 else {
                throw HCLDiagnostic(range, "Invalid type specification", "The \(name) type constructor requires one argument.")
            }
            switch name {
            case "list": return .list(try parseType(arguments[0]))
            case "set": return .set(try parseType(arguments[0]))
            case "map": return .map(try parseType(arguments[0]))
            case "object": return .object
            case "tuple": return .tuple
            default: throw HCLDiagnostic(range, "Invalid type specification", "Keyword \"\(name)\" is not a valid type constructor.")
            }
        default:
            throw HCLDiagnostic(expression.range, "Invalid type specification", "A type specification is either a primitive type keyword (bool, number, string) or a complex type constructor call, like list(string).")
        }
    }

    struct ConversionError: Error { var reason: String }

    static func convert(_ value: JSONValue, to type: VariableType) throws(ConversionError) -> JSONValue {
        if value.isNull { return value }
        switch type {
        case .any, .object, .tuple:
            return value
        case .string:
            guard case .array = value else {
                guard case .object = value else {
                    guard let s = HCLConvert.string(value) else { throw ConversionError(reason: "string required") }
                    return .string(s)
                }
                throw ConversionError(reason: "string required")
            }
            throw ConversionError(reason: "string required")
        case .number:
            guard let d = HCLConvert.number(value) else { throw ConversionError(reason: "a number is required") }
            return HCLConvert.numberValue(d)
        case .bool:
            guard let b = HCLConvert.bool(value) else { throw ConversionError(reason: "bool required") }
            return .bool(b)
        case .list(let element), .set(let element):
            guard case .array(let items) = value else { throw ConversionError(reason: "\(type.name) required") }
            var out: [JSONValue] = []
            for item in items { out.append(try convert(item, to: element)) }
            return .array(out)
        case .map(let element):
            guard case .object(let object) = value else { throw ConversionError(reason: "\(type.name) required") }
            var out = JSONObject()
            for entry in object { out[entry.key] = try convert(entry.value, to: element) }
            return .object(out)
        }
    }
}
