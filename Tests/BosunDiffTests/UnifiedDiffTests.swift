import BosunCore
import Foundation
import Testing

@testable import BosunDiff

@Suite("Unified diff output")
struct UnifiedDiffTests {
    func numbered(_ range: ClosedRange<Int>, replacing changes: [Int: String] = [:]) -> String {
        range.map { changes[$0] ?? "line \($0)" }.joined(separator: "\n") + "\n"
    }

    @Test func headersHunksAndThreeLinesOfContext() {
        let text = UnifiedDiff.text(
            old: numbered(1...20), new: numbered(1...20, replacing: [10: "changed 10"]), oldLabel: "a", newLabel: "b")
        #expect(
            text == """
                --- a
                +++ b
                @@ -7,7 +7,7 @@
                 line 7
                 line 8
                 line 9
                -line 10
                +changed 10
                 line 11
                 line 12
                 line 13

                """)
    }

    @Test func nearbyChangesShareAHunkAndDistantOnesDoNot() {
        let near = UnifiedDiff.text(
            old: numbered(1...30), new: numbered(1...30, replacing: [5: "x", 12: "y"]), oldLabel: "a", newLabel: "b")
        // Six unchanged lines between: the contexts touch, so diff -u prints one hunk.
        #expect(near.components(separatedBy: "@@ -").count - 1 == 1)
        #expect(near.contains("@@ -2,14 +2,14 @@"))
        let far = UnifiedDiff.text(
            old: numbered(1...30), new: numbered(1...30, replacing: [5: "x", 13: "y"]), oldLabel: "a", newLabel: "b")
        #expect(far.components(separatedBy: "@@ -").count - 1 == 2)
        #expect(far.contains("@@ -2,7 +2,7 @@") && far.contains("@@ -10,7 +10,7 @@"))
    }

    @Test func rangesAtTheEdges() {
        #expect(UnifiedDiff.text(old: "", new: "a\nb\n", oldLabel: "a", newLabel: "b").contains("@@ -0,0 +1,2 @@"))
        #expect(UnifiedDiff.text(old: "a\n", new: "", oldLabel: "a", newLabel: "b").contains("@@ -1 +0,0 @@"))
        #expect(UnifiedDiff.text(old: "a\nb\n", new: "b\n", oldLabel: "a", newLabel: "b").contains("@@ -1,2 +1 @@"))
        #expect(UnifiedDiff.text(old: "same\n", new: "same\n", oldLabel: "a", newLabel: "b") == "")
    }

    @Test func linesSplitOnNewlinesOnly() {
        #expect(UnifiedDiff.lines("a\r\nb\n\nc") == ["a\r", "b", "", "c"])
        #expect(UnifiedDiff.lines("é\n👍🏽\n") == ["é", "👍🏽"])
        #expect(UnifiedDiff.lines("") == [])
        #expect(UnifiedDiff.lines("\n") == [""])
    }

    @Test func colourOnlyWhenAsked() {
        let old = numbered(1...5)
        let new = numbered(1...5, replacing: [3: "three"])
        let plain = UnifiedDiff.text(old: old, new: new, oldLabel: "a", newLabel: "b", color: false)
        #expect(!plain.contains("\u{1B}"))
        let coloured = UnifiedDiff.text(old: old, new: new, oldLabel: "a", newLabel: "b", color: true)
        #expect(coloured.contains("\u{1B}[31m-line 3\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[32m+three\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[36m@@ -1,5 +1,5 @@\u{1B}[0m"))
        #expect(coloured.contains("\n line 2\n"))
    }

    @Test func resourceUpdateShowsLiveAgainstMergedDesired() throws {
        var desired = try Fixture.resource("deployment-desired.yaml")
        let live = try Fixture.resource("deployment-live.yaml")
        desired = try desired.setting("/spec/replicas", 5)
        let diff = Differ.diff(desired: desired, live: live, lastApplied: nil, options: DiffOptions())
        let text = diff.unified(color: false)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first == "--- apps/Deployment/shop/web (live)")
        #expect(lines.dropFirst().first == "+++ apps/Deployment/shop/web (desired)")
        // Exactly the one change; server-set fields and the injected sidecar do not show as removals.
        #expect(lines.filter { $0.hasPrefix("-") && !$0.hasPrefix("---") } == ["-  replicas: 3"])
        #expect(lines.filter { $0.hasPrefix("+") && !$0.hasPrefix("+++") } == ["+  replicas: 5"])
        // Server metadata and status are normalised away on both sides.
        #expect(!text.contains("resourceVersion") && !text.contains("status:"))
        #expect(!diff.unified(color: true).isEmpty)
    }

    @Test func createAndDeleteShowTheWholeObject() throws {
        let resource = try Fixture.yaml("apiVersion: v1\nkind: ConfigMap\nmetadata: { name: c }\ndata: { a: b }")
        let created = Differ.diff(desired: resource, live: nil, lastApplied: nil, options: DiffOptions()).unified(color: false)
        #expect(created.hasPrefix("--- /ConfigMap//c (absent)\n+++ /ConfigMap//c (desired)\n@@ -0,0 +1,6 @@\n+apiVersion: v1\n"))
        let deleted = Differ.diff(desired: nil, live: resource, lastApplied: nil, options: DiffOptions()).unified(color: false)
        #expect(deleted.hasPrefix("--- /ConfigMap//c (live)\n+++ /ConfigMap//c (deleted)\n@@ -1,6 +0,0 @@\n-apiVersion: v1\n"))
        let gone = Differ.diff(desired: nil, live: nil, lastApplied: resource, options: DiffOptions()).unified(color: false)
        #expect(gone.hasPrefix("--- /ConfigMap//c (last applied)"))
    }

    /// GNU `patch` applies our output to the old text and yields the new one; GNU `diff -d`
    /// (minimal) changes as many lines as we do.
    @Test(arguments: 0..<12) func agreesWithDiffAndPatch(seed: Int) throws {
        var random = SeededRandom(seed: UInt64(seed) &+ 7)
        let old = (0..<(20 + seed * 15)).map { _ in "line \(random.next(upperBound: 12))" }
        var new = old
        for _ in 0..<(1 + seed) {
            let at = random.next(upperBound: new.count + 1)
            switch random.next(upperBound: 3) {
            case 0 where at < new.count: new.remove(at: at)
            case 1 where at < new.count: new[at] = "edited \(random.next(upperBound: 100))"
            default: new.insert("inserted \(random.next(upperBound: 100))", at: at)
            }
        }
        let oldText = old.joined(separator: "\n") + "\n"
        let newText = new.joined(separator: "\n") + "\n"
        let ours = UnifiedDiff.text(old: oldText, new: newText, oldLabel: "old.txt", newLabel: "new.txt")

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bosun-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let oldFile = folder.appendingPathComponent("old.txt")
        let newFile = folder.appendingPathComponent("new.txt")
        let patchFile = folder.appendingPathComponent("change.patch")
        try oldText.write(to: oldFile, atomically: true, encoding: .utf8)
        try newText.write(to: newFile, atomically: true, encoding: .utf8)
        try ours.write(to: patchFile, atomically: true, encoding: .utf8)

        let patched = try run("/usr/bin/patch", ["-s", "-o", "-", oldFile.path, patchFile.path])
        #expect(patched.status == 0)
        #expect(patched.output == newText)

        let theirs = try run("/usr/bin/diff", ["-d", "-U3", oldFile.path, newFile.path]).output
        func changedLines(_ text: String) -> Int {
            text.split(separator: "\n").filter {
                ($0.hasPrefix("-") && !$0.hasPrefix("---")) || ($0.hasPrefix("+") && !$0.hasPrefix("+++"))
            }.count
        }
        #expect(changedLines(ours) == changedLines(theirs))
    }

    func run(_ tool: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// A small deterministic generator (SplitMix64) so random cases repeat run to run.
struct SeededRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func next(upperBound: Int) -> Int { Int(next() % UInt64(upperBound)) }
}
