import BosunCore
import Foundation

/// A chart repository's `index.yaml`, as `helm repo index` writes it: `entries` by chart name,
/// each a list of versions with their archive URLs and digests.
public struct ChartIndex: Sendable {
    public struct Version: Sendable, Hashable {
        public var name: String
        public var version: String
        /// Hex SHA-256 of the archive, as the index states it (may be absent in hand-made indexes).
        public var digest: String?
        public var urls: [String]
        public var created: Date?
        public var description: String?
        public var appVersion: String?
    }

    public var entries: [String: [Version]]

    public init(entries: [String: [Version]]) { self.entries = entries }

    /// Parses the index; `source` names it in errors.
    public init(yaml text: String, source: String) throws(ChartError) {
        let root: JSONValue
        do {
            guard let first = try YAMLDecoder().documents(text).first?.value else {
                throw ChartError(.invalid, "\(source): index.yaml is empty")
            }
            root = first
        } catch let error as ChartError {
            throw error
        } catch {
            throw ChartError(.invalid, "\(source): index.yaml is not valid YAML (\(error)); is the URL a Helm chart repository?")
        }
        guard case .object(let top) = root, case .object(let entries)? = top["entries"] else {
            throw ChartError(.invalid, "\(source): index.yaml has no `entries` mapping; is the URL a Helm chart repository?")
        }
        let dates = ISO8601DateFormatter()
        dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let plainDates = ISO8601DateFormatter()
        var result: [String: [Version]] = [:]
        for entry in entries {
            let versions = (entry.value.arrayValue ?? []).compactMap { item -> Version? in
                guard let version = item["version"]?.stringValue ?? item["version"]?.intValue.map(String.init) else { return nil }
                let created = item["created"]?.stringValue.flatMap { dates.date(from: $0) ?? plainDates.date(from: $0) }
                return Version(name: entry.key, version: version, digest: item["digest"]?.stringValue,
                               urls: (item["urls"]?.arrayValue ?? []).compactMap(\.stringValue), created: created,
                               description: item["description"]?.stringValue, appVersion: item["appVersion"]?.stringValue)
            }
            result[entry.key] = versions
        }
        self.entries = result
    }
}

/// Picks a chart version from what a repository offers, with the rules of Git tags: an exact
/// version, else a semver range (`6.x`, `^6.1`, `>=1.4 <2`); pre-releases only when the range
/// names one. A range that matches nothing lists the nearest versions.
public enum ChartVersionSelection {
    public static func select(_ revision: RevisionSpec, from available: [String], chart: String, source: String) throws(ChartError) -> String {
        let parsed = available.compactMap { text in SemVer(text).map { (text, $0) } }
        let range: SemVerRange
        switch revision {
        case .ref(let text):
            if text == "HEAD" || text == "latest" || text == "*" {
                if let best = parsed.filter({ !$0.1.isPrerelease }).max(by: { $0.1 < $1.1 }) { return best.0 }
                throw ChartError(.notFound, "\(source): chart \(chart) has no released version (available: \(nearest(parsed, to: nil)))")
            }
            if available.contains(text) { return text }
            if let wanted = SemVer(text), let same = parsed.first(where: { $0.1 == wanted }) { return same.0 }
            do { range = try SemVerRange(text) } catch {
                throw ChartError(.notFound, "\(source): chart \(chart) has no version \"\(text)\" (nearest: \(nearest(parsed, to: SemVer(text))))")
            }
        case .semver(let r):
            range = r
        }
        if let best = parsed.filter({ range.matches($0.1) }).max(by: { $0.1 < $1.1 }) { return best.0 }
        let anchor = try? SemVerRange.partial(range.text.trimmingCharacters(in: CharacterSet(charactersIn: "^~>=< v")).split(separator: " ").first.map(String.init) ?? "", in: range.text).0
        throw ChartError(.notFound, "\(source): no version of chart \(chart) matches \"\(range.text)\" (nearest: \(nearest(parsed, to: anchor)))")
    }

    /// Up to five versions closest to `anchor` (the newest when there is none), for messages.
    static func nearest(_ versions: [(String, SemVer)], to anchor: SemVer?) -> String {
        guard !versions.isEmpty else { return "none" }
        let sorted = versions.sorted { $0.1 < $1.1 }
        guard let anchor else { return sorted.suffix(5).map(\.0).reversed().joined(separator: ", ") }
        func distance(_ v: SemVer) -> Int {
            abs(v.major - anchor.major) * 1_000_000 + abs(v.minor - anchor.minor) * 1_000 + abs(v.patch - anchor.patch)
        }
        return sorted.sorted { distance($0.1) < distance($1.1) }.prefix(5).sorted { $0.1 > $1.1 }.map(\.0).joined(separator: ", ")
    }
}
