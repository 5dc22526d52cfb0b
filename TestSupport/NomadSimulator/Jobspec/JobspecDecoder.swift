import BosunCore

/// Decodes jobspec blocks into Nomad API `Job` JSON, with HCL's wording for what does not fit.
struct JobspecDecoder {
    var evaluator: HCLEvaluator

    /// Decodes `body` by `schema`, starting from the schema's unset shape.
    func decode(_ body: HCLBody, _ schema: JobspecBlock, label: String? = nil) throws(HCLDiagnostic) -> JSONObject {
        var object = schema.shape
        if let labelField = schema.label, let label { object[labelField] = .string(label) }
        var seen: [String: HCLRange] = [:]
        for attribute in body.attributes {
            if let previous = seen[attribute.name] {
                throw HCLDiagnostic(
                    attribute.nameRange, "Attribute redefined",
                    "The argument \"\(attribute.name)\" was already set at \(previous). Each argument may be set only once.")
            }
            seen[attribute.name] = attribute.nameRange
            guard let field = schema.field(attribute.name) else {
                throw unsupportedArgument(attribute, schema)
            }
            switch field.kind {
            case .block, .blockList, .constraints, .anyMap:
                throw HCLDiagnostic(
                    attribute.nameRange, "Unsupported argument",
                    "An argument named \"\(attribute.name)\" is not expected here. Did you mean to define a block of type \"\(attribute.name)\"?"
                )
            default:
                let value = try evaluator.evaluate(attribute.expression)
                if let converted = try convert(value, field, attribute) { object[field.json] = converted }
            }
        }
        var single: [String: HCLRange] = [:]
        for block in body.blocks {
            guard let field = schema.field(block.type) else {
                throw unsupportedBlock(block, schema)
            }
            if let previous = seen[block.type], case .stringMap = field.kind {
                throw HCLDiagnostic(
                    block.definitionRange, "Duplicate \(block.type) block",
                    "\(block.type) may not be defined more than once. Another definition is defined at \(previous).")
            }
            switch field.kind {
            case .stringMap:
                try expectLabels(block, 0)
                object[field.json] = .object(try stringMap(block))
                seen[block.type] = block.definitionRange
            case .anyMap:
                try expectLabels(block, 0)
                if let previous = single[block.type] {
                    throw duplicateBlock(block, previous)
                }
                single[block.type] = block.definitionRange
                object[field.json] = .object(try anyMap(block.body))
            case .block(let inner):
                try expectLabels(block, 0)
                if let previous = single[block.type] {
                    throw duplicateBlock(block, previous)
                }
                single[block.type] = block.definitionRange
                object[field.json] = .object(try decode(block.body, inner))
            case .blockList(let inner):
                try expectLabels(block, inner.label == nil ? 0 : 1, labelName: "name")
                let element = JSONValue.object(try decode(block.body, inner, label: block.labels.first))
                object[field.json] = .array((object[field.json]?.arrayValue ?? []) + [element])
            case .constraints:
                try expectLabels(block, 0)
                object[field.json] = .array((object[field.json]?.arrayValue ?? []) + [.object(try constraint(block))])
            default:
                throw HCLDiagnostic(
                    block.typeRange, "Unsupported block type",
                    "Blocks of type \"\(block.type)\" are not expected here. Did you mean to define argument \"\(block.type)\"? If so, use the equals sign to assign it a value."
                )
            }
        }
        for field in schema.fields where field.required && seen[field.hcl] == nil {
            throw HCLDiagnostic(
                body.range, "Missing required argument",
                "The argument \"\(field.hcl)\" is required, but no definition was found.")
        }
        if schema === JobspecSchema.network { normalizePorts(&object) }
        return object
    }

    private func duplicateBlock(_ block: HCLBlock, _ previous: HCLRange) -> HCLDiagnostic {
        HCLDiagnostic(
            block.definitionRange, "Duplicate \(block.type) block",
            "Only one \(block.type) block is allowed. Another was defined at \(previous).")
    }

