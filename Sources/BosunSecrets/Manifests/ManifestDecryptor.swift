import BosunCore
import Crypto
import Foundation

/// Decrypts rendered manifests before they are compared and applied:
///
/// - a document that carries a `sops` block (whole-file SOPS, YAML or JSON; the documents of one
///   multi-document file are checked together, as their MAC covers them all);
/// - a Secret's `data` (base64) and `stringData` values that are themselves SOPS files (YAML,
///   JSON, dotenv or binary, told apart by their MAC marker as Flux does; written back in the
///   format the key's extension names);
/// - a host `File`'s `content`/`contentBase64` that is a SOPS file;
/// - a Nomad `JobFile`'s variables (the application's `varsFile`) that are a SOPS file.
///
/// `bosun.dev/decrypt: "false"` or Flux's `kustomize.toolkit.fluxcd.io/decrypt: Disabled`
/// leaves a document alone. Every decrypted value is recorded in `Resource.sensitive`. Any
/// failure throws naming the file and resource, never a value, and nothing is returned.
public struct ManifestDecryptor: Sendable {
    public static let skipAnnotation = "bosun.dev/decrypt"
    public static let fluxSkipAnnotation = "kustomize.toolkit.fluxcd.io/decrypt"

    /// nil: the application names no keys; a SOPS document is then an error saying so.
    public let keys: SopsKeyring?
    /// How to tell the user to configure keys (`application web`).
    public let owner: String

    public init(keys: SopsKeyring?, owner: String) {
        self.keys = keys
        self.owner = owner
    }

    /// Whether decryption is switched off for this document.
    public static func isSkipped(_ resource: Resource) -> Bool {
        resource.annotation(skipAnnotation) == "false" || resource.annotation(fluxSkipAnnotation)?.lowercased() == "disabled"
    }

    /// Whether any document or value of `resources` is SOPS-encrypted (and not skipped).
    public static func needsDecryption(_ resources: [Resource]) -> Bool {
        resources.contains { !isSkipped($0) && (isSOPSDocument($0) || !encryptedFields($0).isEmpty) }
    }

    /// The documents of one file share their `sops` block: its MAC (unique per file) and time.
    static func groupKey(_ resource: Resource) -> String {
        let sops = resource.body["sops"]
        return (sops?["mac"]?.stringValue ?? "") + "|" + (sops?["lastmodified"]?.stringValue ?? "") + "|" + (sops?["version"]?.stringValue ?? "")
    }

    static func isSOPSDocument(_ resource: Resource) -> Bool {
        guard case .object(let sops)? = resource.body["sops"], let mac = sops["mac"]?.stringValue else { return false }
        return !mac.isEmpty
    }

    public func decrypt(_ resources: [Resource]) async throws(SopsError) -> [Resource] {
        var out = resources
        // Whole documents, grouped by their sops block: a multi-document file shares one MAC.
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for (index, resource) in resources.enumerated() where !Self.isSkipped(resource) && Self.isSOPSDocument(resource) {
            let block = Self.groupKey(resource)
            if groups[block] == nil { order.append(block) }
            groups[block, default: []].append(index)
        }
        for block in order {
            let indices = groups[block] ?? []
            let decrypted = try await decryptDocuments(indices.map { resources[$0] })
            for (index, resource) in zip(indices, decrypted) { out[index] = resource }
        }
        for index in out.indices where !Self.isSkipped(out[index]) {
            let fields = Self.encryptedFields(out[index])
            if !fields.isEmpty { out[index] = try await decryptFields(fields, of: out[index]) }
        }
        return out
    }

    /// Every SOPS document or value of `resources` that cannot be decrypted (no key held opens
    /// it, or it was changed), one error each: what `bosun validate` reports.
    public func problems(_ resources: [Resource]) async -> [SopsError] {
        var problems: [SopsError] = []
        var groups: [String: [Resource]] = [:]
        var order: [String] = []
        for resource in resources where !Self.isSkipped(resource) {
            if Self.isSOPSDocument(resource) {
                let block = Self.groupKey(resource)
                if groups[block] == nil { order.append(block) }
                groups[block, default: []].append(resource)
            }
            let fields = Self.encryptedFields(resource)
            if !fields.isEmpty {
                do { _ = try await decryptFields(fields, of: resource) } catch { problems.append(error) }
            }
        }
        for block in order {
            do { _ = try await decryptDocuments(groups[block] ?? []) } catch { problems.append(error) }
        }
        return problems
    }

