import BosunCore
import Foundation

/// The files Kustomize's `secretGenerator` reads (`files`, `envs`, `env`), decrypted in place
/// inside a private copy of the tree before Kustomize runs, as Flux's kustomize-controller does.
/// Kustomizations are followed through their local `resources`, `bases` and `components`;
/// nothing outside the tree is read or written.
public enum KustomizeSources {
    static let kustomizationNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    /// Decrypts the generator sources of the kustomization at `path` (relative to `root`) and
    /// of those it includes. Returns the repository paths decrypted (empty: nothing was SOPS).
    public static func decrypt(root: URL, path: String, keys: SopsKeyring?, owner: String) async throws(SopsError) -> [String] {
        try await decrypt(root: root, path: path, owner: owner) { () throws(SopsError) in keys }
    }

    /// As above, asking for the keys only once a SOPS file is found (loading them costs file
    /// reads and a gpg import that most renders never need).
    public static func decrypt(root: URL, path: String, owner: String,
                               keys: @Sendable () async throws(SopsError) -> SopsKeyring?) async throws(SopsError) -> [String]
    {
        // Symlinks resolved on both sides: a link inside the tree may not lead a write outside it.
        let rootPath = root.resolvingSymlinksInPath().standardizedFileURL.path
        var visited = Set<String>()
        var decrypted: [String] = []
        var queue = [path]
        while let next = queue.popLast() {
            guard let folder = inside(rootPath, next), visited.insert(folder).inserted else { continue }
            guard let file = kustomizationNames.map({ folder + "/" + $0 }).first(where: { FileManager.default.fileExists(atPath: $0) }) else { continue }
            let relativeFile = relative(file, to: rootPath)
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else { continue }
            let kustomization: JSONValue
            do {
                kustomization = try YAMLDecoder().value(text)
            } catch {
                continue  // Kustomize reports its own file's errors better.
            }
            var sources: [(name: String, path: String)] = []
            for generator in kustomization["secretGenerator"]?.arrayValue ?? [] {
                for entry in generator["files"]?.arrayValue ?? [] {
                    guard let spec = entry.stringValue else { continue }
                    let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                    sources.append((parts[0], parts.count == 2 ? parts[1] : parts[0]))
                }
                for env in (generator["envs"]?.arrayValue ?? []) + [generator["env"]].compactMap({ $0 }) {
                    guard let file = env.stringValue else { continue }
                    sources.append((SopsFormat.forPath(file) == .binary ? file + ".env" : file, file))
                }
            }
            for source in sources {
                let target = source.path.hasPrefix("/") ? source.path : folder + "/" + source.path
                guard let absolute = inside(rootPath, target, relativeToRoot: false) else {
                    throw SopsError(.unreadable, file: relativeFile, "secretGenerator reads \(source.path), outside the repository")
                }
                if try await decryptFile(absolute, name: source.name, display: relative(absolute, to: rootPath), keys: keys, owner: owner) {
                    decrypted.append(relative(absolute, to: rootPath))
                }
            }
            for key in ["resources", "bases", "components"] {
                for entry in kustomization[key]?.arrayValue ?? [] {
                    guard let reference = entry.stringValue, !reference.contains("://"), !reference.hasPrefix("github.com/") else { continue }
                    let candidate = folder + "/" + reference
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), isDirectory.boolValue {
                        queue.append(relative(URL(fileURLWithPath: candidate).standardizedFileURL.path, to: rootPath))
                    }
                }
            }
        }
        return decrypted
    }

    /// Decrypts one file in place when it is a SOPS file; the plaintext takes the format its
    /// generator key names.
    static func decryptFile(_ path: String, name: String, display: String, keys loadKeys: @Sendable () async throws(SopsError) -> SopsKeyring?,
                            owner: String) async throws(SopsError) -> Bool
    {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard attributes?[.type] as? FileAttributeType == .typeRegular else { return false }
        let size = (attributes?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= SopsFile.maxSize, let data = FileManager.default.contents(atPath: path) else {
            throw SopsError(.unreadable, file: display, "the file is over the \(SopsFile.maxSize >> 20) MiB limit for SOPS files")
        }
        let bytes = Array(data)
        guard let format = SopsFormat.detect(bytes) else { return false }
        guard let keys = try await loadKeys() else {
            throw SopsError(.noKey, file: display, "is encrypted with SOPS and read by a secretGenerator, but \(owner) names no decryption keys; add `decryption: { provider: sops, keys: [NAME] }`")
        }
        let loaded = try SopsFile.load(bytes, format: format, name: display)
        do throws(SopsError) {
            let dataKey = try await keys.dataKey(for: loaded.document.metadata)
            let plain = try loaded.document.decrypted(with: dataKey)
            let plaintext = try ManifestDecryptor.emit(loaded, plain: plain, dataKey: dataKey, outputName: name)
            guard FileManager.default.createFile(atPath: path, contents: Data(plaintext), attributes: [.posixPermissions: 0o600]) else {
                throw SopsError(.unreadable, "cannot write the decrypted copy for kustomize")
            }
        } catch {
            throw error.about(display)
        }
        return true
    }

    /// An absolute, normalised path inside `root`; nil when it leaves it.
    static func inside(_ root: String, _ path: String, relativeToRoot: Bool = true) -> String? {
        let joined = relativeToRoot && !path.hasPrefix("/") ? root + "/" + path : path
        let standardized = URL(fileURLWithPath: joined).resolvingSymlinksInPath().standardizedFileURL.path
        return standardized == root || standardized.hasPrefix(root + "/") ? standardized : nil
    }

    static func relative(_ path: String, to root: String) -> String {
        path == root ? "." : path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }
}
