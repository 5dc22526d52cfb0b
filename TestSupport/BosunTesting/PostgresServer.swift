import Foundation
import Subprocess
import Synchronization

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// A real PostgreSQL for tests: one server per test process, started on first use in a fresh
/// temporary folder on a free loopback port, with a fresh database per test (`createDatabase`).
///
/// PostgreSQL refuses to run as root, so as root it runs as `nobody`. Its output goes to
/// `postgres.log` in its folder, never to the test process's pipes (an orphan holding a pipe
/// keeps `swift test` from finishing). A detached watchdog stops it and removes its folder when
/// the test process is gone, even after a crash.
public final class PostgresServer: Sendable {
    /// The role tests connect as over TCP (scram-sha-256), and its password.
    public static let user = "bosun"
    public static let password = "secret-pw"

    public let port: Int
    /// The folder of everything: data, socket, log.
    public let folder: String
    public let dataDirectory: String
    /// Where the Unix socket is (`psql -h` takes it); local connections are trusted.
    public let socketDirectory: String
    public let logFile: String
    let binDirectory: String
    let asNobody: Bool
    private let databases = Mutex(0)

    private static let started = Mutex<Task<PostgresServer, any Error>?>(nil)

    /// The server of this test process, started on first use.
    public static func shared() async throws -> PostgresServer {
        let task = started.withLock { task in
            if let task { return task }
            let new = Task { try await PostgresServer.launch() }
            task = new
            return new
        }
        return try await task.value
    }

    private init(port: Int, folder: String, binDirectory: String, asNobody: Bool) {
        self.port = port
        self.folder = folder
        dataDirectory = folder + "/data"
        socketDirectory = folder
        logFile = folder + "/postgres.log"
        self.binDirectory = binDirectory
        self.asNobody = asNobody
    }

    /// `postgres://bosun:secret-pw@127.0.0.1:PORT/NAME?sslmode=disable`.
    public func url(database: String) -> String {
        "postgres://\(Self.user):\(Self.password)@127.0.0.1:\(port)/\(database)?sslmode=disable"
    }

    /// Creates a fresh, uniquely named, empty database and returns its name.
    public func createDatabase() async throws -> String {
        let number = databases.withLock { count in
            count += 1
            return count
        }
        let name = "bosun_test_\(number)_\(UUID().uuidString.prefix(8).lowercased())"
        try await sql("CREATE DATABASE \(name)")
        return name
    }

    /// Runs SQL through `psql` over the Unix socket (trusted) and returns its unaligned output.
    @discardableResult
    public func sql(_ statement: String, database: String = "postgres") async throws -> String {
        try await Shell.run([
            "psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", socketDirectory, "-p", "\(port)", "-U", Self.user,
            "-d", database, "-c", statement,
        ])
    }

    /// Restarts the server on the same port (`pg_ctl restart -m fast`): open connections are cut,
    /// committed data stays.
    public func restart() async throws {
        try await pgCtl(["restart", "-m", "fast"])
    }

