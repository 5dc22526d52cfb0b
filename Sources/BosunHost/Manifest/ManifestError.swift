import BosunCore

/// A host manifest that cannot be used: the field (`spec.readinessProbe.httpGet.port`) and a
/// message saying what is wrong and what would fix it.
struct ManifestError: Error, Sendable, CustomStringConvertible {
    var field: String
    var message: String

    init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    var description: String { field.isEmpty ? message : "\(field): \(message)" }

    /// The engine's error for this manifest, naming the resource and where it came from.
    func targetError(for resource: Resource) -> TargetError {
        var text = description
        if let source = resource.source { text += " (\(source))" }
        return TargetError(.invalid, text, key: HostTarget.key(kind: resource.kind, name: resource.name))
    }
}

/// Reads typed fields of one mapping of a manifest, reporting the dotted field path on failure.
struct FieldReader {
    let object: JSONObject
    /// The dotted path of `object` itself, such as `spec` or `spec.readinessProbe`.
    let path: String

    init(_ object: JSONObject, at path: String) {
        self.object = object
        self.path = path
    }

    /// A reader for the mapping at `path` in `value`; an error naming `path` when it is not one.
    init(_ value: JSONValue?, at path: String, example: String) throws(ManifestError) {
        guard let value else { throw ManifestError(path, "missing; add it, for example `\(example)`") }
        guard let object = value.objectValue else {
            throw ManifestError(path, "expected a mapping, found a \(value.typeName); write it like `\(example)`")
        }
        self.init(object, at: path)
    }

    func field(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func has(_ name: String) -> Bool { object[name].map { !$0.isNull } ?? false }

    /// Refuses fields this reader does not know, so a typo (`restartpolicy`) is not silently ignored.
    func rejectUnknown(_ known: [String]) throws(ManifestError) {
        for entry in object where !known.contains(entry.key) {
            throw ManifestError(field(entry.key), "unknown field; the fields here are \(known.joined(separator: ", "))")
        }
    }

    func string(_ name: String, example: String) throws(ManifestError) -> String? {
        guard let value = object[name], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            throw ManifestError(field(name), "expected a string, found a \(value.typeName); write it like `\(name): \(example)`")
        }
        return text
    }

    func requiredString(_ name: String, example: String) throws(ManifestError) -> String {
        guard let text = try string(name, example: example) else {
            throw ManifestError(field(name), "missing; add it, for example `\(name): \(example)`")
        }
        guard !text.isEmpty else { throw ManifestError(field(name), "is empty; write it like `\(name): \(example)`") }
        return text
    }

    /// A list of strings; numbers and booleans are taken as their text (`"8765"` and `8765` alike).
    func stringList(_ name: String, example: String) throws(ManifestError) -> [String]? {
        guard let value = object[name], !value.isNull else { return nil }
        guard let items = value.arrayValue else {
            throw ManifestError(field(name), "expected a list, found a \(value.typeName); write it like `\(name): \(example)`")
        }
        var result: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = Self.scalarText(item) else {
                throw ManifestError("\(field(name))[\(index)]", "expected a string, found a \(item.typeName)")
            }
            result.append(text)
        }
        return result
    }

    /// A non-negative number of seconds (fractions allowed).
    func seconds(_ name: String, default value: Double, allowZero: Bool = true) throws(ManifestError) -> Duration {
        guard let raw = object[name], !raw.isNull else { return .milliseconds(Int64((value * 1000).rounded())) }
        guard let number = raw.doubleValue ?? raw.stringValue.flatMap(Double.init), number.isFinite,
            number > 0 || (allowZero && number == 0)
        else {
            throw ManifestError(field(name), "expected \(allowZero ? "a number of seconds, 0 or more" : "a positive number of seconds"), found \(Self.describe(raw))")
        }
        return .milliseconds(Int64((number * 1000).rounded()))
    }

    /// A positive whole number.
    func positiveInt(_ name: String, default value: Int) throws(ManifestError) -> Int {
        guard let raw = object[name], !raw.isNull else { return value }
        guard let number = raw.intValue ?? raw.stringValue.flatMap({ Int($0) }), number > 0 else {
            throw ManifestError(field(name), "expected a whole number of 1 or more, found \(Self.describe(raw))")
        }
        return number
    }

    /// A TCP port, 1 to 65535 (a number or a numeric string).
    func port(_ name: String) throws(ManifestError) -> Int {
        guard let raw = object[name], !raw.isNull else {
            throw ManifestError(field(name), "missing; add the port the process listens on, for example `\(name): 8080`")
        }
        guard let number = raw.intValue ?? raw.stringValue.flatMap({ Int($0) }), (1...65535).contains(number) else {
            throw ManifestError(field(name), "expected a port number from 1 to 65535, found \(Self.describe(raw))")
        }
        return number
    }

    static func scalarText(_ value: JSONValue) -> String? {
        switch value {
        case .string(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .bool(let b): String(b)
        default: nil
        }
    }

    static func describe(_ value: JSONValue) -> String {
        if let text = scalarText(value) { return value.stringValue != nil ? "\"\(text)\"" : text }
        return "a \(value.typeName)"
    }
}