    func keyring(for resource: Resource) throws(SopsError) -> SopsKeyring {
        guard let keys else {
            throw SopsError(.noKey, file: Self.describe(resource),
                            "is encrypted with SOPS, but \(owner) names no decryption keys; add `decryption: { provider: sops, keys: [NAME] }` (and NAME under decryptionKeys), or annotate it \(Self.skipAnnotation): \"false\" to apply it as it is")
        }
        return keys
    }

    /// `apps/web/secret.yaml:3 (Secret/web/db)`: where a resource came from, for errors.
    public static func describe(_ resource: Resource) -> String {
        let key = resource.key.shortDescription
        guard let source = resource.source else { return key }
        return "\(source) (\(key))"
    }

    // MARK: Whole documents

    func decryptDocuments(_ resources: [Resource]) async throws(SopsError) -> [Resource] {
        guard let first = resources.first else { return [] }
        let name = Self.describe(first)
        let keys = try keyring(for: first)
        do throws(SopsError) {
            guard let block = first.body["sops"] else { return resources }
            let metadata = try SopsMetadata(JSONStore.node(block))
            let branches = resources.map { resource -> SopsNode in
                var body = resource.body
                body["sops"] = nil
                return JSONStore.node(.object(body))
            }
            let document = SopsDocument(branches: branches, metadata: metadata)
            let dataKey = try await keys.dataKey(for: metadata)
            let plain = try document.decrypted(with: dataKey)
            return zip(zip(resources, branches), plain).map { pair, decrypted in
                let (resource, encrypted) = pair
                var sensitive = SensitiveFields()
                Self.collectDecrypted(encrypted, decrypted, pointer: "", into: &sensitive)
                guard case .object(let body) = JSONStore.json(decrypted) else { return resource }
                var result = Resource(body, source: resource.source)
                result.sensitive = sensitive.union(resource.sensitive)
                return result
            }
        } catch {
            throw error.about(name)
        }
    }

    /// Pointers and texts of the leaves that were encrypted.
    static func collectDecrypted(_ encrypted: SopsNode, _ decrypted: SopsNode, pointer: String, into sensitive: inout SensitiveFields) {
        switch (encrypted, decrypted) {
        case (.mapping(let a), .mapping(let b)):
            for (x, y) in zip(a, b) where !x.isComment {
                collectDecrypted(x.value, y.value, pointer: pointer + "/" + SensitiveFields.escape(x.key), into: &sensitive)
            }
        case (.sequence(let a), .sequence(let b)):
            let items = zip(a, b).filter { if case .comment = $0.0 { false } else { true } }
            for (offset, (x, y)) in items.enumerated() { collectDecrypted(x, y, pointer: pointer + "/\(offset)", into: &sensitive) }
        case (.scalar(.string(let token)), .scalar(let plain)) where ValueCipher.isToken(token):
            sensitive.pointers.insert(pointer)
            if !plain.text.isEmpty { sensitive.values.insert(plain.text) }
        default:
            break
        }
    }

    // MARK: Values that are SOPS files

    /// A value of a manifest that holds a whole SOPS file.
    struct EncryptedField {
        var path: [String]
        var bytes: [UInt8]
        var format: SopsFormat
        /// The name whose extension picks the plaintext's format (a Secret key, a File's path).
        var outputName: String
        var base64: Bool
    }

    static func encryptedFields(_ resource: Resource) -> [EncryptedField] {
        var fields: [EncryptedField] = []
        func consider(_ path: [String], _ value: JSONValue?, base64: Bool, outputName: String) {
            guard let text = value?.stringValue else { return }
            let bytes: [UInt8]
            if base64 {
                guard let data = Data(base64Encoded: text, options: .ignoreUnknownCharacters) else { return }
                bytes = Array(data)
            } else {
                bytes = Array(text.utf8)
            }
            guard let format = SopsFormat.detect(bytes) else { return }
            fields.append(EncryptedField(path: path, bytes: bytes, format: format, outputName: outputName, base64: base64))
        }
        if resource.kind == "Secret" && resource.group.isEmpty {
            for field in ["data", "stringData"] {
                for entry in resource.body[field]?.objectValue ?? JSONObject() {
                    consider([field, entry.key], entry.value, base64: field == "data", outputName: entry.key)
                }
            }
        } else if resource.apiVersion == "host.bosun.dev/v1" && resource.kind == "File" {
            let path = resource.body["spec"]?["path"]?.stringValue ?? resource.name
            consider(["spec", "content"], resource.body["spec"]?["content"], base64: false, outputName: path)
            consider(["spec", "contentBase64"], resource.body["spec"]?["contentBase64"], base64: true, outputName: path)
        } else if resource.apiVersion == "nomad.bosun.dev/v1" && resource.kind == "JobFile" {
            consider(["spec", "variables"], resource.body["spec"]?["variables"], base64: false, outputName: "variables.hcl")
        }
        return fields
    }

