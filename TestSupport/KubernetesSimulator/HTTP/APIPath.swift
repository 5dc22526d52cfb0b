/// Where a request goes, read from its URL path the way the API server's router reads it.
enum APIPath: Equatable {
    case version
    case health(String)
    /// `/api` and `/apis`.
    case legacyRoot
    case groupsRoot
    /// `/api/v1`, `/apis/<group>/<version>`.
    case groupVersion(group: String, version: String)
    /// `/apis/<group>`.
    case group(String)
    case openAPI(String)
    case resource(ResourcePath)
    /// `/_simulator/...`: the simulator's own control endpoints.
    case simulator(String)
    case unknown

    struct ResourcePath: Equatable {
        var group: String
        var version: String
        var resource: String
        /// nil for cluster-wide (or cluster-scoped) requests.
        var namespace: String?
        var name: String?
        var subresource: String?
    }

    init(_ path: String) {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        guard let first = parts.first else {
            self = .unknown
            return
        }
        switch first {
        case "version": self = parts.count == 1 ? .version : .unknown
        case "healthz", "readyz", "livez": self = .health(parts.joined(separator: "/"))
        case "openapi": self = .openAPI(parts.dropFirst().joined(separator: "/"))
        case "_simulator": self = .simulator(parts.dropFirst().joined(separator: "/"))
        case "api":
            if parts.count == 1 { self = .legacyRoot } else {
                self = Self.resourcePath(group: "", version: parts[1], rest: Array(parts.dropFirst(2)))
            }
        case "apis":
            switch parts.count {
            case 1: self = .groupsRoot
            case 2: self = .group(parts[1])
            default: self = Self.resourcePath(group: parts[1], version: parts[2], rest: Array(parts.dropFirst(3)))
            }
        default: self = .unknown
        }
    }

    /// `namespaces/<ns>/<resource>/<name>/<sub>` or `<resource>/<name>/<sub>`. A namespace's own
    /// subresources (`namespaces/<name>/status`, `/finalize`) are not namespaced collections.
    private static func resourcePath(group: String, version: String, rest: [String]) -> APIPath {
        if rest.isEmpty { return .groupVersion(group: group, version: version) }
        if rest[0] == "namespaces", rest.count >= 3, !(group.isEmpty && rest.count == 3 && ["status", "finalize"].contains(rest[2])) {
            let namespace = rest[1]
            let tail = Array(rest.dropFirst(2))
            guard tail.count <= 3 else { return .unknown }
            return .resource(
                ResourcePath(
                    group: group, version: version, resource: tail[0], namespace: namespace,
                    name: tail.count > 1 ? tail[1] : nil, subresource: tail.count > 2 ? tail[2] : nil))
        }
        guard rest.count <= 3 else { return .unknown }
        return .resource(
            ResourcePath(
                group: group, version: version, resource: rest[0], namespace: nil, name: rest.count > 1 ? rest[1] : nil,
                subresource: rest.count > 2 ? rest[2] : nil))
    }
}

/// The query string, decoded as Go's `url.ParseQuery` decodes it (`+` is a space).
struct QueryParameters {
    private var values: [String: String] = [:]

    init(_ query: String?) {
        guard let query else { return }
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = Self.decode(parts[0])
            if values[key] == nil { values[key] = parts.count > 1 ? Self.decode(parts[1]) : "" }
        }
    }

    subscript(_ key: String) -> String? { values[key] }

    func bool(_ key: String) -> Bool {
        guard let value = values[key] else { return false }
        return value == "true" || value == "1" || value.isEmpty
    }

    func int(_ key: String) -> Int? { values[key].flatMap { Int($0) } }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "+"): bytes.append(UInt8(ascii: " "))
            case UInt8(ascii: "%"):
                guard let high = iterator.next(), let low = iterator.next(), let h = hex(high), let l = hex(low) else {
                    bytes.append(byte)
                    continue
                }
                bytes.append(h << 4 | l)
            default: bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
