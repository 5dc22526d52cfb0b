import BosunCore
import Foundation

/// A `File` manifest, validated: where it goes (relative to the target root), its bytes and mode.
struct FileSpec: Sendable, Hashable {
    static let fields = ["path", "content", "contentBase64", "mode"]
    static let defaultMode: UInt32 = 0o644

    var name: String
    /// The path as written in Git, relative to the target root.
    var path: String
    var content: [UInt8]
    var mode: UInt32

    init(_ resource: Resource) throws(ManifestError) {
        name = resource.name
        let spec = try FieldReader(resource.body["spec"], at: "spec", example: "spec: { path: site/index.html, content: hello }")
        try spec.rejectUnknown(Self.fields)
        path = try spec.requiredString("path", example: "site/index.html")
        switch (spec.has("content"), spec.has("contentBase64")) {
        case (true, true):
            throw ManifestError("spec", "set either content or contentBase64, not both")
        case (false, false):
            // An empty file is a valid wish; an absent content field reads as one.
            content = []
        case (true, false):
            content = Array((try spec.string("content", example: "hello") ?? "").utf8)
        case (false, true):
            let text = try spec.string("contentBase64", example: "aGVsbG8=") ?? ""
            guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else {
                throw ManifestError(spec.field("contentBase64"), "is not valid base64; encode the bytes with `base64 -w0 FILE`")
            }
            content = Array(data)
        }
        mode = try Self.parseMode(resource.body["spec"]?["mode"], field: spec.field("mode"))
    }

    /// `"0644"`, `"644"` and `"0o644"` are octal text; an integer is the numeric mode
    /// (YAML 1.1 already reads a plain `0644` as the octal number 420).
    static func parseMode(_ value: JSONValue?, field: String) throws(ManifestError) -> UInt32 {
        guard let value, !value.isNull else { return defaultMode }
        let parsed: UInt32?
        if let text = value.stringValue {
            var digits = Substring(text)
            if digits.hasPrefix("0o") { digits = digits.dropFirst(2) }
            parsed = digits.isEmpty ? nil : UInt32(digits, radix: 8)
        } else if let number = value.intValue, number >= 0 {
            parsed = UInt32(exactly: number)
        } else {
            parsed = nil
        }
        guard let mode = parsed, mode <= 0o7777 else {
            throw ManifestError(field, "expected an octal mode such as \"0644\" or \"0755\", found \(FieldReader.describe(value))")
        }
        return mode
    }

    /// `0644` as Bosun writes modes: four octal digits.
    static func modeText(_ mode: UInt32) -> String {
        let octal = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }

    /// The spec as the target holds it: the same fields in the same order, with the mode
    /// written as four octal digits and defaulted, so Git and live compare equal.
    static func prepared(_ resource: Resource) throws(ManifestError) -> Resource {
        let parsed = try FileSpec(resource)
        var spec = resource.body["spec"]?.objectValue ?? JSONObject()
        spec["mode"] = .string(modeText(parsed.mode))
        var result = resource
        result.body["spec"] = .object(spec)
        return result
    }
}
