import Synchronization

/// The leases this replica holds, by application, with their epochs: what the store's fenced
/// writes check against the database. Kept by the replica's coordinator on every renewal.
public final class LeaseBook: Sendable {
    /// This replica's name, as the `leases.holder` column spells it.
    public let replica: String
    private let held = Mutex<[String: Int64]>([:])

    public init(replica: String) {
        self.replica = replica
    }

    /// The epoch of the lease this replica holds on `app`; nil when it holds none.
    public func epoch(of app: String) -> Int64? {
        held.withLock { $0[app] }
    }

    /// Every application this replica holds, with its epoch.
    public var all: [String: Int64] {
        held.withLock { $0 }
    }

    func replace(with leases: [String: Int64]) {
        held.withLock { $0 = leases }
    }

    func drop(_ apps: some Sequence<String>) {
        held.withLock { for app in apps { $0[app] = nil } }
    }
}
