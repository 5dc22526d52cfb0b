import BosunCore
import BosunGit
import Foundation

/// Reads what declarations in Git say at a commit: a generator's folders or files, an
/// include's files. Works on the mirror the applications use (no checkout, no extra fetch);
/// shared by the engine and `bosun validate --fetch`.
public struct DeclarationReader: Sendable {
    public let git: GitMirrors

    public init(git: GitMirrors) { self.git = git }

    /// The entries of a directories or files generator at `commit`.
    public func list(_ generator: GeneratorSpec, repository: RepositorySpec, commit: String) async throws -> [GeneratedEntry] {
        guard let g = generator.git else { return [] }
        let paths = try await git.paths(commit: commit, in: repository).map { ($0.path, $0.isFolder) }
        if case .directories = generator {
            return ApplicationSetGeneration.directoryEntries(
                ApplicationSetGeneration.select(paths, folders: true, include: g.include, exclude: g.exclude))
        }
        let files = ApplicationSetGeneration.select(paths, folders: false, include: g.include, exclude: g.exclude)
        let contents = try await git.read(commit: commit, paths: files, in: repository, maxSize: ConfigLoader.maxIncludedFileSize)
        var entries: [GeneratedEntry] = []
        for file in files {
            guard let data = contents[file], let text = String(data: data, encoding: .utf8) else {
                throw GenerationError("\(file) at \(commit.prefix(7)) is not UTF-8 text")
            }
            entries += try ApplicationSetGeneration.fileEntries(file: file, text: text)
        }
        return entries
    }

    /// Each file an include selects at `commit`, with its definitions or what is wrong with it.
    public func read(_ include: IncludeSpec, repository: RepositorySpec, commit: String, local: Config) async throws -> [(file: String, result: Result<IncludedDefinitions, ConfigError>)] {
        let paths = try await git.paths(commit: commit, in: repository)
        let glob = PathGlob(include.path)
        let files = paths.filter { !$0.isFolder && glob.matches($0.path) && !$0.path.hasPrefix(".") && !$0.path.contains("/.") }
        var result: [(String, Result<IncludedDefinitions, ConfigError>)] = []
        var readable: [String] = []
        for file in files {
            if file.size > ConfigLoader.maxIncludedFileSize {
                result.append((file.path, .failure(ConfigError([ConfigDiagnostic(
                    file: "\(include.repository):\(file.path)", line: 0, column: 0, path: "",
                    message: "\(file.size) bytes, over the \(ConfigLoader.maxIncludedFileSize)-byte limit for included files",
                    fix: "split it into several files")]))))
            } else {
                readable.append(file.path)
            }
        }
        let contents = try await git.read(commit: commit, paths: readable, in: repository, maxSize: ConfigLoader.maxIncludedFileSize)
        for file in readable {
            guard let data = contents[file], let text = String(data: data, encoding: .utf8) else {
                result.append((file, .failure(ConfigError([ConfigDiagnostic(
                    file: "\(include.repository):\(file)", line: 0, column: 0, path: "", message: "not UTF-8 text", fix: "save it as UTF-8")]))))
                continue
            }
            do {
                result.append((file, .success(try ConfigLoader.parseApplications(text, file: file, repository: include.repository, commit: commit, local: local))))
            } catch {
                result.append((file, .failure(error)))
            }
        }
        return result.sorted { $0.0 < $1.0 }
    }
}
