import ArgumentParser
import BosunCore
import BosunGit
import BosunRender
import Foundation

/// Where stateless commands keep Git mirrors and renders: --data-dir, else $BOSUN_CACHE_DIR,
/// else ~/.cache/bosun.
struct CacheOptions: ParsableArguments {
    @Option(help: "Where to keep Git mirrors and renders (default: $BOSUN_CACHE_DIR or ~/.cache/bosun).")
    var dataDir: String?

    var directory: URL {
        if let dataDir { return URL(fileURLWithPath: (dataDir as NSString).expandingTildeInPath).standardizedFileURL }
        let env = ProcessInfo.processInfo.environment
        if let dir = env["BOSUN_CACHE_DIR"], !dir.isEmpty { return URL(fileURLWithPath: dir).standardizedFileURL }
        let home = env["HOME"] ?? NSTemporaryDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".cache/bosun")
    }
}

/// A repository named on the command line: a URL, or a local path made absolute.
func repositorySpec(_ repo: String) -> RepositorySpec {
    var url = repo
    if !repo.contains("://"), !repo.hasPrefix("/"), !(repo.firstIndex(of: ":").map { !repo[..<$0].contains("/") } ?? false) {
        url = URL(fileURLWithPath: repo, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath)).standardizedFileURL.path
    }
    return RepositorySpec(name: "repo", url: url)
}

/// Renders a path of a repository at a revision, through the mirror and the render cache.
struct SourceRenderer {
    let directory: URL
    let mirrors: GitMirrors
    let cache: RenderCache
    let renderer: Renderer

    init(directory: URL) {
        self.directory = directory
        mirrors = GitMirrors(root: directory.appendingPathComponent("git"))
        cache = RenderCache(directory: directory.appendingPathComponent("cache/renders"))
        renderer = Renderer(workDirectory: directory.appendingPathComponent("cache/work"))
    }

    /// Fetches once, then resolves `revision`.
    func resolve(_ revision: RevisionSpec, in repository: RepositorySpec) async throws -> Commit {
        let outcome = try await mirrors.fetch(repository)
        if let warning = outcome.warning { Console.error("warning: \(warning)") }
        return try await mirrors.resolve(revision, in: repository)
    }

    func render(_ request: RenderRequest, commit: String, in repository: RepositorySpec, decryptor: (any RenderDecryptor)? = nil) async throws -> RenderOutput {
        let key = RenderCache.Key(sourceID: "commit:\(repository.url)@\(commit)", request: request)
        let source = GitTreeSource(mirrors: mirrors, repository: repository, commit: commit)
        let renderer = self.renderer
        let output = try await cache.render(key) { try await renderer.render(request, from: source, decryptor: decryptor) }
        for note in output.notes { Console.error("note: \(note)") }
        return output
    }
}

extension RevisionSpec {
    /// A revision as typed: `semver:>=1.4 <2` or a ref.
    init(argument: String) throws {
        if argument.hasPrefix("semver:") {
            do {
                self = .semver(try SemVerRange(String(argument.dropFirst(7))))
            } catch {
                throw CLIError("bad semver range in --revision: \(error)")
            }
        } else {
            self = .ref(argument)
        }
    }
}
