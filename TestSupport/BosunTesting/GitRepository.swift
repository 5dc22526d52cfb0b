import Foundation

/// A real Git repository in a temporary folder, for tests: write files, commit, branch, tag.
public struct GitRepository: Sendable {
    public let directory: TemporaryDirectory
    public var path: String { directory.path }
    public var url: URL { directory.url }
    /// `file://` URL of the repository.
    public var fileURL: String { "file://\(path)" }

    /// Fixed identity and dates so commits are reproducible.
    public static let environment: [String: String] = [
        "GIT_AUTHOR_NAME": "Ada Tester", "GIT_AUTHOR_EMAIL": "ada@example.com",
        "GIT_COMMITTER_NAME": "Ada Tester", "GIT_COMMITTER_EMAIL": "ada@example.com",
        "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null",
    ]

    public init(branch: String = "main") throws {
        directory = try TemporaryDirectory(prefix: "bosun-git")
        try git("init", "-q", "-b", branch)
        try git("config", "commit.gpgsign", "false")
        try git("config", "tag.gpgsign", "false")
    }

    @discardableResult
    public func git(_ arguments: String...) throws -> String {
        try git(arguments)
    }

    @discardableResult
    public func git(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        try Shell.runBlocking(["git"] + arguments, in: path, environment: Self.environment.merging(environment) { $1 })
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    public func write(_ file: String, _ content: String) throws -> URL { try directory.write(file, content) }

    public func remove(_ file: String) throws { try FileManager.default.removeItem(at: url.appendingPathComponent(file)) }

    /// Stages everything and commits; returns the new commit's SHA.
    @discardableResult
    public func commit(_ message: String, date: String? = nil) throws -> String {
        try git("add", "-A")
        var env: [String: String] = [:]
        if let date {
            env["GIT_AUTHOR_DATE"] = date
            env["GIT_COMMITTER_DATE"] = date
        }
        try git(["commit", "-q", "--allow-empty", "-m", message], environment: env)
        return try head()
    }

    /// Writes the files and commits them in one step.
    @discardableResult
    public func commit(files: [String: String], message: String) throws -> String {
        for (file, content) in files { try write(file, content) }
        return try commit(message)
    }

    public func head() throws -> String { try git("rev-parse", "HEAD") }

    public func tag(_ name: String, message: String? = nil, at commit: String = "HEAD") throws {
        if let message { try git("tag", "-a", name, "-m", message, commit) } else { try git("tag", name, commit) }
    }

    public func checkout(_ branch: String, create: Bool = false) throws {
        if create { try git("checkout", "-q", "-b", branch) } else { try git("checkout", "-q", branch) }
    }

    public func remove() { directory.remove() }
}
