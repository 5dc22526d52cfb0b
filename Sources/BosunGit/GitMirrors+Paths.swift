import BosunCore

/// Every path of a commit, for generators that turn folders and files into applications: read
/// from the same cached listing of the commit's tree as renders, so listing costs no extra git
/// run once a commit has been looked at.
extension GitMirrors {
    /// A path of a commit's tree and whether it is a folder.
    public struct TreePath: Sendable, Hashable {
        public var path: String
        public var isFolder: Bool
        /// Bytes of a file (0 for a folder).
        public var size: Int
    }

    /// Every folder and file of `commit` (submodules and symlinks left out), in Git's order.
    public func paths(commit: String, in repository: RepositorySpec) async throws -> [TreePath] {
        let index = try await treeIndex(commit: commit, in: repository)
        return index.listing.compactMap { path, entry in
            switch entry.kind {
            case .tree: return TreePath(path: path, isFolder: true, size: 0)
            case .regular, .executable: return TreePath(path: path, isFolder: false, size: entry.size)
            case .symlink, .submodule: return nil
            }
        }
    }
}
