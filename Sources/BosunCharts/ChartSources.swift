import BosunCore
import Crypto
import Foundation

/// A chart version chosen from a repository: what an application is synced to, and where its
/// archive is.
public struct ResolvedChart: Sendable, Hashable {
    public var repository: String
    public var chart: String
    public var version: String
    /// `sha256:<hex>` of the archive.
    public var digest: String
    /// The archive's URL (chart repository) or the blob's reference (OCI).
    public var location: String
    public var created: Date?
    public var description: String?

    /// `podinfo@6.1.0`: how history and pins name it.
    public var revision: String { "\(chart)@\(version)" }
}

/// Counters for benchmarks and tests: what crossed the network.
public struct ChartSourceStatistics: Sendable, Hashable {
    /// Index requests sent (conditional or not).
    public var indexRequests = 0
    /// Index requests answered 304 Not Modified.
    public var indexNotModified = 0
    /// Index bodies downloaded and parsed.
    public var indexDownloads = 0
    /// Archives (or OCI blobs) downloaded.
    public var archiveDownloads = 0
    /// Charts unpacked into the cache.
    public var unpacked = 0
    public init() {}
}

/// Charts from chart repositories (`index.yaml`) and OCI registries: refreshes an index with a
/// conditional GET, resolves versions and ranges, downloads archives, verifies their digests,
/// and keeps them unpacked in a cache keyed by digest.
public actor ChartSources {
    struct CachedIndex {
        var index: ChartIndex
        var etag: String?
        var lastModified: String?
    }

    let cacheDirectory: URL
    let http = ChartHTTP()
    var indexes: [String: CachedIndex] = [:]
    var tags: [String: [String]] = [:]
    var refreshes: [String: Task<String?, any Error>] = [:]
    var tokens: [String: String] = [:]
    var unpacking: [String: Task<URL, any Error>] = [:]
    public private(set) var statistics = ChartSourceStatistics()

    /// `cacheDirectory`: where unpacked charts live (under the data directory).
    public init(cacheDirectory: URL) {
        self.cacheDirectory = cacheDirectory
    }

    public func shutdown() async { await http.shutdown() }

    // MARK: Refresh

    /// Reads the repository's index again (chart repositories: a conditional GET; OCI: the tag
    /// lists already asked for). Returns a warning when it failed but an earlier copy is used;
    /// throws when there is none. Concurrent refreshes of one repository share one request.
    public func refresh(_ access: ChartRepositoryAccess) async throws -> String? {
        if let inFlight = refreshes[access.url] { return try await inFlight.value }
        let task = Task { try await self.refreshNow(access) }
        refreshes[access.url] = task
        defer { refreshes[access.url] = nil }
        return try await task.value
    }

    func refreshNow(_ access: ChartRepositoryAccess) async throws -> String? {
        do {
            switch access.type {
            case .helm: try await refreshIndex(access)
            case .oci:
                for key in tags.keys where key.hasPrefix(access.url + "/") {
                    let chart = String(key.dropFirst(access.url.count + 1))
                    tags[key] = try await OCIRegistry(access: access, sources: self).tags(chart: chart)
                }
            case .git: break
            }
            return nil
        } catch {
            // (Matched by value, not `as` with a where clause: that form crashes Swift 6.3's SIL checker here.)
            let chartError: ChartError = error
            guard chartError.code == .unavailable else { throw chartError }
            let known = access.type == .helm ? indexes[access.url] != nil : tags.keys.contains { $0.hasPrefix(access.url + "/") }
            if known { return chartError.message }
            throw chartError
        }
    }

    func refreshIndex(_ access: ChartRepositoryAccess) async throws(ChartError) {
        let url = access.url.hasSuffix("/") ? access.url + "index.yaml" : access.url + "/index.yaml"
        var headers: [(String, String)] = []
        if let auth = access.basicAuthorization { headers.append(("Authorization", auth)) }
        let cached = indexes[access.url]
        if let etag = cached?.etag { headers.append(("If-None-Match", etag)) }
        if let modified = cached?.lastModified { headers.append(("If-Modified-Since", modified)) }
        statistics.indexRequests += 1
        let answer = try await http.get(url, headers: headers, access: access)
        if answer.status == 304, cached != nil {
            statistics.indexNotModified += 1
            return
        }
        guard answer.status == 200 else { throw ChartHTTP.failure(answer, what: "index.yaml", access: access) }
        guard let text = String(data: answer.body, encoding: .utf8) else {
            throw ChartError(.invalid, "\(access.name): index.yaml is not UTF-8 text; is the URL a Helm chart repository?")
        }
        statistics.indexDownloads += 1
        let index = try ChartIndex(yaml: text, source: access.name)
        indexes[access.url] = CachedIndex(index: index, etag: answer.headers.first(name: "ETag"),
                                          lastModified: answer.headers.first(name: "Last-Modified"))
    }

    // MARK: Resolve

    /// The version of `chart` that `revision` names (an exact version or a range), from the
    /// last refreshed index (refreshing first when there is none).
    public func resolve(_ access: ChartRepositoryAccess, chart: String, revision: RevisionSpec) async throws -> ResolvedChart {
        switch access.type {
        case .helm:
            if indexes[access.url] == nil { try await refreshIndex(access) }
            guard let index = indexes[access.url]?.index else { throw ChartError(.unavailable, "\(access.name): no index") }
            guard let versions = index.entries[chart], !versions.isEmpty else {
                let names = index.entries.keys.sorted()
                throw ChartError(.notFound, "\(access.name) has no chart \"\(chart)\"\(names.isEmpty ? "" : " (it has: \(names.prefix(10).joined(separator: ", ")))")")
            }
            let chosen = try ChartVersionSelection.select(revision, from: versions.map(\.version), chart: chart, source: access.name)
            guard let entry = versions.first(where: { $0.version == chosen }), let first = entry.urls.first else {
                throw ChartError(.invalid, "\(access.name): chart \(chart) \(chosen) has no archive URL in index.yaml")
            }
            guard let digest = entry.digest, digest.count == 64 else {
                throw ChartError(.invalid, "\(access.name): chart \(chart) \(chosen) has no sha256 digest in index.yaml; Bosun verifies every archive")
            }
            return ResolvedChart(repository: access.name, chart: chart, version: chosen, digest: "sha256:" + digest.lowercased(),
                                 location: Self.absolute(first, base: access.url), created: entry.created, description: entry.description)
        case .oci:
            let key = access.url + "/" + chart
            let registry = OCIRegistry(access: access, sources: self)
            if tags[key] == nil { tags[key] = try await registry.tags(chart: chart) }
            let available = (tags[key] ?? []).map { $0.replacingOccurrences(of: "_", with: "+") }
            let chosen = try ChartVersionSelection.select(revision, from: available, chart: chart, source: access.name)
            let layer = try await registry.chartLayer(chart: chart, tag: chosen.replacingOccurrences(of: "+", with: "_"))
            return ResolvedChart(repository: access.name, chart: chart, version: chosen, digest: layer, location: key, created: nil,
                                 description: nil)
        case .git:
            throw ChartError(.invalid, "\(access.name) is a Git repository, not a chart repository")
        }
    }

    static func absolute(_ url: String, base: String) -> String {
        if url.contains("://") { return url }
        let root = base.hasSuffix("/") ? base : base + "/"
        return URL(string: url, relativeTo: URL(string: root))?.absoluteString ?? root + url
    }

    // MARK: Fetch

    /// The chart unpacked in the cache (downloaded and verified when it is not there yet).
    public func chartDirectory(_ chart: ResolvedChart, access: ChartRepositoryAccess) async throws -> URL {
        let folder = cacheDirectory.appendingPathComponent(chart.digest.replacingOccurrences(of: ":", with: "-"))
        if FileManager.default.fileExists(atPath: folder.appendingPathComponent("Chart.yaml").path) { return folder }
        // Applications of one chart asking at once share one download.
        if let inFlight = unpacking[chart.digest] { return try await inFlight.value }
        let task = Task { try await self.download(chart, access: access, into: folder) }
        unpacking[chart.digest] = task
        defer { unpacking[chart.digest] = nil }
        return try await task.value
    }

    func download(_ chart: ResolvedChart, access: ChartRepositoryAccess, into folder: URL) async throws -> URL {
        let data = try await archive(chart, access: access)
        let name = "\(chart.repository): \(chart.chart)-\(chart.version).tgz"
        let tar = try TarArchive(gzipped: data, name: name)
        guard tar.files.contains(where: { $0.path.split(separator: "/").count == 2 && $0.path.hasSuffix("/Chart.yaml") }) else {
            throw ChartError(.invalid, "\(name) holds no <chart>/Chart.yaml; it is not a Helm chart archive")
        }
        let staging = cacheDirectory.appendingPathComponent(".staging-\(UUID().uuidString.prefix(8))")
        do {
            try tar.write(to: staging, strippingTop: true)
            try? FileManager.default.removeItem(at: folder)
            try FileManager.default.moveItem(at: staging, to: folder)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw ChartError(.unavailable, "cannot write the chart cache under \(cacheDirectory.path): \(error)")
        }
        statistics.unpacked += 1
        return folder
    }

    /// The archive's bytes, verified against the digest the index or manifest stated.
    func archive(_ chart: ResolvedChart, access: ChartRepositoryAccess) async throws -> Data {
        let data: Data
        switch access.type {
        case .oci:
            data = try await OCIRegistry(access: access, sources: self).blob(chart: chart.chart, digest: chart.digest)
        default:
            var headers: [(String, String)] = []
            // Credentials go only to the repository's own host (archives may live elsewhere).
            if let auth = access.basicAuthorization, URL(string: chart.location)?.host == URL(string: access.url)?.host {
                headers.append(("Authorization", auth))
            }
            let answer = try await http.get(chart.location, headers: headers, access: access)
            guard answer.status == 200 else { throw ChartHTTP.failure(answer, what: "\(chart.chart)-\(chart.version).tgz", access: access) }
            data = answer.body
        }
        statistics.archiveDownloads += 1
        let actual = "sha256:" + SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        guard actual == chart.digest else {
            throw ChartError(.invalid, "\(access.name): \(chart.chart)-\(chart.version).tgz has digest \(actual), but the \(access.type == .oci ? "manifest" : "index") says \(chart.digest); refusing it")
        }
        return data
    }

    // MARK: Tokens (OCI bearer flow)

    func token(for scope: String) -> String? { tokens[scope] }
    func setToken(_ token: String, for scope: String) { tokens[scope] = token }
}
