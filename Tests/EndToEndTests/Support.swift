import BosunCore
import BosunTesting
import Foundation
import Testing

/// The built executables, found next to the test bundle (SwiftPM builds them for this target).
enum Binaries {
    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["BOSUN_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL
        // The test runner may be `…/debug/bosunPackageTests.xctest` (a file or a bundle folder).
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("bosun").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build/debug")
    }

    static var bosun: String { directory.appendingPathComponent("bosun").path }
}

/// Runs the `bosun` binary and returns its exit status and output.
@discardableResult
func bosun(_ arguments: String..., in directory: String? = nil, environment: [String: String] = [:]) async throws -> Shell.Result {
    try await bosun(arguments, in: directory, environment: environment)
}

@discardableResult
func bosun(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) async throws -> Shell.Result {
    var env = environment
    if env["BOSUN_CACHE_DIR"] == nil { env["BOSUN_CACHE_DIR"] = NSTemporaryDirectory() + "bosun-e2e-cache" }
    return try await Shell.execute([Binaries.bosun] + arguments, in: directory, environment: env)
}

/// A `bosun` command running in the background; what it prints (both streams) read as it comes.
final class BackgroundBosun: @unchecked Sendable {
    let process = Process()
    let output = LockedBox("")

    init(_ arguments: String...) throws {
        process.executableURL = URL(fileURLWithPath: Binaries.bosun)
        process.arguments = arguments
        capture(process, into: output)
        try process.run()
    }

    /// Waits (off the concurrency pool) for the command to end; its exit status.
    func exitStatus() async throws -> Int32 {
        try await Shell.offPool { [process] in
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    deinit { if process.isRunning { process.terminate() } }
}

/// A `bosun serve` running as a child process for the length of a test.
final class ServeProcess: @unchecked Sendable {
    let process = Process()
    let output = LockedBox("")
    let config: String
    private(set) var url = ""

    init(config: String, in directory: String, environment: [String: String] = [:], arguments: [String] = []) throws {
        self.config = config
        process.executableURL = URL(fileURLWithPath: Binaries.bosun)
        process.arguments = ["serve", "--config", config, "--log-level", "info"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        capture(process, into: output)
        try process.run()
    }

    /// Waits for the "serving on" line and returns the API URL.
    func waitUntilServing(seconds: Double = 60) async throws -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = output.get()
            if let range = text.range(of: "bosun serving on ") {
                let rest = text[range.upperBound...]
                url = String(rest.prefix { !$0.isWhitespace })
                return url
            }
            if !process.isRunning { throw Shell.Failure(command: ["bosun", "serve"], status: process.terminationStatus, stdout: text, stderr: "") }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Shell.Failure(command: ["bosun", "serve"], status: -1, stdout: output.get(), stderr: "did not start")
    }

    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit { stop(signal: SIGKILL) }
}

/// Polls (in real time) until `condition` holds.
func eventually(_ what: String, seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    var lastError: (any Error)?
    while Date() < deadline {
        do {
            if try await condition() { return }
        } catch {
            lastError = error
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    Issue.record("timed out waiting for: \(what)\(lastError.map { " (last error: \($0))" } ?? "")")
    throw CancellationError()
}

/// A free TCP port on loopback.
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// GET a URL on loopback; nil when nothing answers.
func httpGet(_ url: String) async -> String? {
    let result = try? await Shell.execute(["curl", "-s", "--max-time", "2", url])
    guard let result, result.status == 0 else { return nil }
    return result.stdout
}

func json(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

/// Sends a child's standard output, and its standard error unless `errors` is false, into `box`
/// as it comes.
func capture(_ process: Process, into box: LockedBox<String>, errors: Bool = true) {
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = errors ? pipe : FileHandle.nullDevice
    pipe.fileHandleForReading.readabilityHandler = { handle in
        let data = handle.availableData
        if !data.isEmpty { box.update { $0 += String(decoding: data, as: UTF8.self) } }
    }
}

/// Every end-to-end suite, one test at a time: each drives real processes (`bosun serve`,
/// simulators, Git) that need both cores of a small machine, and their deadlines hold only if
/// they do not all run at once. Unit suites run beside them in parallel. A test that hangs is
/// cancelled and named after 10 minutes (the longest takes about 3) instead of holding CI.
@Suite(.serialized, .timeLimit(.minutes(10))) enum EndToEnd {}
