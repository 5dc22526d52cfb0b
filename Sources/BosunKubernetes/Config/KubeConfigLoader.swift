import BosunCore
import Foundation

/// Finds and reads kubeconfig files the way `kubectl` does.
public enum KubeConfigLoader {
    /// The merged kubeconfig: `explicitPath` alone when given (it must exist); otherwise every
    /// existing file of the `KUBECONFIG` list (first definition wins); otherwise
    /// `~/.kube/config`.
    public static func load(explicitPath: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> KubeConfig {
        if let explicitPath {
            let path = expand(explicitPath, environment: environment)
            guard FileManager.default.fileExists(atPath: path) else {
                throw TargetError(.invalid, "kubeconfig \(path) does not exist")
            }
            return try read(path)
        }
        let home = environment["HOME"] ?? NSHomeDirectory()
        var paths: [String] = []
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            for entry in list.split(separator: ":") where !entry.isEmpty {
                let path = expand(String(entry), environment: environment)
                if !paths.contains(path) { paths.append(path) }
            }
        } else {
            paths = ["\(home)/.kube/config"]
        }
        let existing = paths.filter { FileManager.default.fileExists(atPath: $0) }
        guard let first = existing.first else {
            let looked = paths.joined(separator: ", ")
            throw TargetError(.invalid, "no kubeconfig found (looked at \(looked)); set `kubeconfig:` on the target, KUBECONFIG, or `inCluster: true`")
        }
        var merged = try read(first)
        for path in existing.dropFirst() { merged.merge(try read(path)) }
        return merged
    }

    /// The connection for a context of the kubeconfig found as `load` finds it.
    public static func connection(
        explicitPath: String? = nil, context: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> ClusterConnection {
        try load(explicitPath: explicitPath, environment: environment).connection(context: context)
    }

    static func read(_ path: String) throws -> KubeConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TargetError(.invalid, "cannot read kubeconfig \(path): \((error as NSError).localizedDescription)")
        }
        return try KubeConfig.parse(text, path: path)
    }

    static func expand(_ path: String, environment: [String: String]) -> String {
        if path == "~" || path.hasPrefix("~/"), let home = environment["HOME"] {
            return home + path.dropFirst()
        }
        return (path as NSString).expandingTildeInPath
    }
}
