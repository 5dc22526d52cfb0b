import ArgumentParser
import BosunCore
import BosunServer
import Foundation

struct QuickstartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quickstart",
        abstract: "Try Bosun on this machine: a Git repository, a config, and `serve`, in one step.",
        discussion: """
            Creates --dir (default ./bosun-quickstart) with a Git repository made from \
            examples/quickstart (a File and a Process serving it over HTTP on loopback) and a \
            bosun.yaml, then runs `bosun serve` on it and prints what to try next. Running it \
            again reuses the folder. Needs git and python3; nothing else.

            Example:
              bosun quickstart
              bosun quickstart --dir /tmp/demo --listen 127.0.0.1:9090
            """)

    @Option(help: "The folder to create (or reuse).") var dir: String = "bosun-quickstart"
    @Option(help: "Where the API listens (default 127.0.0.1:8080, or a free port when taken).") var listen: String?
    @Option(help: "The port the example web server uses (default 8765, or a free port when taken).") var appPort: Int?
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "notice"

    func run() async throws {
        LogSetup.bootstrapOnce(level: .init(rawValue: logLevel) ?? .notice)
        let root = URL(fileURLWithPath: dir, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL
        let configFile = root.appendingPathComponent("bosun.yaml")
        let repo = root.appendingPathComponent("repo")
        let appURL: String
        if FileManager.default.fileExists(atPath: configFile.path) {
            print("Using the quick start in \(root.path)")
            appURL = (try? String(contentsOf: root.appendingPathComponent(".app-url"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        } else {
            let port = try appPort ?? (Ports.isFree(8765) ? 8765 : Ports.ephemeral())
            let api = try listen ?? "127.0.0.1:\(Ports.isFree(8080) ? 8080 : Ports.ephemeral())"
            try createRepository(at: repo, appPort: port)
            try Self.config(listen: api).write(to: configFile, atomically: true, encoding: .utf8)
            appURL = "http://127.0.0.1:\(port)/"
            try appURL.write(to: root.appendingPathComponent(".app-url"), atomically: true, encoding: .utf8)
            print("Created \(root.path): a Git repository (repo/) and a config (bosun.yaml)")
        }
        let bosun = Self.executablePath()
        let daemon = Daemon(configFile: configFile.path, factory: TargetRegistry.factory())
        try await daemon.run { url in
            print("""

                Bosun is running: \(url)
                  dashboard  \(url)/ (open it in a browser: sync, history, live updates)
                  app        hello, from \(repo.path)/hello (a File and a Process)
                  web page   \(appURL) (served by the Process once Bosun has synced it)
                  data       \(root.path)/.bosun (SQLite, Git mirror, the host target's files and logs)

                Try, in another terminal:
                  \(bosun) apps --server \(url)
                  \(bosun) status hello --server \(url)
                  cd \(repo.path) && sed -i 's/Hello from Bosun/Hello again/' hello/site.yaml && git commit -qam "Say hello again"
                      -> rolls out within 10 s: curl \(appURL)
                  rm \(root.path)/.bosun/host/hello/index.html
                      -> healed: Bosun writes it back
                  \(bosun) rollback hello --server \(url)
                      -> back to the previous commit, pinned; `\(bosun) unpin hello --server \(url)` resumes
                  \(bosun) history hello --server \(url)

                Stop with Ctrl-C: the processes Bosun supervises stop with it.
                """)
            Console.flush()
        }
    }

    func createRepository(at repo: URL, appPort: Int) throws {
        let fm = FileManager.default
        try fm.createDirectory(at: repo, withIntermediateDirectories: true)
        for (path, content) in QuickstartFiles.files {
            let url = repo.appendingPathComponent(path)
            try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.replacingOccurrences(of: "8765", with: String(appPort)).write(to: url, atomically: true, encoding: .utf8)
        }
        try Git.run(["init", "-q", "-b", "main"], in: repo)
        try Git.run(["add", "-A"], in: repo)
        try Git.run(["-c", "user.name=Bosun Quickstart", "-c", "user.email=quickstart@bosun.invalid", "-c", "commit.gpgsign=false",
                     "commit", "-q", "-m", "Quick start: hello site"], in: repo)
    }

    static func config(listen: String) -> String {
        """
        # Written by `bosun quickstart`. Edit it while Bosun runs: it reloads on change.
        apiVersion: bosun.dev/v1
        kind: Config
        dataDir: .bosun
        server:
          listen: "\(listen)"
        targets:
          - { name: local, type: host }
        security:
          repositorySchemes: [file]   # the quick start reads a repository on this disk
        repositories:
          - { name: quickstart, url: ./repo }
        applications:
          - name: hello
            source: { repository: quickstart, revision: main, path: hello }
            destination: { target: local }
            sync: { auto: true, prune: true, selfHeal: true, interval: 10s, autoRollback: true, healthTimeout: 30s }

        """
    }

    static func executablePath() -> String {
        let path = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
        let cwd = FileManager.default.currentDirectoryPath + "/"
        return path.hasPrefix(cwd) ? String(path.dropFirst(cwd.count)) : path
    }
}

/// Runs git for the quick start (the engine's Git access lives in BosunGit).
enum Git {
    static func run(_ arguments: [String], in directory: URL) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = directory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw CLIError("cannot run git (\(error)); install git and try again")
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw CLIError("git \(arguments.first ?? "") failed: \(message)")
        }
    }
}

/// Free TCP ports on loopback.
enum Ports {
    static func isFree(_ port: Int) -> Bool { (try? bind(port)) != nil }

    static func ephemeral() throws -> Int { try bind(0) }

    /// Binds a socket to 127.0.0.1:port and returns the bound port.
    static func bind(_ port: Int) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw CLIError("cannot open a socket") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw CLIError("port \(port) is taken") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
