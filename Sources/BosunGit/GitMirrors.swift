import BosunCore
import Foundation
import Logging

/// One bare mirror per remote URL under `root` (dataDir/git). An actor: concurrent fetches of one
/// remote share one `git fetch`.
///
/// Reads (resolve, list, read, export) work on the mirror without a shared working checkout, so
/// any number of them may run while a fetch is under way.
public actor GitMirrors {
    /// The folder that holds the mirrors (dataDir/git).
    public nonisolated let root: URL
    /// The longest any git run may take; network runs also honour the repository's fetchTimeout.
    public nonisolated let timeout: Duration
    let environment: [String: String]
    let logger: Logger
    /// The environment for runs that never touch the network.
    let localAccess: GitAccess

    /// Fetches under way, by mirror path: later requests wait for the same one.
    private var fetchesInFlight: [String: Task<FetchOutcome, any Error>] = [:]
    /// Refs read from each mirror, dropped whenever a fetch changes it.
    var refTables: [String: RefTable] = [:]
    /// Bumped when a mirror changes, so a ref table read during a fetch is not kept.
    var generations: [String: Int] = [:]
    /// Few: applications keep their desired state while their commit stands, so an index is
    /// read mostly by the applications that look at a new commit together.
    var trees = TreeCache(capacity: 8)
    /// Tree listings under way, by mirror and commit: later requests wait for the same one.
    var treesInFlight: [String: Task<TreeIndex, any Error>] = [:]
    /// Commits never change: their metadata is kept for the life of the actor.
    var commits: [String: Commit] = [:]
    /// Counters, for metrics and tests.
    public internal(set) var statistics = GitMirrorStatistics()

    /// - Parameters:
    ///   - root: the folder for mirrors (created when first needed).
    ///   - timeout: the longest any git run may take.
    ///   - environment: the environment git runs in; credentials are looked up here by the names
    ///     in `RepositorySpec.credentials`.
    public init(
        root: URL, timeout: Duration = .seconds(120),
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "bosun.git")
    ) {
        self.root = root.standardizedFileURL
        self.timeout = timeout
        self.environment = environment
        self.logger = logger
        self.localAccess = GitAccess.local(base: environment)
    }

    /// The mirror directory of a remote (for diagnostics).
    public nonisolated func mirrorPath(for repository: RepositorySpec) -> URL {
        let folder: String
        if let remote = try? RemoteURL(repository.url) {
            folder = remote.mirrorFolderName
        } else {
            folder = "invalid-\(RemoteURL.shortHash(repository.url)).git"
        }
        return root.appendingPathComponent(folder, isDirectory: true)
    }

    /// Clone (first time) or fetch `+refs/heads/*:refs/heads/*`, tags, with prune. Throws only when
    /// there is no usable mirror at all; a failed fetch over an existing mirror returns
    /// fetched == false with a warning.
    public func fetch(_ repository: RepositorySpec) async throws -> FetchOutcome {
        let key = mirrorPath(for: repository).path
        if let running = fetchesInFlight[key] {
            statistics.sharedFetches += 1
            return try await running.value
        }
        let task = Task { try await self.synchronize(repository) }
        fetchesInFlight[key] = task
        let result = await task.result
        fetchesInFlight[key] = nil
        return try result.get()
    }

    /// Makes sure a mirror exists, fetching the first time only.
    func ensureMirror(_ repository: RepositorySpec) async throws -> URL {
        let mirror = mirrorPath(for: repository)
        if !Self.mirrorExists(mirror) { _ = try await fetch(repository) }
        return mirror
    }

    static func mirrorExists(_ mirror: URL) -> Bool {
        FileManager.default.fileExists(atPath: mirror.appendingPathComponent("HEAD").path)
    }

    /// Drops what was read from a mirror before it changed.
    func invalidate(_ mirror: URL) {
        refTables[mirror.path] = nil
        generations[mirror.path, default: 0] += 1
    }

    /// Runs git on a mirror with no network: the actor's timeout, no credentials.
    func git(
        _ arguments: [String], in mirror: URL, input: Data? = nil, extraEnvironment: [String: String] = [:],
        outputLimit: Int = 256 << 20
    ) async throws(GitError) -> GitOutput {
        let verb = Self.subcommand(of: arguments)
        var environment = localAccess.environment
        for (key, value) in extraEnvironment { environment[key] = value }
        return try await GitProcess.run(GitInvocation(
            arguments: GitAccess.configOptions + ["--git-dir=\(mirror.path)"] + arguments,
            environment: environment, input: input, timeout: timeout, outputLimit: outputLimit,
            summary: "git \(verb) in \(mirror.lastPathComponent)"))
    }

    /// The git subcommand in `arguments`, past `-c name=value` pairs and other options.
    static func subcommand(of arguments: [String]) -> String {
        var index = 0
        while index < arguments.count {
            if arguments[index] == "-c" {
                index += 2
            } else if arguments[index].hasPrefix("-") {
                index += 1
            } else {
                return arguments[index]
            }
        }
        return "git"
    }

    /// A short description of a repository for messages: its URL without credentials.
    nonisolated func describe(_ repository: RepositorySpec) -> String {
        (try? RemoteURL(repository.url).redacted) ?? redactURL(repository.url)
    }
}

/// Tree indexes of recent commits, least recently used dropped first.
struct TreeCache: Sendable {
    let capacity: Int
    private var items: [String: TreeIndex] = [:]
    private var order: [String] = []

    init(capacity: Int) { self.capacity = capacity }

    mutating func get(_ key: String) -> TreeIndex? {
        guard let value = items[key] else { return nil }
        if let index = order.firstIndex(of: key) { order.remove(at: index) }
        order.append(key)
        return value
    }

    mutating func put(_ key: String, _ value: TreeIndex) {
        if items[key] == nil { order.append(key) }
        items[key] = value
        while order.count > capacity { items[order.removeFirst()] = nil }
    }
}
