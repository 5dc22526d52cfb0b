import BosunCore
import BosunGit
import Foundation

/// A commit of a repository as a manifest source, read from Bosun's mirror without a checkout.
public struct GitTreeSource: ManifestSource {
    public let mirrors: GitMirrors
    public let repository: RepositorySpec
    public let commit: String

    public init(mirrors: GitMirrors, repository: RepositorySpec, commit: String) {
        self.mirrors = mirrors
        self.repository = repository
        self.commit = commit
    }

    public var displayName: String { "\(repository.name)@\(commit.prefix(7))" }

    public func list(path: String) async throws -> [SourceFile] {
        try await mirrors.list(commit: commit, path: path, in: repository).map { file in
            let kind: SourceFile.Kind
            switch file.kind {
            case .regular, .executable: kind = .regular
            case .symlink(let target): kind = .symlink(target: target)
            case .submodule: kind = .other
            }
            return SourceFile(path: file.path, kind: kind, size: file.size)
        }
    }

    public func read(_ paths: [String], maxSize: Int) async throws -> [String: Data] {
        try await mirrors.read(commit: commit, paths: paths, in: repository, maxSize: maxSize)
    }

    public func materialize(into directory: URL) async throws {
        try await mirrors.export(commit: commit, to: directory, in: repository)
    }
}
