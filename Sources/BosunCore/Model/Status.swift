/// Health words are Argo CD's, so operators need no glossary. Ordered from best to worst,
/// so an application's health is the `max` of its resources'.
public enum HealthCode: String, Sendable, Codable, CaseIterable, Comparable {
    case healthy = "Healthy"
    case suspended = "Suspended"
    case progressing = "Progressing"
    case missing = "Missing"
    case unknown = "Unknown"
    case degraded = "Degraded"

    var rank: Int {
        switch self {
        case .healthy: 0
        case .suspended: 1
        case .progressing: 2
        case .unknown: 3
        case .missing: 4
        case .degraded: 5
        }
    }

    public static func < (a: HealthCode, b: HealthCode) -> Bool { a.rank < b.rank }
}

public struct HealthStatus: Sendable, Hashable, Codable, CustomStringConvertible {
    public var status: HealthCode
    public var message: String

    public init(_ status: HealthCode, _ message: String = "") {
        self.status = status
        self.message = message
    }

    public static func healthy(_ message: String = "") -> HealthStatus { .init(.healthy, message) }
    public static func progressing(_ message: String) -> HealthStatus { .init(.progressing, message) }
    public static func degraded(_ message: String) -> HealthStatus { .init(.degraded, message) }
    public static func suspended(_ message: String) -> HealthStatus { .init(.suspended, message) }
    public static func missing(_ message: String = "resource does not exist") -> HealthStatus { .init(.missing, message) }
    public static func unknown(_ message: String) -> HealthStatus { .init(.unknown, message) }

    public var description: String { message.isEmpty ? status.rawValue : "\(status.rawValue): \(message)" }

    /// The worst of several statuses; Healthy for none.
    public static func worst(_ statuses: some Sequence<HealthStatus>) -> HealthStatus {
        var worst = HealthStatus.healthy()
        for status in statuses where status.status > worst.status { worst = status }
        return worst
    }
}

public enum SyncCode: String, Sendable, Codable {
    case synced = "Synced"
    case outOfSync = "OutOfSync"
    case unknown = "Unknown"
}

/// Sync status always names the commit it was computed for.
public struct SyncStatus: Sendable, Hashable, Codable {
    public var status: SyncCode
    /// Full commit SHA; empty when not known yet.
    public var revision: String

    public init(_ status: SyncCode, revision: String) {
        self.status = status
        self.revision = revision
    }
}
