import BosunCore

/// A shortest edit script between two lists of lines: Myers' O(ND) algorithm in its linear-space
/// form (find the middle snake, recurse on both halves), after trimming the common head and tail.
/// Lines are compared as integers, one per distinct line, so long lines cost one hash each.
public enum LineDiff {
    /// One step of an edit script.
    public enum Operation: Sendable, Hashable {
        /// The line is in both; it advances both sides.
        case equal
        /// The old line is gone.
        case delete
        /// The new line is added.
        case insert
    }

    /// The operations that turn `old` into `new`, in order; as few deletes plus inserts as possible.
    public static func operations<Line: Hashable>(_ old: [Line], _ new: [Line]) -> [Operation] {
        var ids: [Line: Int] = [:]
        ids.reserveCapacity(old.count + new.count)
        func id(_ line: Line) -> Int {
            if let known = ids[line] { return known }
            let next = ids.count
            ids[line] = next
            return next
        }
        var myers = Myers(a: old.map(id), b: new.map(id))
        myers.diff(0, old.count, 0, new.count)
        return myers.operations
    }
}

/// The state of one Myers run: both sequences, the two reusable diagonal arrays, the output.
private struct Myers {
    let a: [Int]
    let b: [Int]
    var forward: [Int] = []
    var backward: [Int] = []
    var operations: [LineDiff.Operation] = []

    init(a: [Int], b: [Int]) {
        self.a = a
        self.b = b
        let size = (a.count + b.count + 1) / 2 * 2 + 4
        forward = Array(repeating: 0, count: size)
        backward = Array(repeating: 0, count: size)
        operations.reserveCapacity(a.count + b.count)
    }

    private mutating func emit(_ operation: LineDiff.Operation, _ count: Int) {
        for _ in 0..<max(count, 0) { operations.append(operation) }
    }

    mutating func diff(_ aStart: Int, _ aEnd: Int, _ bStart: Int, _ bEnd: Int) {
        var aLo = aStart, aHi = aEnd, bLo = bStart, bHi = bEnd
        var head = 0
        while aLo < aHi && bLo < bHi && a[aLo] == b[bLo] {
            aLo += 1
            bLo += 1
            head += 1
        }
        var tail = 0
        while aLo < aHi && bLo < bHi && a[aHi - 1] == b[bHi - 1] {
            aHi -= 1
            bHi -= 1
            tail += 1
        }
        emit(.equal, head)
        if aLo == aHi {
            emit(.insert, bHi - bLo)
        } else if bLo == bHi {
            emit(.delete, aHi - aLo)
        } else {
            // Both sides are non-empty and differ at both ends, so at least two edits remain and
            // each half below has fewer: the recursion ends.
            let snake = middleSnake(aLo, aHi, bLo, bHi)
            diff(aLo, snake.x, bLo, snake.y)
            emit(.equal, snake.u - snake.x)
            diff(snake.u, aHi, snake.v, bHi)
        }
        emit(.equal, tail)
    }

    /// The middle snake of an optimal path from (aLo, bLo) to (aHi, bHi): it runs from (x, y) to (u, v).
    private mutating func middleSnake(_ aLo: Int, _ aHi: Int, _ bLo: Int, _ bHi: Int) -> (x: Int, y: Int, u: Int, v: Int) {
        let n = aHi - aLo
        let m = bHi - bLo
        let delta = n - m
        let odd = delta & 1 != 0
        let maxD = (n + m + 1) / 2
        let offset = maxD + 1
        forward[offset + 1] = 0
        backward[offset + 1] = 0
        for d in 0...maxD {
            var k = -d
            while k <= d {
                var x =
                    k == -d || (k != d && forward[offset + k - 1] < forward[offset + k + 1])
                    ? forward[offset + k + 1] : forward[offset + k - 1] + 1
                var y = x - k
                let startX = x
                let startY = y
                while x < n && y < m && a[aLo + x] == b[bLo + y] {
                    x += 1
                    y += 1
                }
                forward[offset + k] = x
                if odd && k >= delta - (d - 1) && k <= delta + (d - 1) && x + backward[offset + delta - k] >= n {
                    return (aLo + startX, bLo + startY, aLo + x, bLo + y)
                }
                k += 2
            }
            k = -d
            while k <= d {
                var x =
                    k == -d || (k != d && backward[offset + k - 1] < backward[offset + k + 1])
                    ? backward[offset + k + 1] : backward[offset + k - 1] + 1
                var y = x - k
                let startX = x
                let startY = y
                while x < n && y < m && a[aHi - 1 - x] == b[bHi - 1 - y] {
                    x += 1
                    y += 1
                }
                backward[offset + k] = x
                if !odd && delta - k >= -d && delta - k <= d && x + forward[offset + delta - k] >= n {
                    return (aLo + n - x, bLo + m - y, aLo + n - startX, bLo + m - startY)
                }
                k += 2
            }
        }
        preconditionFailure("Myers' search always meets within (N+M+1)/2 rounds")
    }
}