    func decryptFields(_ fields: [EncryptedField], of resource: Resource) async throws(SopsError) -> Resource {
        var result = resource
        var sensitive = resource.sensitive ?? SensitiveFields()
        let keys = try keyring(for: resource)
        for field in fields {
            let name = "\(Self.describe(resource)) \(field.path.joined(separator: "."))"
            let loaded = try SopsFile.load(field.bytes, format: field.format, name: name)
            let plaintext: [UInt8]
            let branches: [SopsNode]
            do throws(SopsError) {
                let dataKey = try await keys.dataKey(for: loaded.document.metadata)
                branches = try loaded.document.decrypted(with: dataKey)
                plaintext = try Self.emit(loaded, plain: branches, dataKey: dataKey, outputName: field.outputName)
            } catch {
                throw error.about(name)
            }
            var pointer = ""
            for part in field.path { pointer += "/" + SensitiveFields.escape(part) }
            sensitive.pointers.insert(pointer)
            var leaves = SensitiveFields()
            for (encrypted, plain) in zip(loaded.document.branches, branches) { Self.collectDecrypted(encrypted, plain, pointer: "", into: &leaves) }
            sensitive.values.formUnion(leaves.values)
            let text = String(validating: plaintext, as: UTF8.self)
            if let text, !text.isEmpty {
                sensitive.values.insert(text)
                sensitive.values.formUnion(Self.quotedAssignments(text))
            }
            var body = result.body
            let parent = field.path.dropLast()
            guard let leaf = field.path.last, var container = JSONValue.object(body)[path: Array(parent)]?.objectValue else { continue }
            if field.base64 {
                container[leaf] = .string(Data(plaintext).base64EncodedString())
            } else if let text {
                container[leaf] = .string(text)
            } else if resource.kind == "File" {
                // Bytes that are not text: the File holds them base64-encoded.
                container[leaf] = nil
                container["contentBase64"] = .string(Data(plaintext).base64EncodedString())
                sensitive.pointers.insert("/spec/contentBase64")
            } else {
                throw SopsError(.unreadable, file: name, "decrypts to bytes that are not UTF-8 text, which this field cannot hold; put them in a Secret's data")
            }
            body = Self.setting(body, at: Array(parent), to: .object(container))
            result.body = body
        }
        result.sensitive = sensitive
        return result
    }

    /// The plaintext as the output name's format writes it (a binary name keeps the input's own form).
    static func emit(_ loaded: SopsFile.Loaded, plain: [SopsNode], dataKey: SymmetricKey, outputName: String) throws(SopsError) -> [UInt8] {
        var output = SopsFormat.forPath(outputName)
        let single = plain.count == 1 && plain[0].entries?.filter({ !$0.isComment }).map(\.key) == ["data"]
        if output == .binary && !single { output = loaded.format == .binary ? .json : loaded.format }
        if output == loaded.format || (output == .binary && loaded.format == .json) {
            var copy = loaded
            copy.format = output
            return try SopsFile.emitPlain(copy, plain: plain, dataKey: dataKey)
        }
        switch output {
        case .yaml: return Array(YAMLEmitter.emit(plain).utf8)
        case .json: return Array(JSONStore.emit(plain.first ?? .mapping([])).utf8)
        case .dotenv: return Array(try DotenvStore.emit(plain.first?.entries ?? []).utf8)
        case .binary:
            guard case .scalar(let data)? = plain.first?["data"] else { return Array(JSONStore.emit(plain.first ?? .mapping([])).utf8) }
            return data.macBytes
        }
    }

    static func setting(_ object: JSONObject, at path: [String], to value: JSONValue) -> JSONObject {
        guard let first = path.first else { return value.objectValue ?? object }
        var copy = object
        copy[first] = .object(setting(object[first]?.objectValue ?? JSONObject(), at: Array(path.dropFirst()), to: value))
        return copy
    }

    /// `name = "value"` assignments of an HCL variables file: the values reappear inside the
    /// jobs Nomad builds from it, so they are masked there too.
    static func quotedAssignments(_ text: String) -> [String] {
        text.split(separator: "\n").compactMap { line -> String? in
            guard let equals = line.firstIndex(of: "=") else { return nil }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }),
                value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"")
            else { return nil }
            let inner = value.dropFirst().dropLast().replacingOccurrences(of: "\\\"", with: "\"").replacingOccurrences(of: "\\\\", with: "\\")
            return inner.isEmpty ? nil : inner
        }
    }
}
