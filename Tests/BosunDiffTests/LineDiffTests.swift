import Testing

@testable import BosunDiff

@Suite("Line diff")
struct LineDiffTests {
    /// Applies the operations to `old` and checks they yield `new`.
    func apply(_ operations: [LineDiff.Operation], _ old: [Int], _ new: [Int]) -> [Int]? {
        var result: [Int] = []
        var i = 0
        var j = 0
        for operation in operations {
            switch operation {
            case .equal:
                guard i < old.count, j < new.count, old[i] == new[j] else { return nil }
                result.append(old[i])
                i += 1
                j += 1
            case .delete:
                guard i < old.count else { return nil }
                i += 1
            case .insert:
                guard j < new.count else { return nil }
                result.append(new[j])
                j += 1
            }
        }
        return i == old.count ? result : nil
    }

    /// The length of a longest common subsequence, by dynamic programming.
    func lcs(_ a: [Int], _ b: [Int]) -> Int {
        var previous = [Int](repeating: 0, count: b.count + 1)
        for x in a {
            var current = [Int](repeating: 0, count: b.count + 1)
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            previous = current
        }
        return previous[b.count]
    }

    @Test func editScriptsAreValidAndMinimal() {
        var random = SeededRandom(seed: 42)
        for round in 0..<400 {
            let alphabet = 2 + round % 6
            let old = (0..<random.next(upperBound: 40)).map { _ in random.next(upperBound: alphabet) }
            let new = (0..<random.next(upperBound: 40)).map { _ in random.next(upperBound: alphabet) }
            let operations = LineDiff.operations(old, new)
            #expect(apply(operations, old, new) == new, "round \(round): \(old) → \(new)")
            let equal = operations.filter { $0 == .equal }.count
            #expect(equal == lcs(old, new), "round \(round): not minimal for \(old) → \(new)")
        }
    }

    @Test func emptyAndIdenticalInputs() {
        #expect(LineDiff.operations([Int](), []) == [])
        #expect(LineDiff.operations([1, 2], []) == [.delete, .delete])
        #expect(LineDiff.operations([], [1]) == [.insert])
        #expect(LineDiff.operations([1, 2, 3], [1, 2, 3]) == [.equal, .equal, .equal])
    }

    @Test func largeInputsWithFewChanges() {
        let old = (0..<50_000).map { "line \($0)" }
        var new = old
        new[100] = "changed"
        new.insert("added", at: 40_000)
        new.remove(at: 49_000)
        let operations = LineDiff.operations(old, new)
        #expect(operations.filter { $0 != .equal }.count == 4)
    }
}
