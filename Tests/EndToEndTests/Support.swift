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

/// A child process whose output (both streams) collects in `output` as it comes; killed
/// (SIGKILL) when released. A first argument without a slash is looked up on the PATH.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let output = LockedBox("")

    init(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]) throws {
        let onPath = !arguments[0].hasPrefix("/")
        process.executableURL = URL(fileURLWithPath: onPath ? "/usr/bin/env" : arguments[0])
        process.arguments = onPath ? arguments : Array(arguments.dropFirst())
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        capture(process, into: output)
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// Waits until the output matches `pattern` (a regular expression); returns the first capture group.
    func waitFor(_ pattern: String, seconds: Double = 60) async throws -> String {
        let regex = try NSRegularExpression(pattern: pattern, options: .anchorsMatchLines)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            let text = output.get()
            if let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) {
                let range = match.numberOfRanges > 1 ? match.range(at: 1) : match.range
                return Range(range, in: text).map { String(text[$0]) } ?? ""
            }
            if !process.isRunning {
                throw Shell.Failure(command: process.arguments ?? [], status: process.terminationStatus, stdout: text, stderr: "exited before printing \(pattern)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw Shell.Failure(command: process.arguments ?? [], status: -1, stdout: output.get(), stderr: "never printed \(pattern)")
    }

    /// Waits (off the concurrency pool) for the process to end; its exit status.
    func exitStatus() async throws -> Int32 {
        try await Shell.offPool { [process] in
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    func stop(signal: Int32 = SIGTERM) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    deinit { stop(signal: SIGKILL) }
}

/// A `bosun` command running in the background.
func backgroundBosun(_ arguments: String...) throws -> ChildProcess { try ChildProcess([Binaries.bosun] + arguments) }

/// A `bosun serve` running as a child process for the length of a test.
final class Serve: @unchecked Sendable {
    let child: ChildProcess
    private let served = LockedBox("")

    /// Starts `bosun serve`; `waitUntilServing` waits for its API.
    init(config: String, in directory: String, logLevel: String = "info", environment: [String: String] = [:], arguments: [String] = []) throws {
        child = try ChildProcess([Binaries.bosun, "serve", "--config", config, "--log-level", logLevel] + arguments, in: directory, environment: environment)
    }

    /// Starts `bosun serve` and waits until it serves its API.
    static func start(config: String, in directory: String, logLevel: String = "info", environment: [String: String] = [:],
                      arguments: [String] = []) async throws -> Serve {
        let serve = try Serve(config: config, in: directory, logLevel: logLevel, environment: environment, arguments: arguments)
        try await serve.waitUntilServing()
        return serve
    }

    /// Waits for the "serving on" line; the API URL.
    @discardableResult
    func waitUntilServing(seconds: Double = 60) async throws -> String {
        let url = try await child.waitFor(#"bosun serving on (\S+)"#, seconds: seconds)
        served.set(url)
        return url
    }

    /// The API URL, once it serves.
    var url: String { served.get() }
    var process: Process { child.process }
    var output: LockedBox<String> { child.output }
    var log: String { child.output.get() }

    func stop(signal: Int32 = SIGTERM) { child.stop(signal: signal) }
}

/// Bosun set up for one test: a folder holding `bosun.yaml` (data under `.bosun`, the API on a
/// free loopback port) and the Git repository it deploys (a new one unless `repo` is given),
/// with `files` as its first commit; `app` is the application the test reads, `token` the API
/// token its CLI calls send (none on loopback).
struct Workspace {
    let repo: GitRepository
    let dir: TemporaryDirectory
    let config: String
    let app: String
    let token: String?

    /// `body` is the config below the shared header (targets, repositories, applications…), given
    /// the repository's path; `server` goes inside the header's `server` map.
    init(_ prefix: String = "bosun-e2e", app: String = "shop", repo: GitRepository? = nil, files: [String: String] = [:], message: String = "first",
         server: String = "", token: String? = nil, config body: (_ repository: String) throws -> String) throws {
        self.app = app
        self.token = token
        self.repo = try repo ?? GitRepository()
        dir = try TemporaryDirectory(prefix: prefix)
        if !files.isEmpty { try self.repo.commit(files: files, message: message) }
        config = try dir.write("bosun.yaml", try Self.header(server: server) + (try body(self.repo.path))).path
    }

    /// The lines every served config starts with.
    static func header(server: String = "") throws -> String {
        """
        apiVersion: bosun.dev/v1
        kind: Config
        dataDir: .bosun
        server: { listen: "127.0.0.1:\(try freePort())"\(server) }

        """
    }

    /// Where the host target keeps what it writes, when its root is the default.
    var hostRoot: URL { dir.url.appendingPathComponent(".bosun/host") }
    var database: String { dir.appending(".bosun/bosun.sqlite").path }

    func serve(logLevel: String = "info", environment: [String: String] = [:], arguments: [String] = []) async throws -> Serve {
        try await Serve.start(config: config, in: dir.path, logLevel: logLevel, environment: environment, arguments: arguments)
    }

    func status(_ url: String) async throws -> JSONValue { try await Reported.status(url, app, token: token) }
    func history(_ url: String) async throws -> [JSONValue] { try await Reported.history(url, app, token: token) }
    func sync(_ url: String, id: Int) async throws -> JSONValue { try await Reported.sync(url, app, id: id, token: token) }
    func waitSynced(_ url: String, at sha: String, seconds: Double = 120) async throws {
        try await Reported.waitSynced(url, app, at: sha, seconds: seconds, token: token)
    }

    func remove() {
        repo.remove()
        dir.remove()
    }
}

/// A scenario's set-up built on a workspace: its repository, config, server and readers are the workspace's.
protocol OnWorkspace {
    var workspace: Workspace { get }
}

extension OnWorkspace {
    var repo: GitRepository { workspace.repo }
    var dir: TemporaryDirectory { workspace.dir }
    var config: String { workspace.config }
    var app: String { workspace.app }
    var hostRoot: URL { workspace.hostRoot }
    var database: String { workspace.database }
    func serve(logLevel: String = "info", environment: [String: String] = [:]) async throws -> Serve {
        try await workspace.serve(logLevel: logLevel, environment: environment)
    }
    func status(_ url: String) async throws -> JSONValue { try await workspace.status(url) }
    func history(_ url: String) async throws -> [JSONValue] { try await workspace.history(url) }
    func sync(_ url: String, id: Int) async throws -> JSONValue { try await workspace.sync(url, id: id) }
    func waitSynced(_ url: String, at sha: String, seconds: Double = 120) async throws { try await workspace.waitSynced(url, at: sha, seconds: seconds) }
    func remove() { workspace.remove() }
}

/// What `bosun` reports, as JSON, asked through the CLI like a user would.
enum Reported {
    /// `bosun ARGUMENTS --server URL -o json`, parsed; throws with what it said when it fails.
    static func json(_ arguments: [String], _ url: String, token: String? = nil) async throws -> JSONValue {
        let result = try await bosun(arguments + ["--server", url, "-o", "json"] + (token.map { ["--token", $0] } ?? []))
        guard result.status == 0 else { throw Shell.Failure(command: ["bosun"] + arguments, status: result.status, stdout: result.stdout, stderr: result.stderr) }
        return try JSONParser.parse(result.stdout)
    }

    static func status(_ url: String, _ app: String, token: String? = nil) async throws -> JSONValue {
        try await json(["status", app], url, token: token)
    }

    static func history(_ url: String, _ app: String, token: String? = nil) async throws -> [JSONValue] {
        try await json(["history", app], url, token: token).arrayValue ?? []
    }

    /// One sync with its per-resource results.
    static func sync(_ url: String, _ app: String, id: Int, token: String? = nil) async throws -> JSONValue {
        try await json(["history", app, "--id", String(id)], url, token: token)
    }

    /// Waits until `app` is Synced and Healthy at `sha` with no sync running; on a timeout, records
    /// the last status and the latest syncs.
    static func waitSynced(_ url: String, _ app: String, at sha: String, seconds: Double = 120, token: String? = nil) async throws {
        let last = LockedBox("none")
        do {
            try await eventually("\(app) Synced and Healthy at \(sha.prefix(7))", seconds: seconds) {
                let s = try await status(url, app, token: token)
                last.set(s.jsonString())
                return s["sync"]?["status"] == "Synced" && s["sync"]?["revision"]?.stringValue == sha && s["health"]?["status"] == "Healthy"
                    && s["operation"] == nil
            }
        } catch {
            let recent = (try? await history(url, app, token: token).prefix(3).map { $0.jsonString() }) ?? []
            Issue.record("last status of \(app): \(last.get())\nlatest syncs: \(recent)")
            throw error
        }
    }
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
