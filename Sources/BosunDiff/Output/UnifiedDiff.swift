import BosunCore

/// Unified diff text, as `diff -u` writes it: `---`/`+++` headers, hunks of changes with
/// `context` lines around them, hunks closer than twice the context merged into one.
public enum UnifiedDiff {
    /// ANSI colours for terminals: removed lines red, added green, hunk headers cyan, headers bold.
    enum Color {
        static let red = "\u{1B}[31m"
        static let green = "\u{1B}[32m"
        static let cyan = "\u{1B}[36m"
        static let bold = "\u{1B}[1m"
        static let reset = "\u{1B}[0m"
    }

    /// The diff of `old` against `new`; empty when they are the same text.
    public static func text(
        old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3, color: Bool = false
    ) -> String {
        let oldLines = lines(old)
        let newLines = lines(new)
        let operations = LineDiff.operations(oldLines, newLines)
        guard operations.contains(where: { $0 != .equal }) else { return "" }

        var out = ""
        func line(_ text: String, _ colour: String) {
            if color && !colour.isEmpty { out += colour + text + Color.reset } else { out += text }
            out += "\n"
        }
        line("--- " + oldLabel, Color.bold)
        line("+++ " + newLabel, Color.bold)

        // Positions in `operations` with the old and new line numbers reached before each.
        var oldBefore = [Int](repeating: 0, count: operations.count + 1)
        var newBefore = [Int](repeating: 0, count: operations.count + 1)
        for (i, operation) in operations.enumerated() {
            oldBefore[i + 1] = oldBefore[i] + (operation == .insert ? 0 : 1)
            newBefore[i + 1] = newBefore[i] + (operation == .delete ? 0 : 1)
        }
        for hunk in hunks(operations, context: context) {
            let oldCount = oldBefore[hunk.upperBound] - oldBefore[hunk.lowerBound]
            let newCount = newBefore[hunk.upperBound] - newBefore[hunk.lowerBound]
            let header =
                "@@ -\(range(start: oldBefore[hunk.lowerBound], count: oldCount)) "
                + "+\(range(start: newBefore[hunk.lowerBound], count: newCount)) @@"
            line(header, Color.cyan)
            for i in hunk {
                switch operations[i] {
                case .equal: line(" " + oldLines[oldBefore[i]], "")
                case .delete: line("-" + oldLines[oldBefore[i]], Color.red)
                case .insert: line("+" + newLines[newBefore[i]], Color.green)
                }
            }
        }
        return out
    }

    /// `start,count` with diff's conventions: 1-based; the count left out when it is 1; an
    /// empty range names the line before it.
    static func range(start: Int, count: Int) -> String {
        switch count {
        case 0: "\(start),0"
        case 1: "\(start + 1)"
        default: "\(start + 1),\(count)"
        }
    }

    /// The text's lines without their line ends (a last line without one counts too).
    static func lines(_ text: String) -> [Substring] {
        // Split on the byte: much faster than splitting by Character, and a "\r" before the
        // "\n" stays on its line (Character splitting would see "\r\n" as one character).
        var result: [Substring] = []
        let utf8 = text.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == UInt8(ascii: "\n") {
                result.append(Substring(utf8[start..<index]))
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        if start != utf8.endIndex { result.append(Substring(utf8[start...])) }
        return result
    }

    /// Ranges of `operations` to print: each change with `context` equal lines around it,
    /// neighbours whose contexts would touch or overlap joined.
    static func hunks(_ operations: [LineDiff.Operation], context: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var i = 0
        while i < operations.count {
            guard operations[i] != .equal else {
                i += 1
                continue
            }
            let start = max(i - context, result.last?.upperBound ?? 0)
            var end = i
            var j = i
            while j < operations.count {
                if operations[j] != .equal {
                    j += 1
                    end = j
                    continue
                }
                var k = j
                while k < operations.count && operations[k] == .equal { k += 1 }
                if k == operations.count || k - j > 2 * context { break }
                j = k
            }
            let upper = min(operations.count, end + context)
            result.append(start..<upper)
            i = upper
        }
        return result
    }
}
