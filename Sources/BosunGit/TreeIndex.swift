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
    /// Symlink path → its target as stored in Git.
    let symlinkTargets: [String: String]
    /// Every entry in git's order, packed: a repository of 20,000 files kept as a string and an
    /// object-id string per entry would cost over 4 MiB a commit.
    private let table: PackedTable

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
        self.symlinkTargets = symlinkTargets
        table = PackedTable(listing)
    }

    /// The entry at `path` (resolved: no symlink followed), or nil.
    func entry(_ path: String) -> Entry? { table.index(of: path).map(table.entry) }

    /// Every entry, in git's order.
    var listing: [(path: String, entry: Entry)] { (0..<table.count).map { (table.path($0), table.entry($0)) } }

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
            guard let entry = entry(candidate) else { return .missing }
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
        guard let entry = entry(path) else { return .missing }
        return .found(path: path, entry: entry)
    }

    /// The files at or under `folder` (a resolved path; "" for the root), without trees, in git's order.
    func files(under folder: String) -> [GitFile] {
        let indices = folder.isEmpty ? Array(0..<table.count) : table.indices(under: folder + "/")
        return indices.compactMap { gitFile(path: table.path($0), entry: table.entry($0)) }
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
        for i in 0..<table.count where table.kind(i) == .symlink {
            let path = table.path(i)
            _ = try resolve(components: path.split(separator: "/").map(String.init), original: path)
        }
    }
}

/// Paths and object ids one after another in two byte buffers, with offsets, and the entries'
/// order by path bytes for lookups by binary search.
private struct PackedTable: Sendable {
    private var pathBytes: [UInt8] = []
    private var pathEnds: [UInt32] = []
    private var idBytes: [UInt8] = []
    private var idEnds: [UInt32] = []
    private var kinds: [TreeIndex.Entry.Kind] = []
    private var sizes: [Int] = []
    /// Entry indices sorted by their paths' bytes.
    private var sorted: [UInt32] = []

    init(_ listing: [(path: String, entry: TreeIndex.Entry)]) {
        pathEnds.reserveCapacity(listing.count)
        idEnds.reserveCapacity(listing.count)
        kinds.reserveCapacity(listing.count)
        sizes.reserveCapacity(listing.count)
        for (path, entry) in listing {
            pathBytes.append(contentsOf: path.utf8)
            pathEnds.append(UInt32(pathBytes.count))
            idBytes.append(contentsOf: entry.objectID.utf8)
            idEnds.append(UInt32(idBytes.count))
            kinds.append(entry.kind)
            sizes.append(entry.size)
        }
        pathBytes = pathBytes.withoutSpareCapacity
        idBytes = idBytes.withoutSpareCapacity
        let order = Array(0..<UInt32(listing.count))
        sorted = pathBytes.withUnsafeBufferPointer { bytes in
            order.sorted { a, b in Self.bytes(a, bytes, pathEnds).lexicographicallyPrecedes(Self.bytes(b, bytes, pathEnds)) }
        }
    }

    var count: Int { kinds.count }

    func path(_ i: Int) -> String {
        pathBytes.withUnsafeBufferPointer { String(decoding: Self.bytes(UInt32(i), $0, pathEnds), as: UTF8.self) }
    }

    func kind(_ i: Int) -> TreeIndex.Entry.Kind { kinds[i] }

    func entry(_ i: Int) -> TreeIndex.Entry {
        let id = idBytes.withUnsafeBufferPointer { String(decoding: Self.bytes(UInt32(i), $0, idEnds), as: UTF8.self) }
        return TreeIndex.Entry(kind: kinds[i], objectID: id, size: sizes[i])
    }

    func index(of path: String) -> Int? {
        let wanted = Array(path.utf8)
        let position = lowerBound(wanted)
        guard position < sorted.count else { return nil }
        let i = sorted[position]
        let found = pathBytes.withUnsafeBufferPointer { Self.bytes(i, $0, pathEnds).elementsEqual(wanted) }
        return found ? Int(i) : nil
    }

    /// The entries whose paths start with `prefix`, in git's order.
    func indices(under prefix: String) -> [Int] {
        let wanted = Array(prefix.utf8)
        var result: [Int] = []
        pathBytes.withUnsafeBufferPointer { bytes in
            var position = lowerBound(wanted)
            while position < sorted.count, Self.bytes(sorted[position], bytes, pathEnds).starts(with: wanted) {
                result.append(Int(sorted[position]))
                position += 1
            }
        }
        return result.sorted()
    }

    /// The first place in `sorted` whose path is not less than `wanted`.
    private func lowerBound(_ wanted: [UInt8]) -> Int {
        pathBytes.withUnsafeBufferPointer { bytes in
            var low = 0
            var high = sorted.count
            while low < high {
                let middle = (low + high) / 2
                if Self.bytes(sorted[middle], bytes, pathEnds).lexicographicallyPrecedes(wanted) {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            return low
        }
    }

    private static func bytes(_ i: UInt32, _ buffer: UnsafeBufferPointer<UInt8>, _ ends: [UInt32]) -> Slice<UnsafeBufferPointer<UInt8>> {
        let start = i == 0 ? 0 : Int(ends[Int(i) - 1])
        return buffer[start..<Int(ends[Int(i)])]
    }
}
