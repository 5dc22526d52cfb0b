import BosunCore
import Foundation

/// Reading a commit's tree straight from the mirror: no shared working checkout.
extension GitMirrors {
    /// The object id of `path` at `commit` (a tree, or a blob when the path names a file); nil
    /// when the path does not exist. Cheap when asked for many paths of one commit: the commit's
    /// trees are listed once and kept.
    public func treeID(commit: String, path: String, in repository: RepositorySpec) async throws -> String? {
        let index = try await treeIndex(commit: commit, in: repository)
        switch try index.resolve(path) {
        case .found(_, let entry): return entry.objectID
        case .missing: return nil
        }
    }

    /// Files under `path` at `commit` (recursively), without their content. A path naming one
    /// file lists that file. Symlinks are listed as symlinks, with their targets.
    public func list(commit: String, path: String, in repository: RepositorySpec) async throws -> [GitFile] {
        let index = try await treeIndex(commit: commit, in: repository)
        switch try index.resolve(path) {
        case .missing:
            throw GitError(.notFound, "\(path.debugDescription) does not exist at \(index.source)")
        case .found(let resolved, let entry):
            if entry.kind == .tree { return index.files(under: resolved) }
            return index.gitFile(path: resolved, entry: entry).map { [$0] } ?? []
        }
    }

    /// Contents of the given files at `commit`, in one `git cat-file --batch` run, keyed by the
    /// paths as given. Symlinks inside the repository are followed; files over `maxSize`
    /// (default 10 MiB), folders, submodules and paths that leave the repository are refused
    /// with an error that names the file.
    public func read(commit: String, paths: [String], in repository: RepositorySpec, maxSize: Int = 10 << 20) async throws -> [String: Data] {
        let index = try await treeIndex(commit: commit, in: repository)
        var objectForPath: [String: String] = [:]
        var sizes: [String: Int] = [:]
        for path in paths {
            switch try index.resolve(path) {
            case .missing:
                throw GitError(.notFound, "\(path.debugDescription) does not exist at \(index.source)")
            case .found(let resolved, let entry):
                switch entry.kind {
                case .tree:
                    throw GitError(.invalidPath, "\(path.debugDescription) at \(index.source) is a folder, not a file")
                case .submodule:
                    throw GitError(.invalidPath, "\(path.debugDescription) at \(index.source) is a submodule; its files are in another repository")
                case .symlink:
                    throw GitError(.invalidPath, "\(path.debugDescription) at \(index.source) is a symlink that could not be followed")
                case .regular, .executable:
                    guard entry.size <= maxSize else {
                        let shown = resolved == path ? path : "\(path) (-> \(resolved))"
                        throw GitError(.failed, "\(shown) at \(index.source) is \(entry.size) bytes, over the \(maxSize)-byte limit for files Bosun reads")
                    }
                    objectForPath[path] = entry.objectID
                    sizes[entry.objectID] = entry.size
                }
            }
        }
        let contents = try await catFile(Array(Set(objectForPath.values)).sorted(), sizes: sizes, repository: repository, commit: commit)
        return objectForPath.compactMapValues { contents[$0] }
    }

    /// Writes the whole tree at `commit` into `directory` (for kustomize and helm, which read the
    /// filesystem) through a private index, so concurrent exports never share state. Symlinks
    /// that leave the tree are refused before anything is written.
    public func export(commit: String, to directory: URL, in repository: RepositorySpec) async throws {
        let index = try await treeIndex(commit: commit, in: repository)
        try index.checkSymlinksStayInside()
        let mirror = mirrorPath(for: repository)
        let manager = FileManager.default
        let scratch = root.appendingPathComponent(".incoming", isDirectory: true)
        let indexFile = scratch.appendingPathComponent("index-\(UUID().uuidString)")
        do {
            try manager.createDirectory(at: directory, withIntermediateDirectories: true)
            try manager.createDirectory(at: scratch, withIntermediateDirectories: true)
        } catch {
            throw GitError(.failed, "cannot create \(directory.path) to export \(index.source): \(error.localizedDescription)")
        }
        defer { try? manager.removeItem(at: indexFile) }
        let environment = ["GIT_INDEX_FILE": indexFile.path]
        let workTree = "--work-tree=\(directory.standardizedFileURL.path)"
        let read = try await git([workTree, "read-tree", index.commit], in: mirror, extraEnvironment: environment)
        guard read.succeeded else { throw GitError(.failed, "cannot export \(index.source): \(read.reason)") }
        let checkout = try await git([workTree, "checkout-index", "--all", "--force"], in: mirror, extraEnvironment: environment)
        guard checkout.succeeded else {
            throw GitError(.failed, "cannot write \(index.source) into \(directory.path): \(checkout.reason)")
        }
    }

