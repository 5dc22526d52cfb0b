import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunHost

@Suite("Process logs")
struct LogTests {
    @Test("a log is rotated before it passes the limit, and no output is lost")
    func rotation() async throws {
        var options = HostTargetOptions()
        options.logRotationBytes = 4096
        let host = try HostFixture(options: options)
        defer { host.remove() }
        // 500 numbered lines, about 5 KiB, then a marker.
        let chatty = processManifest("chatty", [
            "command": shell("i=0; while [ $i -lt 500 ]; do echo \"line $i\"; i=$((i+1)); done; echo finished; exec sleep 60"),
        ])
        try await host.apply(chatty)
        #expect(await eventually { host.log("chatty").hasSuffix("finished\n") })

        let current = try Data(contentsOf: URL(fileURLWithPath: host.logPath("chatty")))
        let rotated = try Data(contentsOf: URL(fileURLWithPath: host.logPath("chatty") + ".1"))
        #expect(current.count <= 4096)
        #expect(rotated.count <= 4096)
        let expected = (0..<500).map { "line \($0)\n" }.joined() + "finished\n"
        let kept = String(decoding: rotated + current, as: UTF8.self)
        #expect(expected.hasSuffix(kept))
        #expect(kept.count > 4096)
        await host.target.shutdown()
    }

    @Test("the default rotation limit is 10 MiB")
    func defaultLimit() {
        #expect(HostTargetOptions().logRotationBytes == 10 * 1024 * 1024)
    }

    @Test("the log file keeps whole writes across rotations and appends across opens")
    func logFileUnit() throws {
        let folder = try TemporaryDirectory(prefix: "bosun-log")
        defer { folder.remove() }
        let path = folder.path + "/app/web.log"
        let log = LogFile(path: path, limit: 10)
        log.append("12345")
        log.append("67890abc")
        log.close()
        let again = LogFile(path: path, limit: 10)
        again.append("de")
        again.close()
        #expect(try String(contentsOfFile: path + ".1", encoding: .utf8) == "1234567890")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "abcde")
        #expect(LogFile.tail(path, lines: 5) == ["1234567890", "abcde"])
    }

    @Test("the tail reads the last lines, reaching into the rotated file when needed")
    func tail() throws {
        let folder = try TemporaryDirectory(prefix: "bosun-log")
        defer { folder.remove() }
        let path = folder.path + "/web.log"
        try "one\ntwo\nthree\n".write(toFile: path + ".1", atomically: true, encoding: .utf8)
        try "four\nfive\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(LogFile.tail(path, lines: 3) == ["three", "four", "five"])
        #expect(LogFile.tail(path, lines: 1) == ["five"])
    }
}