    func expectLabels(_ block: HCLBlock, _ count: Int, labelName: String = "name") throws(HCLDiagnostic) {
        if block.labels.count < count {
            throw HCLDiagnostic(
                block.definitionRange, "Missing name for \(block.type)",
                "All \(block.type) blocks must have \(count) labels (\(labelName)).")
        }
        if block.labels.count > count {
            let extra = block.labelRanges[count]
            if count == 0 {
                throw HCLDiagnostic(
                    extra, "Extraneous label for \(block.type)",
                    "No labels are expected for \(block.type) blocks.")
            }
            throw HCLDiagnostic(
                extra, "Extraneous label for \(block.type)",
                "Only \(count) labels (\(labelName)) are expected for \(block.type) blocks.")
        }
    }

    private func unsupportedArgument(_ attribute: HCLAttribute, _ schema: JobspecBlock) -> HCLDiagnostic {
        if schema.unsupported.contains(attribute.name) {
            return HCLDiagnostic(
                attribute.nameRange, "Unsupported argument",
                "An argument named \"\(attribute.name)\" is valid in Nomad's \(schema.name) block but not supported by nomad-simulator.")
        }
        return HCLDiagnostic(
            attribute.nameRange, "Unsupported argument",
            "An argument named \"\(attribute.name)\" is not expected here.")
    }

    private func unsupportedBlock(_ block: HCLBlock, _ schema: JobspecBlock) -> HCLDiagnostic {
        if schema.unsupported.contains(block.type) {
            return HCLDiagnostic(
                block.typeRange, "Unsupported block type",
                "Blocks of type \"\(block.type)\" are valid in Nomad's \(schema.name) block but not supported by nomad-simulator."
            )
        }
        return HCLDiagnostic(
            block.typeRange, "Unsupported block type", "Blocks of type \"\(block.type)\" are not expected here.")
    }

    private func typeError(_ attribute: HCLAttribute, _ what: String) -> HCLDiagnostic {
        HCLDiagnostic(
            attribute.expression.range, "Incorrect attribute value type",
            "Inappropriate value for attribute \"\(attribute.name)\": \(what).")
    }

    /// Converts an evaluated value to the Go type of the field; nil leaves the field unset.
    private func convert(_ value: JSONValue, _ field: JobspecField, _ attribute: HCLAttribute) throws(HCLDiagnostic) -> JSONValue? {
        if value.isNull, case .duration = field.kind {
            throw HCLDiagnostic(attribute.expression.range, "Unsuitable value", "Unsuitable duration value: nil")
        }
        if value.isNull { return nil }
        switch field.kind {
        case .string:
            guard let s = HCLConvert.string(value) else { throw typeError(attribute, "string required") }
            return .string(s)
        case .int:
            guard let d = HCLConvert.number(value) else { throw typeError(attribute, "a number is required") }
            guard let i = Int(exactly: d) else { throw typeError(attribute, "a whole number is required") }
            return .int(i)
        case .bool:
            guard let b = HCLConvert.bool(value) else { throw typeError(attribute, "bool required") }
            return .bool(b)
        case .duration:
            switch value {
            case .string(let s):
                do {
                    return .int(try GoFormat.parseDuration(s))
                } catch {
                    throw HCLDiagnostic(
                        attribute.expression.range, "Unsuitable value type", "Unsuitable duration value: \(error.message)")
                }
            case .int(let i): return .int(i)
            default:
                throw HCLDiagnostic(
                    attribute.expression.range, "Unsuitable value type",
                    "Unsuitable value: expected a string but found \(value.typeName)")
            }
        case .stringList:
            guard case .array(let items) = value else { throw typeError(attribute, "list of string required") }
            var strings: [JSONValue] = []
            for item in items {
                guard let s = HCLConvert.string(item) else { throw typeError(attribute, "list of string required") }
                strings.append(.string(s))
            }
            return .array(strings)
        case .stringMap:
            guard case .object(let object) = value else { throw typeError(attribute, "map of string required") }
            var map = JSONObject()
            for entry in object {
                guard let s = HCLConvert.string(entry.value) else {
                    throw typeError(attribute, "element \"\(entry.key)\": string required")
                }
                map[entry.key] = .string(s)
            }
            return .object(map.sortedByKey())
        case .anyMap:
            guard case .object(let object) = value else { throw typeError(attribute, "object required") }
            return Self.sortedDeep(.object(object))
        case .block, .blockList, .constraints:
            return nil
        }
    }

