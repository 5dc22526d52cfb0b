import BosunCore
import BosunRender
import BosunSecrets
import BosunStore
import Foundation

/// SOPS in the reconcile: rendered manifests are decrypted after the render cache (which keeps
/// the encrypted form) and before the target sees them; the inventory keeps decrypted values as
/// keyed hashes; messages that could echo a decrypted value are scrubbed.
extension Engine {
    /// The keyring of the application's decryption keys (its own, else its repository's); nil
    /// when it names none. Errors name the key and file, never a key.
    func decryptionKeyring(_ spec: ApplicationSpec) async throws(SopsError) -> SopsKeyring? {
        guard let decryption = config.decryption(for: spec) else { return nil }
        return try await keyrings.keyring(for: decryption, owner: "application \(spec.name)")
    }

    /// What Kustomize's secretGenerator reads, decrypted with the application's keys.
    func sourcesDecryptor(_ spec: ApplicationSpec) -> SourcesDecryptor {
        let keyrings = self.keyrings
        let decryption = config.decryption(for: spec)
        let owner = "application \(spec.name)"
        return SourcesDecryptor(owner: owner) { () async throws(SopsError) -> SopsKeyring? in
            guard let decryption else { return nil }
            return try await keyrings.keyring(for: decryption, owner: owner)
        }
    }

    /// Rendered manifests with their SOPS documents and values decrypted; unchanged when none.
    func decrypted(_ resources: [Resource], spec: ApplicationSpec) async throws(SopsError) -> [Resource] {
        guard ManifestDecryptor.needsDecryption(resources) else { return resources }
        let keys = try await decryptionKeyring(spec)
        return try await ManifestDecryptor(keys: keys, owner: "application \(spec.name)").decrypt(resources)
    }

    /// Secrets Kustomize generated from decrypted files hold plaintext without a SOPS trace: in a
    /// render that decrypted files, every Secret value is marked sensitive (sealed in the
    /// inventory, masked everywhere).
    static func markGeneratedSecrets(_ resources: [Resource]) -> [Resource] {
        resources.map { resource in
            guard resource.kind == "Secret", resource.group.isEmpty else { return resource }
            var sensitive = resource.sensitive ?? SensitiveFields()
            for field in ["data", "stringData"] {
                for entry in resource.body[field]?.objectValue ?? JSONObject() {
                    sensitive.pointers.insert("/\(field)/\(SensitiveFields.escape(entry.key))")
                    guard let text = entry.value.stringValue else { continue }
                    let plain = field == "data" ? Data(base64Encoded: text).flatMap { String(data: $0, encoding: .utf8) } ?? text : text
                    if !plain.isEmpty { sensitive.values.insert(plain) }
                }
            }
            var marked = resource
            marked.sensitive = sensitive
            return marked
        }
    }

    /// Carries what was decrypted over to the target's prepared resources: by kind and name, and
    /// for resources the target built anew (a Nomad job from its file) by the values themselves.
    static func carrySensitive(from decrypted: [Resource], to prepared: [Resource]) -> [Resource] {
        let marked = decrypted.filter { $0.sensitive?.isEmpty == false }
        guard !marked.isEmpty else { return prepared }
        let everything = marked.reduce(SensitiveFields()) { $0.union($1.sensitive) }
        let byName = Dictionary(marked.map { ("\($0.group)/\($0.kind)/\($0.name)", $0.sensitive) }, uniquingKeysWith: { a, b in a?.union(b) })
        return prepared.map { resource in
            var copy = resource
            let known = byName["\(resource.group)/\(resource.kind)/\(resource.name)"] ?? nil
            copy.sensitive = (known ?? SensitiveFields(values: everything.values)).union(resource.sensitive)
            return copy
        }
    }

    /// Every decrypted value of an application's desired state, to scrub messages with.
    static func sensitiveValues(of resources: [Resource]) -> SensitiveFields {
        SensitiveFields(values: resources.reduce(into: Set<String>()) { $0.formUnion($1.sensitive?.values ?? []) })
    }

    /// The store's sealing key, read once.
    func sealingKey() async throws -> [UInt8] {
        if let key = sealingKeyCache { return key }
        let key = try await store.sealingKey()
        sealingKeyCache = key
        return key
    }

    /// What the inventory keeps of an applied resource: its decrypted values as keyed hashes.
    func forInventory(_ resource: Resource) async throws -> Resource {
        guard resource.sensitive?.isEmpty == false else { return resource }
        var sealed = Sealing.seal(resource, key: try await sealingKey())
        sealed.sensitive = nil
        return sealed
    }

    /// A last-applied body as the diff and health checks use it: its sealed places marked as
    /// sensitive; for health, sealed values the live object still holds put back.
    func lastAppliedForDiff(_ stored: Resource) -> Resource { Sealing.marked(stored) }

    func lastAppliedForHealth(_ stored: Resource, live: Resource?) async -> Resource {
        guard stored.sensitive?.isEmpty == false, let key = try? await sealingKey() else { return stored }
        return Sealing.unsealed(stored, live: live, key: key)
    }
}

/// The engine's keys for the renderer: decrypts Kustomize's generator sources in its private copy.
struct SourcesDecryptor: RenderDecryptor {
    let owner: String
    let keys: @Sendable () async throws(SopsError) -> SopsKeyring?

    func decryptSources(root: URL, path: String) async throws -> [String] {
        try await KustomizeSources.decrypt(root: root, path: path, owner: owner, keys: keys)
    }
}

/// An error whose message had decrypted values taken out.
struct ScrubbedError: Error, CustomStringConvertible {
    var description: String
}
