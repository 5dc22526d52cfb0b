import Foundation

/// Every entry of one commit's tree (from a single `git ls-tree -r -t -l`), with symlink targets,
/// so paths can be resolved, listed and size-checked without asking git again.
struct TreeIndex: Sendable {
    struct Entry: Sendable, Hashable {
        enum Kind: Sendable, Hashable { case regular, executable, symlink, tree, submodule }
        var kind: Kind
        var objectID: String
        var size: Int
    }

    /// Where a path led after following symlinks.
    enum Resolution: Sendable {
        case found(path: String, entry: Entry)
        /// Nothing there (a dangling symlink, a missing file, a file used as a folder).
        case missing
    }

    let commit: String
    /// For messages: "commit 1234567 of https://host/repo.git".
    let source: String
    let rootTree: String
    /// Path → entry, for every file, folder, symlink and submodule.
    let entries: [String: Entry]
    /// Paths in git's order (sorted), for listing a folder.
    let paths: [String]
    /// Symlink path → its target as stored in Git.
    let symlinkTargets: [String: String]

    static let maximumSymlinkHops = 40

    /// Parses `git ls-tree -r -t -l -z --full-tree` output: `<mode> <type> <id> <size>\t<path>\0`.
    static func parseListing(_ data: Data) throws(GitError) -> [(path: String, entry: Entry)] {
        var result: [(String, Entry)] = []
        for record in data.split(separator: 0) where !record.isEmpty {
            guard let tab = record.firstIndex(of: UInt8(ascii: "\t")) else {
                throw GitError(.failed, "git ls-tree printed an unexpected line")
            }
            let fields = String(decoding: record[record.startIndex..<tab], as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true)
            let path = String(decoding: record[record.index(after: tab)...], as: UTF8.self)
            guard fields.count == 4 else { throw GitError(.failed, "git ls-tree printed an unexpected line for \(path)") }
            let kind: Entry.Kind
            switch fields[0] {
            case "040000": kind = .tree
            case "100755": kind = .executable
            case "120000": kind = .symlink
            case "160000": kind = .submodule
            default: kind = .regular
            }
            result.append((path, Entry(kind: kind, objectID: String(fields[2]), size: Int(fields[3]) ?? 0)))
        }
        return result
    }

    init(commit: String, source: String, rootTree: String, listing: [(path: String, entry: Entry)], symlinkTargets: [String: String]) {
        self.commit = commit
        self.source = source
        self.rootTree = rootTree
        var entries: [String: Entry] = [:]
        for (path, entry) in listing { entries[path] = entry }
        self.entries = entries
        self.paths = listing.map(\.path)
        self.symlinkTargets = symlinkTargets
    }

    var rootEntry: Entry { Entry(kind: .tree, objectID: rootTree, size: 0) }

    /// Follows `path` as a filesystem would, symlinks included. Throws when it leaves the
    /// repository (through `..` or a symlink) or loops.
    func resolve(_ path: String) throws(GitError) -> Resolution {
        try resolve(components: RepositoryPath.components(path, in: source), original: path)
    }

    func resolve(components: [String], original: String) throws(GitError) -> Resolution {
        var resolved: [String] = []
        var pending = components[...]
        var hops = 0
        // The last symlink followed, so an escape names the link that caused it.
        var lastLink: String?
        while let part = pending.first {
            pending = pending.dropFirst()
            if part == "." || part.isEmpty { continue }
            if part == ".." {
                guard !resolved.isEmpty else {
                    if let lastLink {
                        throw GitError(.invalidPath, "symlink \(lastLink) at \(source) points outside the repository; Bosun refuses it")
                    }
                    throw GitError(.invalidPath, "path \(original.debugDescription) leaves the repository through \"..\" (\(source)); paths must stay inside it")
                }
                resolved.removeLast()
                continue
            }
            let candidate = (resolved + [part]).joined(separator: "/")
            guard let entry = entries[candidate] else { return .missing }
            switch entry.kind {
            case .symlink:
                hops += 1
                let target = symlinkTargets[candidate] ?? ""
                guard hops <= Self.maximumSymlinkHops else {
                    throw GitError(.invalidPath, "path \(original.debugDescription) at \(source) follows symlinks in a loop (at \(candidate))")
                }
                guard !target.hasPrefix("/") else {
                    throw GitError(.invalidPath, "symlink \(candidate) -> \(target) at \(source) points outside the repository (an absolute path); Bosun refuses it")
                }
                lastLink = "\(candidate) -> \(target)"
                pending = (target.split(separator: "/", omittingEmptySubsequences: true).map(String.init) + pending)[...]
            case .tree:
                resolved.append(part)
            case .regular, .executable, .submodule:
                // A file used as a folder leads nowhere.
                guard pending.allSatisfy({ $0 == "." || $0.isEmpty }) else { return .missing }
                resolved.append(part)
            }
        }
        if resolved.isEmpty { return .found(path: "", entry: rootEntry) }
        let path = resolved.joined(separator: "/")
        guard let entry = entries[path] else { return .missing }
        return .found(path: path, entry: entry)
    }

    /// The files at or under `folder` (a resolved path; "" for the root), without trees.
    func files(under folder: String) -> [GitFile] {
        let prefix = folder.isEmpty ? "" : folder + "/"
        var result: [GitFile] = []
        for path in paths where prefix.isEmpty || path.hasPrefix(prefix) {
            guard let entry = entries[path], let file = gitFile(path: path, entry: entry) else { continue }
            result.append(file)
        }
        return result
    }

    func gitFile(path: String, entry: Entry) -> GitFile? {
        switch entry.kind {
        case .tree: return nil
        case .regular: return GitFile(path: path, kind: .regular, size: entry.size)
        case .executable: return GitFile(path: path, kind: .executable, size: entry.size)
        case .submodule: return GitFile(path: path, kind: .submodule, size: 0)
        case .symlink:
            let target = symlinkTargets[path] ?? ""
            return GitFile(path: path, kind: .symlink(target: target), size: entry.size)
        }
    }

    /// Throws for the first symlink that leads outside the repository (checked before an export).
    func checkSymlinksStayInside() throws(GitError) {
        for path in paths where entries[path]?.kind == .symlink {
            _ = try resolve(components: path.split(separator: "/").map(String.init), original: path)
        }
    }
}
