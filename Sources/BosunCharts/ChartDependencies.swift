import BosunCore
import Foundation

extension ChartSources {
    /// Places a chart's `Chart.yaml` dependencies in its `charts/` folder as `helm dependency
    /// build` would: from chart repositories, OCI registries or `file://` folders, at the
    /// versions `Chart.lock` names when there is one, else the best match of each range.
    /// Dependencies already in `charts/` are kept. `repositories`: the configured ones, whose
    /// credentials are used when a dependency's URL is theirs.
    public func vendorDependencies(in chart: URL, repositories: [ChartRepositoryAccess], displayName: String) async throws {
        let fm = FileManager.default
        guard let text = try? String(contentsOf: chart.appendingPathComponent("Chart.yaml"), encoding: .utf8),
            let metadata = try? YAMLDecoder().documents(text).first?.value,
            let dependencies = metadata["dependencies"]?.arrayValue, !dependencies.isEmpty
        else { return }
        var locked: [String: String] = [:]
        if let lock = try? String(contentsOf: chart.appendingPathComponent("Chart.lock"), encoding: .utf8),
            let entries = (try? YAMLDecoder().documents(lock).first?.value)?["dependencies"]?.arrayValue
        {
            for entry in entries {
                if let name = entry["name"]?.stringValue, let version = entry["version"]?.stringValue { locked[name] = version }
            }
        }
        let charts = chart.appendingPathComponent("charts")
        let present = (try? fm.contentsOfDirectory(atPath: charts.path)) ?? []
        for dependency in dependencies {
            guard let name = dependency["name"]?.stringValue else {
                throw ChartError(.invalid, "\(displayName): a dependency in Chart.yaml has no name")
            }
            if present.contains(name) || present.contains(where: { $0.hasPrefix(name + "-") && $0.hasSuffix(".tgz") }) { continue }
            let repository = dependency["repository"]?.stringValue ?? ""
            let range = locked[name] ?? dependency["version"]?.stringValue ?? "*"
            let destination = charts.appendingPathComponent(name)
            try? fm.createDirectory(at: charts, withIntermediateDirectories: true)
            if repository.isEmpty { continue }
            if repository.hasPrefix("file://") {
                let relative = String(repository.dropFirst("file://".count))
                let source = chart.appendingPathComponent(relative).standardizedFileURL
                guard fm.fileExists(atPath: source.appendingPathComponent("Chart.yaml").path) else {
                    throw ChartError(.invalid, "\(displayName): dependency \(name) names \(repository), which holds no Chart.yaml")
                }
                try? fm.removeItem(at: destination)
                try fm.copyItem(at: source, to: destination)
                try await vendorDependencies(in: destination, repositories: repositories, displayName: "\(displayName) → \(name)")
                continue
            }
            if repository.hasPrefix("@") || repository.hasPrefix("alias:") {
                throw ChartError(.invalid, "\(displayName): dependency \(name) names the repository alias \(repository); write its URL in Chart.yaml")
            }
            let type: RepositoryType = repository.hasPrefix("oci://") ? .oci : .helm
            let trimmed = repository.hasSuffix("/") ? String(repository.dropLast()) : repository
            let access = repositories.first { ($0.url.hasSuffix("/") ? String($0.url.dropLast()) : $0.url) == trimmed }
                ?? ChartRepositoryAccess(anonymous: trimmed, type: type)
            let revision: RevisionSpec
            do { revision = SemVer(range) != nil ? .ref(range) : .semver(try SemVerRange(range)) } catch {
                throw ChartError(.invalid, "\(displayName): dependency \(name) has the version range \"\(range)\", which is not a semver range")
            }
            let resolved = try await resolve(access, chart: name, revision: revision)
            let folder = try await chartDirectory(resolved, access: access)
            try? fm.removeItem(at: destination)
            try fm.copyItem(at: folder, to: destination)
        }
    }
}