    /// `meta { k = "v" }`: string attributes only; Go encodes the map with sorted keys.
    private func stringMap(_ block: HCLBlock) throws(HCLDiagnostic) -> JSONObject {
        if let nested = block.body.blocks.first {
            throw HCLDiagnostic(
                nested.typeRange, "Unexpected \"\(nested.type)\" block", "Blocks are not allowed here.")
        }
        var map = JSONObject()
        for attribute in block.body.attributes {
            let value = try evaluator.evaluate(attribute.expression)
            guard let s = HCLConvert.string(value) else {
                throw HCLDiagnostic(
                    attribute.expression.range, "Incorrect attribute value type",
                    "Inappropriate value for attribute \"\(attribute.name)\": string required.")
            }
            map[attribute.name] = .string(s)
        }
        return map.sortedByKey()
    }

    /// A driver `config` block: attributes as written; nested blocks of one type become a list
    /// of objects, as Nomad's parser does when it has no driver schema.
    private func anyMap(_ body: HCLBody) throws(HCLDiagnostic) -> JSONObject {
        var object = JSONObject()
        for attribute in body.attributes {
            object[attribute.name] = try evaluator.evaluate(attribute.expression)
        }
        for block in body.blocks {
            let element = JSONValue.object(try anyMap(block.body))
            object[block.type] = .array((object[block.type]?.arrayValue ?? []) + [element])
        }
        guard case .object(let sorted) = Self.sortedDeep(.object(object)) else { return object }
        return sorted
    }

    static func sortedDeep(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            return .object(JSONObject(object.sortedByKey().entries.map { .init(key: $0.key, value: sortedDeep($0.value)) }))
        case .array(let items):
            return .array(items.map(sortedDeep))
        default:
            return value
        }
    }

    /// `constraint { attribute, operator, value }` and its shortcuts (`version = ...`,
    /// `distinct_hosts = true`, ...), mapped as Nomad's parser maps them.
    private func constraint(_ block: HCLBlock) throws(HCLDiagnostic) -> JSONObject {
        let known: Set<String> = [
            "attribute", "value", "operator", "version", "semver", "regexp", "set_contains", "set_contains_all",
            "set_contains_any", "distinct_hosts", "distinct_property",
        ]
        if let nested = block.body.blocks.first {
            throw HCLDiagnostic(
                nested.typeRange, "Unsupported block type", "Blocks of type \"\(nested.type)\" are not expected here.")
        }
        var values: [String: JSONValue] = [:]
        for attribute in block.body.attributes {
            guard known.contains(attribute.name) else {
                throw HCLDiagnostic(
                    attribute.nameRange, "Unsupported argument",
                    "An argument named \"\(attribute.name)\" is not expected here.")
            }
            values[attribute.name] = try evaluator.evaluate(attribute.expression)
        }
        func text(_ name: String) -> String { values[name].flatMap(HCLConvert.string) ?? "" }
        var lTarget = text("attribute")
        var rTarget = text("value")
        var operand = text("operator")
        for shortcut in ["version", "semver", "regexp", "set_contains"] where !text(shortcut).isEmpty {
            operand = shortcut
            rTarget = text(shortcut)
        }
        if let distinct = values["distinct_hosts"], let b = HCLConvert.bool(distinct) {
            operand = "distinct_hosts"
            rTarget = b ? "true" : "false"
        }
        if !text("distinct_property").isEmpty {
            operand = "distinct_property"
            lTarget = text("distinct_property")
        }
        if operand.isEmpty { operand = "=" }
        return ["LTarget": .string(lTarget), "RTarget": .string(rTarget), "Operand": .string(operand)]
    }

    /// Ports with a `static` value are reserved ports; the rest are dynamic (Nomad's normalisation).
    private func normalizePorts(_ network: inout JSONObject) {
        guard let ports = network["DynamicPorts"]?.arrayValue, !ports.isEmpty else { return }
        let reserved = ports.filter { ($0["Value"]?.intValue ?? 0) > 0 }
        let dynamic = ports.filter { ($0["Value"]?.intValue ?? 0) <= 0 }
        network["DynamicPorts"] = dynamic.isEmpty ? .null : .array(dynamic)
        network["ReservedPorts"] = reserved.isEmpty ? .null : .array(reserved)
    }
}
