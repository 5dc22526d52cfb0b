import Crypto
import Foundation

/// Charts made in a test: a folder of files packed by the system `tar` as `helm package`
/// lays them out (`<name>/Chart.yaml`, …), and an `index.yaml` as `helm repo index` writes it.
public struct ChartFixture: Sendable {
    public var name: String
    public var version: String
    /// Files under the chart folder (`templates/cm.yaml` → content); Chart.yaml is added.
    public var files: [String: String]
    public var appVersion: String

    public init(name: String, version: String, files: [String: String], appVersion: String = "1.0.0") {
        self.name = name
        self.version = version
        self.files = files
        self.appVersion = appVersion
    }

    public var chartYAML: String {
        files["Chart.yaml"] ?? "apiVersion: v2\nname: \(name)\nversion: \(version)\nappVersion: \"\(appVersion)\"\ndescription: \(name) for tests\ntype: application\n"
    }

    /// Packs the chart into `directory/<name>-<version>.tgz`; returns its bytes.
    @discardableResult
    public func package(into directory: URL) throws -> Data {
        let work = directory.appendingPathComponent(".pack-\(name)-\(version)-\(UUID().uuidString.prefix(6))")
        defer { try? FileManager.default.removeItem(at: work) }
        let root = work.appendingPathComponent(name)
        var all = files
        all["Chart.yaml"] = chartYAML
        for (path, content) in all {
            let url = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(content.utf8).write(to: url)
        }
        let archive = directory.appendingPathComponent("\(name)-\(version).tgz")
        try Shell.runBlocking(["tar", "-czf", archive.path, "-C", work.path, name])
        return try Data(contentsOf: archive)
    }

    public static func sha256(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    /// `index.yaml` for the `.tgz` files in `directory`, in the shape `helm repo index` writes
    /// (entries by chart, newest first, digest and relative URL). `digests` overrides digests.
    public static func writeIndex(in directory: URL, charts: [ChartFixture], digests: [String: String] = [:]) throws {
        var text = "apiVersion: v1\nentries:\n"
        let byName = Dictionary(grouping: charts, by: \.name)
        for name in byName.keys.sorted() {
            text += "  \(name):\n"
            for chart in byName[name, default: []].sorted(by: { $0.version.compare($1.version, options: .numeric) == .orderedDescending }) {
                let file = "\(chart.name)-\(chart.version).tgz"
                let data = try Data(contentsOf: directory.appendingPathComponent(file))
                text += """
                      - apiVersion: v2
                        appVersion: "\(chart.appVersion)"
                        created: "2026-11-20T10:00:00.000000000Z"
                        description: \(chart.name) for tests
                        digest: \(digests[file] ?? sha256(data))
                        name: \(chart.name)
                        type: application
                        urls:
                        - \(file)
                        version: \(chart.version)

                    """
            }
        }
        text += "generated: \"2026-11-20T10:00:00.000000000Z\"\n"
        try Data(text.utf8).write(to: directory.appendingPathComponent("index.yaml"))
    }
}
