import BosunCore
import Foundation

/// Which kinds the API server serves, and how (plural name, namespaced, verbs): fetched lazily
/// per group version and cached. An unknown kind refreshes what it needs once (a CRD may have
/// been applied since), at most once per `refreshInterval` so a kind that stays unknown does
/// not cost a request every time it is asked for.
public actor APIDiscovery {
    struct GroupInfo: Sendable {
        var preferredVersion: String
        var versions: [String]
    }

    private let transport: HTTPTransport
    private let clock: any BosunClock
    public let refreshInterval: TimeInterval

    private var groups: [String: GroupInfo]?
    private var groupsFetched: Date?
    private var resources: [String: [String: APIResource]] = [:]
    private var resourcesFetched: [String: Date] = [:]
    private var inflight: [String: Task<[String: APIResource], any Error>] = [:]

    init(transport: HTTPTransport, clock: any BosunClock, refreshInterval: TimeInterval = 5) {
        self.transport = transport
        self.clock = clock
        self.refreshInterval = refreshInterval
    }

    /// The resource for `apiVersion` + `kind`; nil when the server does not serve it, even
    /// after a refresh.
    public func resource(apiVersion: String, kind: String) async throws -> APIResource? {
        let group = Resource.group(ofAPIVersion: apiVersion)
        let version = apiVersion.split(separator: "/").last.map(String.init) ?? apiVersion
        return try await find(groupVersion: group.isEmpty ? version : "\(group)/\(version)", kind: kind)
    }

    /// The resource for a kind of a group at the group's preferred version (then any other
    /// version that serves it); nil when no version serves it, even after a refresh.
    public func resource(group: String, kind: String) async throws -> APIResource? {
        if let info = groups?[group] {
            for groupVersion in Self.groupVersions(group, info) {
                if let found = resources[groupVersion]?[kind] { return found }
            }
        }
        guard let info = try await groupInfo(refresh: true)[group] else { return nil }
        for groupVersion in Self.groupVersions(group, info) {
            if let found = try await resources(groupVersion: groupVersion, refresh: true)[kind] { return found }
        }
        return nil
    }

    private static func groupVersions(_ group: String, _ info: GroupInfo) -> [String] {
        let versions = [info.preferredVersion] + info.versions.filter { $0 != info.preferredVersion }
        return versions.map { group.isEmpty ? $0 : "\(group)/\($0)" }
    }

    /// The versions the server serves for `group`, for messages about an unknown apiVersion.
    public func servedVersions(group: String) async throws -> [String] {
        try await groupInfo(refresh: groups?[group] == nil)[group]?.versions ?? []
    }

    /// Drops what is known about a group, so the next question asks the server again
    /// (after a CRD of that group is applied).
    public func invalidate(group: String) {
        groupsFetched = nil
        for key in resources.keys where Resource.group(ofAPIVersion: key) == group {
            resources[key] = nil
            resourcesFetched[key] = nil
        }
    }

    // MARK: Fetching

    private func find(groupVersion: String, kind: String) async throws -> APIResource? {
        if let found = try await resources(groupVersion: groupVersion, refresh: false)[kind] { return found }
        return try await resources(groupVersion: groupVersion, refresh: true)[kind]
    }

    private func isStale(_ fetched: Date?) -> Bool {
        guard let fetched else { return true }
        return clock.now.timeIntervalSince(fetched) >= refreshInterval
    }

    private func resources(groupVersion: String, refresh: Bool) async throws -> [String: APIResource] {
        if let cached = resources[groupVersion], !refresh || !isStale(resourcesFetched[groupVersion]) { return cached }
        if let running = inflight[groupVersion] { return try await running.value }
        let transport = self.transport
        let task = Task { try await Self.fetchResources(groupVersion: groupVersion, transport: transport) }
        inflight[groupVersion] = task
        defer { inflight[groupVersion] = nil }
        let fetched = try await task.value
        resources[groupVersion] = fetched
        resourcesFetched[groupVersion] = clock.now
        return fetched
    }

    /// Every group version the server serves (`v1`, `apps/v1`), as Helm's `--api-versions` takes them.
    public func groupVersions() async throws -> [String] {
        try await groupInfo(refresh: false).flatMap { group, info in
            info.versions.map { group.isEmpty ? $0 : "\(group)/\($0)" }
        }.sorted()
    }

    /// The server's `gitVersion` (`v1.31.0`) from `/version`; nil when it does not say.
    public func serverVersion() async throws -> String? {
        try await transport.json(.discovery("/version"))?["gitVersion"]?.stringValue
    }

    private func groupInfo(refresh: Bool) async throws -> [String: GroupInfo] {
        if let groups, !refresh || !isStale(groupsFetched) { return groups }
        var fetched: [String: GroupInfo] = [:]
        let core = try await transport.json(.discovery("/api"))
        let coreVersions = core?["versions"]?.arrayValue?.compactMap(\.stringValue) ?? ["v1"]
        fetched[""] = GroupInfo(preferredVersion: coreVersions.first ?? "v1", versions: coreVersions)
        let list = try await transport.json(.discovery("/apis"))
        for entry in list?["groups"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue else { continue }
            let versions = entry["versions"]?.arrayValue?.compactMap { $0["version"]?.stringValue } ?? []
            let preferred = entry["preferredVersion"]?["version"]?.stringValue ?? versions.first ?? ""
            fetched[name] = GroupInfo(preferredVersion: preferred, versions: versions)
        }
        groups = fetched
        groupsFetched = clock.now
        return fetched
    }

    private static func fetchResources(groupVersion: String, transport: HTTPTransport) async throws -> [String: APIResource] {
        let group = Resource.group(ofAPIVersion: groupVersion)
        let version = groupVersion.split(separator: "/").last.map(String.init) ?? groupVersion
        let path = group.isEmpty ? "/api/\(version)" : "/apis/\(groupVersion)"
        // A group version the server does not serve answers 404: it has no kinds.
        guard let list = try await transport.json(.discovery(path), notFoundIsNil: true) else { return [:] }
        var byKind: [String: APIResource] = [:]
        for entry in list["resources"]?.arrayValue ?? [] {
            guard let name = entry["name"]?.stringValue, !name.contains("/"), let kind = entry["kind"]?.stringValue else { continue }
            byKind[kind] = APIResource(
                group: group, version: version, kind: kind, name: name,
                namespaced: entry["namespaced"]?.boolValue ?? false,
                verbs: entry["verbs"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        }
        return byKind
    }
}
