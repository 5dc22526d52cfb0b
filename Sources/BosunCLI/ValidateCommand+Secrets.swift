import BosunCore
import BosunRender
import BosunSecrets
import Foundation

/// What `bosun validate` checks of secrets: every decryption key loads, and every SOPS file of an
/// application with decryption opens with its keys (rendered at the application's revision).
enum SecretsCheck {
    /// `applications`: those to check (default: the config's own); keys are always loaded.
    /// `directory`: where this run keeps its Git mirrors and renders (never the server's dataDir).
    static func problems(_ config: Config, applications: [ApplicationSpec]? = nil, directory: URL) async -> [String] {
        let applications = applications ?? config.applications
        guard !config.decryptionKeys.isEmpty || applications.contains(where: { config.decryption(for: $0) != nil }) else { return [] }
        // A throwaway PGP keyring: validating never touches the server's own.
        let gpgRoot = NSTemporaryDirectory() + "bosun-validate-gpg-\(UUID().uuidString.prefix(8))"
        defer { removeKeyrings(gpgRoot) }
        var problems: [String] = []
        for (index, spec) in config.decryptionKeys.enumerated() {
            do {
                _ = try await KeyringCache.load(spec, config: config, gpgRoot: gpgRoot)
            } catch {
                problems.append("decryptionKeys[\(index)] (\(spec.name)): \(error.description)")
            }
        }
        guard problems.isEmpty else { return problems }
        let keyrings = KeyringCache(config: config, gpgRoot: gpgRoot)
        let renderer = SourceRenderer(directory: directory)
        for spec in applications {
            guard let decryption = config.decryption(for: spec), let repository = config.repository(named: spec.source.repository) else { continue }
            let owner = "application \(spec.name)"
            do {
                let keys = try await keyrings.keyring(for: decryption, owner: owner)
                let commit = try await renderer.resolve(spec.source.revision, in: repository)
                var request = RenderRequest(path: spec.source.path, kind: spec.source.render, helm: spec.source.helm, releaseName: spec.name,
                                            namespace: spec.destination.namespace, varsFile: spec.source.varsFile)
                request.decryptionKeys = decryption.keys
                request.path = try Renderer.normalize(request.path)
                let output = try await renderer.render(request, commit: commit.sha, in: repository, decryptor: CLISourcesDecryptor(keys: keys, owner: owner))
                for error in await ManifestDecryptor(keys: keys, owner: owner).problems(output.resources) {
                    problems.append("\(owner): \(error.description)")
                }
            } catch let error as SopsError {
                problems.append("\(owner): \(error.description)")
            } catch {
                Console.error("warning: \(owner): its SOPS files were not checked: \(error)")
            }
        }
        return problems
    }

    static func removeKeyrings(_ root: String) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for name in names {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["gpgconf", "--homedir", root + "/" + name, "--kill", "all"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try? process.run()
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Kustomize's generator sources, decrypted with the keys given (the CLI's side of the engine's).
struct CLISourcesDecryptor: RenderDecryptor {
    let keys: SopsKeyring?
    let owner: String

    func decryptSources(root: URL, path: String) async throws -> [String] {
        try await KustomizeSources.decrypt(root: root, path: path, keys: keys, owner: owner)
    }
}
