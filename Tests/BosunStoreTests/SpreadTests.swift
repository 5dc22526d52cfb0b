@testable import BosunStorePostgres
import BosunStore
import Testing

/// How applications are spread over replicas: every replica computes the same answer, none
/// holds more than 1.25 × its share, and a replica that joins or leaves moves about its share.
@Suite("The spread of applications over replicas") struct SpreadTests {
    static let apps = (1...1000).map { LeaseCandidate(app: "app-\($0)") }

    @Test func boundedAndTheSameWhateverTheOrder() {
        let spread = PostgresLeases.spread(Self.apps, over: ["a", "b", "c"])
        #expect(spread.count == 1000)
        let loads = Dictionary(grouping: spread.values, by: { $0 }).mapValues(\.count)
        for (replica, load) in loads { #expect(load <= 417, "\(replica) holds \(load)") }
        #expect(PostgresLeases.spread(Self.apps.reversed(), over: ["c", "a", "b"]) == spread)
    }

    @Test func aReplicaThatLeavesMovesOnlyItsShare() {
        let three = PostgresLeases.spread(Self.apps, over: ["a", "b", "c"])
        let two = PostgresLeases.spread(Self.apps, over: ["a", "b"])
        let moved = Self.apps.filter { three[$0.app] != two[$0.app] }.count
        let share = three.values.filter { $0 == "c" }.count
        // Bounded loads move a little more than the share of the one that left, not everything.
        #expect(moved >= share)
        #expect(moved < share + 200, "moved \(moved), share \(share)")
    }

    @Test func aReplicaThatJoinsTakesAboutItsShare() {
        let three = PostgresLeases.spread(Self.apps, over: ["a", "b", "c"])
        let four = PostgresLeases.spread(Self.apps, over: ["a", "b", "c", "d"])
        let moved = Self.apps.filter { three[$0.app] != four[$0.app] }.count
        let taken = four.values.filter { $0 == "d" }.count
        #expect(taken > 150)
        #expect(moved < taken + 200, "moved \(moved), d took \(taken)")
    }

    @Test func pinnedApplicationsGoToTheirReplicaOrToNobody() {
        let candidates = [LeaseCandidate(app: "web", pinnedTo: "b"), LeaseCandidate(app: "db", pinnedTo: "z")] + Self.apps.prefix(10)
        let spread = PostgresLeases.spread(Array(candidates), over: ["a", "b"])
        #expect(spread["web"] == "b")
        #expect(spread["db"] == nil)
        #expect(spread.count == 11)
        #expect(PostgresLeases.spread(Array(candidates), over: []).isEmpty)
    }
}