    /// The listing of every tree of `commit`, kept for the most recent commits.
    func treeIndex(commit: String, in repository: RepositorySpec) async throws -> TreeIndex {
        let mirror = try await ensureMirror(repository)
        let id = commit.lowercased()
        let source = "commit \(String(id.prefix(7))) of \(describe(repository))"
        guard id.isFullObjectID else {
            throw GitError(.unknownRevision, "\(commit.debugDescription) is not a full commit SHA of \(describe(repository)); resolve the revision first")
        }
        let key = mirror.path + "@" + id
        if let cached = trees.get(key) { return cached }
        // Many applications ask for the trees of a new commit at once: list it once for all.
        if let running = treesInFlight[key] { return try await running.value }
        let task = Task { try await self.listTree(id, key: key, mirror: mirror, source: source, repository: repository) }
        treesInFlight[key] = task
        defer { treesInFlight[key] = nil }
        return try await task.value
    }

    private func listTree(_ id: String, key: String, mirror: URL, source: String, repository: RepositorySpec) async throws -> TreeIndex {
        let root = try await git(["rev-parse", "--verify", "--quiet", "\(id)^{tree}"], in: mirror)
        guard root.succeeded else {
            throw GitError(.unknownRevision, "commit \(id) is not in \(describe(repository)) (\(lastFetchDescription(mirror)))")
        }
        let listing = try await git(["ls-tree", "-r", "-t", "-l", "-z", "--full-tree", id], in: mirror)
        guard listing.succeeded else { throw GitError(.failed, "cannot list the files of \(source): \(listing.reason)") }
        let entries = try TreeIndex.parseListing(listing.stdout)
        let links = entries.filter { $0.entry.kind == .symlink }
        var targets: [String: String] = [:]
        if !links.isEmpty {
            let sizes = Dictionary(links.map { ($0.entry.objectID, $0.entry.size) }, uniquingKeysWith: { a, _ in a })
            let blobs = try await catFile(Array(sizes.keys).sorted(), sizes: sizes, repository: repository, commit: id)
            for link in links { targets[link.path] = blobs[link.entry.objectID].map { String(decoding: $0, as: UTF8.self) } ?? "" }
        }
        let index = TreeIndex(commit: id, source: source, rootTree: root.text.trimmingCharacters(in: .whitespacesAndNewlines),
                              listing: entries, symlinkTargets: targets)
        trees.put(key, index)
        return index
    }

    /// Blob contents by object id, from one `git cat-file --batch` run.
    func catFile(_ objects: [String], sizes: [String: Int], repository: RepositorySpec, commit: String) async throws -> [String: Data] {
        guard !objects.isEmpty else { return [:] }
        let mirror = mirrorPath(for: repository)
        let expected = objects.reduce(0) { $0 + (sizes[$1] ?? 0) + 64 }
        let output = try await git(["cat-file", "--batch"], in: mirror, input: Data((objects.joined(separator: "\n") + "\n").utf8),
                                   outputLimit: expected + 4096)
        guard output.succeeded else { throw GitError(.failed, "cannot read files of commit \(commit.prefix(7)): \(output.reason)") }
        return try CatFileBatch.parse(output.stdout)
    }
}

/// `git cat-file --batch` output: `<id> <type> <size>\n<content>\n`, or `<id> missing\n`.
enum CatFileBatch {
    static func parse(_ data: Data) throws(GitError) -> [String: Data] {
        var result: [String: Data] = [:]
        var position = data.startIndex
        while position < data.endIndex {
            guard let newline = data[position...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let header = String(decoding: data[position..<newline], as: UTF8.self).split(separator: " ")
            position = data.index(after: newline)
            guard header.count == 3, let size = Int(header[2]) else { continue }
            let end = data.index(position, offsetBy: size, limitedBy: data.endIndex) ?? data.endIndex
            guard end - position == size else { throw GitError(.failed, "git cat-file ended in the middle of object \(header[0])") }
            result[String(header[0])] = Data(data[position..<end])
            position = end < data.endIndex ? data.index(after: end) : end
        }
        return result
    }
}
