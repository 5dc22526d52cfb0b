import BosunCore
import BosunTesting
import Foundation
import Testing

@testable import BosunGit

/// An origin repository, a data folder for mirrors, and the `GitMirrors` under test.
struct MirrorFixture {
    let origin: GitRepository
    let data: TemporaryDirectory
    let mirrors: GitMirrors

    init(origin: GitRepository? = nil, timeout: Duration = .seconds(60), environment: [String: String] = [:]) throws {
        self.origin = try origin ?? GitRepository()
        data = try TemporaryDirectory(prefix: "bosun-mirrors")
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        mirrors = GitMirrors(root: data.appending("git"), timeout: timeout, environment: env)
    }

    /// The origin as a repository spec, by local path.
    var repository: RepositorySpec { RepositorySpec(name: "deploy", url: origin.path) }

    func remove() {
        origin.remove()
        data.remove()
    }
}

/// Runs `body` and returns the `GitError` it threw; records an issue when it threw none or another error.
func gitError(_ body: () async throws -> Void, sourceLocation: Testing.SourceLocation = #_sourceLocation) async -> GitError? {
    do {
        try await body()
        Issue.record("expected a GitError, but nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as GitError {
        return error
    } catch {
        Issue.record("expected a GitError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// Environment entries that let git use the `ext::` transport (tests use it for slow remotes).
let allowExtTransport: [String: String] = [
    "GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "protocol.ext.allow", "GIT_CONFIG_VALUE_0": "always",
]

/// An `ext::` URL running `script` with sh; spaces are escaped as ext:: wants them.
func extURL(_ script: String) -> String {
    "ext::sh -c " + script.replacingOccurrences(of: "%", with: "%%").replacingOccurrences(of: " ", with: "% ")
}

/// Whether a process is gone (exited, or a zombie nobody reaped yet).
func processIsGone(_ pid: Int32) -> Bool {
    if kill(pid, 0) != 0 { return true }
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let close = stat.lastIndex(of: ")")
    else { return true }
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).prefix(1)
    return state == "Z" || state == "X"
}