    /// Stops the server and removes its folder (the watchdog does the same when the test process ends).
    public func stop() async throws {
        try await pgCtl(["stop", "-m", "fast"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func pgCtl(_ arguments: [String]) async throws {
        // -l again on restart: without it the server would write to pg_ctl's output, our pipe.
        var command = ["\(binDirectory)/pg_ctl", "-D", dataDirectory, "-w", "-t", "60"] + arguments
        if arguments.first == "restart" { command += ["-l", logFile] }
        try await Self.run(command, asNobody: asNobody, in: folder)
    }

    // MARK: - Starting

    /// A server of its own, for a test that restarts or stops it (the shared one serves tests
    /// that run at the same time); `stop()` it at the end.
    public static func launch() async throws -> PostgresServer {
        let bin = try binDirectory()
        let asNobody = getuid() == 0
        // /tmp rather than TMPDIR: `nobody` must be able to reach the folder.
        let base = asNobody ? "/tmp" : NSTemporaryDirectory()
        let folder = (base as NSString).appendingPathComponent("bosun-postgres-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let passwordFile = folder + "/password"
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        if asNobody { try await Shell.run(["chown", "-R", "nobody:nogroup", folder]) }
        try await startWatchdog(folder: folder, binDirectory: bin, asNobody: asNobody)

        let log = folder + "/postgres.log"
        try await run(
            [
                "\(bin)/initdb", "-D", folder + "/data", "-U", user, "--pwfile=\(passwordFile)", "-A", "trust",
                "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync",
            ],
            asNobody: asNobody, in: folder)
        // A free port can be taken between finding it and binding it: try a few.
        var lastError: (any Error)?
        for _ in 0..<5 {
            let port = try freePort()
            let options = "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
                + "-c full_page_writes=off -c max_connections=300 -c shared_buffers=32MB"
            do {
                try await run(
                    ["\(bin)/pg_ctl", "-D", folder + "/data", "-l", log, "-w", "-t", "60", "-o", options, "start"],
                    asNobody: asNobody, in: folder)
                return PostgresServer(port: port, folder: folder, binDirectory: bin, asNobody: asNobody)
            } catch {
                lastError = error
            }
        }
        throw lastError ?? Failure(message: "PostgreSQL did not start")
    }

    /// Runs a PostgreSQL program (as `nobody` when we are root) with its output appended to
    /// `commands.log` in the folder (the server itself writes `postgres.log`). Through
    /// Subprocess, which closes every descriptor above 2 in the child: Foundation's `Process`
    /// leaves one open that the server would inherit, and then never sees `pg_ctl` exit.
    private static func run(_ command: [String], asNobody: Bool, in folder: String) async throws {
        let full = (asNobody ? ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"] : []) + command
        let log = folder + "/commands.log"
        let status = try await shell("\(full.map(shellQuote).joined(separator: " ")) </dev/null >>\(shellQuote(log)) 2>&1", in: folder)
        guard status == 0 else {
            let tail = [log, folder + "/postgres.log"].map { file in
                (try? String(contentsOfFile: file, encoding: .utf8)).map { String($0.suffix(1500)) } ?? ""
            }.joined(separator: "\n")
            throw Failure(message: "\(command.joined(separator: " ")) exited \(status):\n\(tail)")
        }
    }

    /// Runs `script` with `sh -c` (extra arguments are `$1`…), output discarded; its exit status.
    private static func shell(_ script: String, _ arguments: [String] = [], in folder: String) async throws -> Int32 {
        let result = try await Subprocess.run(
            .path(FilePath("/bin/sh")), arguments: Arguments(["-c", script, "sh"] + arguments),
            workingDirectory: FilePath(folder), output: .discarded, error: .discarded)
        switch result.terminationStatus {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        }
    }

    /// Stops the server and removes its folder once this process is gone: a shell in a session
    /// of its own, detached, all its output on /dev/null.
    private static func startWatchdog(folder: String, binDirectory: String, asNobody: Bool) async throws {
        let prefix = asNobody ? "setpriv --reuid=nobody --regid=nogroup --clear-groups -- " : ""
        let script = """
            while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done
            \(prefix)\(shellQuote(binDirectory + "/pg_ctl")) -D \(shellQuote(folder + "/data")) stop -m immediate
            rm -rf \(shellQuote(folder))
            """
        _ = try await shell("setsid sh -c \"$1\" </dev/null >/dev/null 2>&1 &", [script], in: "/")
    }

    /// The folder of `initdb`, `postgres` and `pg_ctl`: Debian's `/usr/lib/postgresql/*/bin`
    /// (the newest version), else wherever PATH has `postgres`.
    static func binDirectory() throws -> String {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .filter { FileManager.default.isExecutableFile(atPath: "\(root)/\($0)/bin/postgres") }
            .sorted { (Int($0) ?? 0, $0) > (Int($1) ?? 0, $1) }
        if let newest = versions.first { return "\(root)/\(newest)/bin" }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
            if FileManager.default.isExecutableFile(atPath: "\(directory)/postgres"),
                FileManager.default.isExecutableFile(atPath: "\(directory)/initdb")
            {
                return String(directory)
            }
        }
        throw Failure(message: "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres, no postgres on PATH); apt-get install postgresql")
    }

    /// A TCP port nobody listens on now (the kernel's pick for port 0).
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(message: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw Failure(message: "cannot find a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func shellQuote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { "PostgresServer: \(message)" }
    }
}
