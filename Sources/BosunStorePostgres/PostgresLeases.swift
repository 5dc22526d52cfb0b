import BosunStore
import Foundation
import Logging
import PostgresNIO
import Synchronization

/// Leases of applications among replicas, kept in PostgreSQL and judged by its clock (replicas'
/// clocks may disagree). (Statements in WITH run whether or not the query reads them.) A round is one statement when nothing changes hands: heartbeat, renew
/// every lease this replica holds, and read who is alive. Applications are spread by consistent
/// hashing with bounded load, so a replica that joins or leaves moves only about its share.
public final class PostgresLeases: ApplicationLeases {
    public let replica: String
    public let leaseDuration: Duration
    public let renewEvery: Duration
    let client: PostgresClient
    let book: LeaseBook
    /// Until when each lease is safe to act on, by this process's monotonic clock: the instant
    /// before the statement that set it, plus the lease duration. A replica frozen past it (a
    /// stop-the-world pause, a suspended VM) finds it passed on waking and starts nothing.
    private let validUntil = Mutex<[String: ContinuousClock.Instant]>([:])
    /// This process, told apart from another that uses (or used) the same replica name.
    let instance = UUID().uuidString
    private let joined = Mutex(false)
    private let rounds = Mutex(0)
    let logger: Logger

    /// Points per replica on the hash ring, and how far over its share a replica may be loaded.
    static let ringPoints = 64
    static let loadFactor = 1.25

    /// Leases kept in `store`'s database; the store's fenced writes check the same `book`.
    public init(store: PostgresStore, book: LeaseBook, leaseDuration: Duration, renewEvery: Duration) {
        self.client = store.client
        self.logger = store.logger
        self.book = book
        self.replica = book.replica
        self.leaseDuration = leaseDuration
        self.renewEvery = renewEvery
    }

    var durationSeconds: Double { Self.seconds(leaseDuration) }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Joins as this replica, once, before the first round: refuses when another live process
    /// uses the name, and takes over the leases the name still holds at a new epoch, so a
    /// frozen earlier process of that name can neither renew nor record anything more.
    public func join(configHash: String) async throws {
        let seconds = durationSeconds
        let (replica, instance) = (self.replica, self.instance)
        let joinedAt = ContinuousClock.now
        let adopted = try await client.withTransaction(logger: logger) { connection -> [String: Int64] in
            // Two processes starting with one name at once: one waits for the other's answer.
            try await connection.query("SELECT pg_advisory_xact_lock(hashtext(\(replica)))", logger: self.logger)
            let rows = try await connection.query(
                """
                SELECT EXTRACT(EPOCH FROM now() - heartbeat_at)::float8 FROM replicas
                WHERE name = \(replica) AND instance <> \(instance) AND heartbeat_at > now() - make_interval(secs => \(seconds))
                """, logger: self.logger)
            for try await age in rows.decode(Double.self) {
                throw ReplicaNameTaken(replica: replica, heartbeatAge: age)
            }
            try await connection.query(
                """
                INSERT INTO replicas (name, heartbeat_at, started_at, config_hash, instance)
                VALUES (\(replica), now(), now(), \(configHash), \(instance))
                ON CONFLICT (name) DO UPDATE SET heartbeat_at = now(), started_at = now(),
                    config_hash = EXCLUDED.config_hash, instance = EXCLUDED.instance
                """, logger: self.logger)
            let leases = try await connection.query(
                """
                UPDATE leases SET epoch = epoch + 1, expires_at = now() + make_interval(secs => \(seconds))
                WHERE holder = \(replica) RETURNING app, epoch
                """, logger: self.logger)
            var adopted: [String: Int64] = [:]
            for try await (app, epoch) in leases.decode((String, Int64).self) { adopted[app] = epoch }
            return adopted
        }
        book.replace(with: adopted)
        validUntil.withLock { valid in valid = adopted.mapValues { _ in joinedAt + leaseDuration } }
        joined.withLock { $0 = true }
    }

