import BosunTesting
import Foundation

/// A Git smart-HTTP server on loopback for tests (`GitHTTPBackend`), with HTTP basic auth. On
/// every request it scans every process's command line for the password and records what it
/// found, so a test can prove the password never appeared in any `ps`-visible argument while
/// git was talking to it.
final class HTTPGitServer: @unchecked Sendable {
    let root: TemporaryDirectory
    let port: Int
    let report: String
    private let process: Process

    /// Serves `repositories` (name → path of a repository to serve as `name.git`).
    init(repositories: [String: String], username: String, password: String) async throws {
        root = try TemporaryDirectory(prefix: "bosun-http")
        for (name, path) in repositories {
            try await Shell.run(["git", "clone", "--quiet", "--bare", path, root.appending("\(name).git").path], environment: GitRepository.environment)
        }
        let script = try root.write("server.py", GitHTTPBackend.script)
        report = root.appending("scan.log").path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // The password travels in the environment only, never in an argument.
        process.arguments = ["python3", "-u", script.path, root.path, "0", report]
        var environment = ProcessInfo.processInfo.environment
        environment["EXPECTED_USER"] = username
        environment["EXPECTED_PASSWORD"] = password
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        // Never the test process's own stderr: a server left running after a crash would hold
        // `swift test`'s output open and the run would never end.
        process.standardError = FileHandle.nullDevice
        try process.run()
        let reader = output.fileHandleForReading
        // Read off the pool: the first line may take a moment on a loaded machine.
        let line = try await Shell.offPool {
            var line = Data()
            while true {
                let byte = reader.readData(ofLength: 1)
                if byte.isEmpty || byte == Data("\n".utf8) { break }
                line += byte
            }
            return line
        }
        guard let port = Int(String(decoding: line, as: UTF8.self).replacingOccurrences(of: "PORT ", with: "")) else {
            process.terminate()
            throw StartFailure()
        }
        self.port = port
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String { "the test HTTP server (python3 http.server) did not print its port" }
    }

    func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name).git" }

    /// Lines the server wrote: one "scan N" per request (N processes showed the password).
    func scans() throws -> [String] {
        try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    func stop() {
        // SIGKILL: a child of the test runner may start with SIGTERM blocked.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        root.remove()
    }
}