    public func round(candidates: [LeaseCandidate], configHash: String, apiURL: String) async throws -> LeaseRound {
        if !joined.withLock({ $0 }) { try await join(configHash: configHash) }
        let renewedAt = ContinuousClock.now
        let seconds = durationSeconds
        let inBook = book.all
        let (bookApps, bookEpochs) = (Array(inBook.keys), inBook.keys.map { inBook[$0] ?? 0 })
        var held: [String: Int64] = [:]
        var others: [String] = []
        var mismatched: [String] = []
        // Only the leases at the epochs in this process's book are renewed: another process of
        // the same name (one that joined after this one froze) has moved them on.
        let rows = try await client.query(
            """
            WITH heartbeat AS (
                UPDATE replicas SET heartbeat_at = now(), config_hash = \(configHash), api_url = \(apiURL)
                WHERE name = \(replica) AND instance = \(instance)),
            renewed AS (
                UPDATE leases SET expires_at = now() + make_interval(secs => \(seconds))
                WHERE holder = \(replica) AND (app, epoch) IN (SELECT * FROM unnest(\(bookApps)::text[], \(bookEpochs)::bigint[]))
                RETURNING app, epoch)
            SELECT 'lease', app, epoch, '' FROM renewed
            UNION ALL
            SELECT 'replica', name, 0, config_hash FROM replicas
            WHERE heartbeat_at > now() - make_interval(secs => \(seconds)) AND name <> \(replica)
            """)
        for try await (kind, name, epoch, hash) in rows.decode((String, String, Int64, String).self) {
            if kind == "lease" {
                held[name] = epoch
            } else {
                others.append(name)
                if hash != configHash { mismatched.append(name) }
            }
        }
        let live = (others + [replica]).sorted()
        let owner = Self.spread(candidates, over: live)
        let wanted = candidates.filter { owner[$0.app] == replica }.map(\.app)
        let missing = wanted.filter { held[$0] == nil }
        let handOver = Set(held.keys.filter { owner[$0] != replica })

        var acquiredAt = renewedAt
        var acquired: [String: Int64] = [:]
        // The first round only announces this replica: replicas that start together see each
        // other before they take anything, instead of one taking all and handing most back.
        let announcing = rounds.withLock { count in
            defer { count += 1 }
            return count == 0
        }
        if !missing.isEmpty, !announcing {
            acquiredAt = ContinuousClock.now
            acquired = try await acquire(missing, seconds: seconds)
        }
        held.merge(acquired) { _, new in new }
        validUntil.withLock { valid in
            valid = [:]
            for app in held.keys {
                valid[app] = (acquired[app] != nil ? acquiredAt : renewedAt) + leaseDuration
            }
        }
        book.replace(with: held)
        return LeaseRound(held: held, handOver: handOver, live: live, mismatched: mismatched.sorted())
    }

    /// Takes the leases that are free or expired, each at a new epoch, and marks the syncs their
    /// previous holders left running as Interrupted (they can record nothing more).
    private func acquire(_ apps: [String], seconds: Double) async throws -> [String: Int64] {
        let note = "cut off: the replica running it lost its lease; \(replica) took the application over"
        let now = Date().timeIntervalSince1970
        let rows = try await client.query(
            """
            WITH taken AS (
                INSERT INTO leases (app, holder, epoch, expires_at)
                SELECT a, \(replica), 1, now() + make_interval(secs => \(seconds)) FROM unnest(\(apps)::text[]) AS a
                ON CONFLICT (app) DO UPDATE SET holder = EXCLUDED.holder, epoch = leases.epoch + 1, expires_at = EXCLUDED.expires_at
                WHERE leases.expires_at < now() OR leases.holder IS NULL
                RETURNING app, epoch),
            cut AS (
                UPDATE syncs SET result = 'Interrupted', finished_at = \(now), message = \(note)
                WHERE result = 'Running' AND app IN (SELECT app FROM taken))
            SELECT app, epoch FROM taken
            """)
        var taken: [String: Int64] = [:]
        for try await (app, epoch) in rows.decode((String, Int64).self) { taken[app] = epoch }
        return taken
    }

    public func release(_ apps: Set<String>) async throws {
        guard !apps.isEmpty else { return }
        book.drop(apps)
        validUntil.withLock { valid in for app in apps { valid[app] = nil } }
        let list = Array(apps)
        try await client.query(
            "UPDATE leases SET expires_at = now() - interval '1 second' WHERE holder = \(replica) AND app = ANY(\(list)::text[])")
    }

    public func mayAct(for app: String) -> Bool {
        guard let until = validUntil.withLock({ $0[app] }) else { return false }
        return ContinuousClock.now + renewEvery < until
    }

    public func replicas() async throws -> [ReplicaInfo] {
        // Replicas gone for a day are forgotten: a Deployment's pods get new names.
        try await client.query("DELETE FROM replicas WHERE heartbeat_at < now() - interval '1 day' - make_interval(secs => \(durationSeconds))")
        let seconds = durationSeconds
        let rows = try await client.query(
            """
            SELECT r.name, r.heartbeat_at, r.started_at, r.config_hash, r.api_url,
                r.heartbeat_at > now() - make_interval(secs => \(seconds)),
                (SELECT coalesce(array_agg(l.app ORDER BY l.app), '{}') FROM leases l WHERE l.holder = r.name AND l.expires_at > now())
            FROM replicas r ORDER BY r.name
            """)
        var result: [ReplicaInfo] = []
        for try await (name, heartbeat, started, hash, url, alive, apps) in rows.decode((String, Date, Date, String, String, Bool, [String]).self) {
            result.append(ReplicaInfo(name: name, heartbeatAt: heartbeat, startedAt: started, alive: alive, applications: apps,
                                      configHash: hash, apiURL: url))
        }
        return result
    }

    public func owners() async throws -> [String: String] {
        let rows = try await client.query("SELECT app, holder FROM leases WHERE expires_at > now() AND holder IS NOT NULL")
        var result: [String: String] = [:]
        for try await (app, holder) in rows.decode((String, String).self) { result[app] = holder }
        return result
    }

    public func leave() async {
        let apps = Set(book.all.keys)
        try? await release(apps)
        // Others see this replica gone at once and take its applications without waiting out a lease.
        _ = try? await client.query("UPDATE replicas SET heartbeat_at = now() - interval '1 day' WHERE name = \(replica)")
    }

    // MARK: The spread

    /// Who should own each candidate among the live replicas. Pinned applications go to their
    /// replica when it is alive (otherwise to nobody); the others by consistent hashing with
    /// bounded load (no replica above `loadFactor` times its share). Every replica computes the
    /// same answer from the same inputs.
    static func spread(_ candidates: [LeaseCandidate], over live: [String]) -> [String: String] {
        var owner: [String: String] = [:]
        let alive = Set(live)
        var free: [(hash: UInt64, app: String)] = []
        for candidate in candidates {
            if let pinned = candidate.pinnedTo {
                if alive.contains(pinned) { owner[candidate.app] = pinned }
            } else {
                free.append((hash(candidate.app), candidate.app))
            }
        }
        guard !live.isEmpty, !free.isEmpty else { return owner }
        let ring = live.flatMap { name in (0..<ringPoints).map { (point: hash("\(name)#\($0)"), name: name) } }
            .sorted { ($0.point, $0.name) < ($1.point, $1.name) }
        let cap = Int((Double(free.count) * loadFactor / Double(live.count)).rounded(.up))
        var load: [String: Int] = [:]
        for (h, app) in free.sorted(by: { ($0.hash, $0.app) < ($1.hash, $1.app) }) {
            var i = firstPoint(atOrAfter: h, in: ring)
            while load[ring[i].name, default: 0] >= cap { i = (i + 1) % ring.count }
            owner[app] = ring[i].name
            load[ring[i].name, default: 0] += 1
        }
        return owner
    }

    private static func firstPoint(atOrAfter h: UInt64, in ring: [(point: UInt64, name: String)]) -> Int {
        var low = 0
        var high = ring.count
        while low < high {
            let mid = (low + high) / 2
            if ring[mid].point < h { low = mid + 1 } else { high = mid }
        }
        return low == ring.count ? 0 : low
    }

    /// FNV-1a with a final mix: stable across processes and builds (Swift's Hasher is seeded).
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h
    }
}

/// Another live process already runs as this replica.
public struct ReplicaNameTaken: Error, CustomStringConvertible {
    public var replica: String
    public var heartbeatAge: Double

    public var description: String {
        "another `bosun serve` runs as replica \(replica) (its heartbeat is \(Int(heartbeatAge.rounded())) s old); give each replica its own --replica name, or stop the other first"
    }
}
