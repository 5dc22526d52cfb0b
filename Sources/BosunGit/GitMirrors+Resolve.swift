import BosunCore
import Foundation

/// Revisions to commits: branch, tag, semver range over tags, full or abbreviated SHA.
extension GitMirrors {
    /// Resolves against the mirror (fetches first only if no mirror exists yet).
    ///
    /// Order for `.ref(s)`: a full SHA (must be in the mirror); the branch `s`; the tag `s`
    /// (annotated tags peeled to their commit); `HEAD`; an abbreviated SHA of 4 or more hex
    /// digits. `.semver(range)`: the highest tag in range (`v` prefix optional; pre-releases only
    /// when the range names one).
    public func resolve(_ revision: RevisionSpec, in repository: RepositorySpec) async throws -> Commit {
        let mirror = try await ensureMirror(repository)
        let table = try await refTable(mirror)
        switch revision {
        case .semver(let range):
            return try await commit(try bestTag(in: range, table: table, repository: repository), in: repository)
        case .ref(let written):
            let name = written.trimmingCharacters(in: .whitespaces)
            return try await commit(try await resolveRef(name, table: table, mirror: mirror, repository: repository), in: repository)
        }
    }

    /// Branches and tags, for messages and semver.
    public func refs(in repository: RepositorySpec) async throws -> [GitRef] {
        let mirror = try await ensureMirror(repository)
        return try await refTable(mirror).refs
    }

    func resolveRef(_ name: String, table: RefTable, mirror: URL, repository: RepositorySpec) async throws -> String {
        let source = describe(repository)
        guard !name.isEmpty else {
            throw GitError(.unknownRevision, "the revision for \(source) is empty; name a branch, a tag, a commit SHA or a semver range")
        }
        let lowered = name.lowercased()
        if lowered.isFullObjectID {
            guard try await isCommit(lowered, mirror: mirror) else {
                throw GitError(.unknownRevision, "commit \(lowered) is not in \(source) (\(lastFetchDescription(mirror))); check that it was pushed and not removed by a force-push")
            }
            return lowered
        }
        let short = name.hasPrefix("refs/heads/") ? String(name.dropFirst(11)) : name.hasPrefix("refs/tags/") ? String(name.dropFirst(10)) : name
        if !name.hasPrefix("refs/tags/"), let sha = table.branches[short] { return sha }
        if !name.hasPrefix("refs/heads/"), let tag = table.tags[short] {
            guard let commit = tag.commit else {
                throw GitError(.unknownRevision, "tag \(short) of \(source) points to a tree or file, not a commit")
            }
            return commit
        }
        if name == "HEAD" {
            if let head = table.head { return head }
            let detail = table.headBranch.map { "its HEAD names branch \($0), which does not exist" } ?? "it has no HEAD"
            throw GitError(.unknownRevision, "cannot resolve HEAD of \(source): \(detail); name a branch instead, one of: \(table.branches.keys.sorted().prefix(5).joined(separator: ", "))")
        }
        if lowered.count >= 4, lowered.count < 40, lowered.allSatisfy(\.isHexDigit) {
            let candidates = try await commitsWithPrefix(lowered, mirror: mirror)
            if candidates.count == 1, let only = candidates.first { return only }
            if candidates.count > 1 {
                var described: [String] = []
                for sha in candidates.prefix(5) {
                    let commit = try await commit(sha, in: repository)
                    described.append("\(sha) (\(commit.date.formatted(.iso8601)) \"\(commit.subject)\")")
                }
                let more = candidates.count > 5 ? " and \(candidates.count - 5) more" : ""
                throw GitError(.ambiguousRevision, "\(name) is ambiguous in \(source): it starts \(candidates.count) commits: \(described.joined(separator: ", "))\(more); write more characters of the SHA")
            }
        }
        let suggestions = closestMatches(to: short, in: table.names + ["HEAD"], limit: 3)
        let hint = suggestions.isEmpty ? "the repository has no branches or tags" : "closest refs: \(suggestions.joined(separator: ", "))"
        throw GitError(.unknownRevision, "revision \(name.debugDescription) is not a branch, tag or commit of \(source) (\(lastFetchDescription(mirror))); \(hint)")
    }

    /// The commit of the highest tag whose name is a version in `range`.
    func bestTag(in range: SemVerRange, table: RefTable, repository: RepositorySpec) throws -> String {
        var versions: [(version: SemVer, name: String, commit: String)] = []
        for (name, tag) in table.tags {
            guard let version = SemVer(name), let commit = tag.commit else { continue }
            versions.append((version, name, commit))
        }
        // Highest first; "v1.2.0" and "1.2.0" both present: the name sorted first wins, every time.
        versions.sort { $0.version != $1.version ? $1.version < $0.version : $0.name < $1.name }
        if let best = versions.first(where: { range.matches($0.version) }) { return best.commit }
        let source = describe(repository)
        guard !versions.isEmpty else {
            throw GitError(.unknownRevision, "no tag of \(source) is a semantic version, so none matches \"\(range.text)\"; tag releases like v1.4.0")
        }
        let listed = versions.prefix(10).map(\.name).joined(separator: ", ")
        let more = versions.count > 10 ? ", …" : ""
        throw GitError(.unknownRevision, "no tag of \(source) matches semver range \"\(range.text)\"; semver tags found (highest first): \(listed)\(more)")
    }

    /// Commit metadata: SHA, author, author date, subject.
    public func commit(_ sha: String, in repository: RepositorySpec) async throws -> Commit {
        let mirror = try await ensureMirror(repository)
        let id = sha.lowercased()
        guard id.count >= 4, id.count <= 64, id.allSatisfy(\.isHexDigit) else {
            throw GitError(.unknownRevision, "\(sha.debugDescription) is not a commit SHA (hex digits) of \(describe(repository))")
        }
        let key = mirror.path + "@" + id
        if let known = commits[key] { return known }
        let output = try await git(["log", "-1", "--no-walk", "--format=%H%x00%an <%ae>%x00%at%x00%s", "\(id)^{commit}", "--"], in: mirror)
        let fields = output.text.trimmingCharacters(in: .newlines).split(separator: "\0", omittingEmptySubsequences: false)
        guard output.succeeded, fields.count == 4, let seconds = TimeInterval(fields[2]) else {
            throw GitError(.unknownRevision, "commit \(sha) is not in \(describe(repository)) (\(lastFetchDescription(mirror)))")
        }
        let commit = Commit(sha: String(fields[0]), author: String(fields[1]), date: Date(timeIntervalSince1970: seconds), subject: String(fields[3]))
        if id.isFullObjectID { commits[key] = commit }
        return commit
    }

    func isCommit(_ sha: String, mirror: URL) async throws(GitError) -> Bool {
        try await git(["cat-file", "-e", "\(sha)^{commit}"], in: mirror).succeeded
    }

    /// Every commit whose SHA starts with `prefix` (other objects sharing it are left out).
    func commitsWithPrefix(_ prefix: String, mirror: URL) async throws(GitError) -> [String] {
        let objects = try await git(["rev-parse", "--disambiguate=\(prefix)"], in: mirror)
        let ids = objects.text.split(separator: "\n").map(String.init)
        guard !ids.isEmpty else { return [] }
        let types = try await git(["cat-file", "--batch-check=%(objectname) %(objecttype)"], in: mirror,
                                  input: Data((ids.joined(separator: "\n") + "\n").utf8))
        return types.text.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: " ")
            return parts.count == 2 && parts[1] == "commit" ? String(parts[0]) : nil
        }.sorted()
    }

    /// The mirror's refs, read once per fetch.
    func refTable(_ mirror: URL) async throws(GitError) -> RefTable {
        let key = mirror.path
        if let table = refTables[key] { return table }
        let generation = generations[key, default: 0]
        let output = try await git(
            ["for-each-ref", "--format=%(objectname) %(objecttype) %(refname) %(*objectname) %(*objecttype)", "refs/heads", "refs/tags"],
            in: mirror)
        guard output.succeeded else { throw GitError(.failed, "cannot list the refs of mirror \(mirror.path): \(output.reason)") }
        let head = try? String(contentsOf: mirror.appendingPathComponent("HEAD"), encoding: .utf8)
        var table = RefTable(forEachRef: output.text, headFile: head)
        // Tags of tags: peel the rest of the way (rare, one run each).
        for (name, tag) in table.tags where tag.commit == nil {
            let peeled = try await git(["rev-parse", "--verify", "--quiet", "\(tag.object)^{commit}"], in: mirror)
            if peeled.succeeded { table.tags[name]?.commit = peeled.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
        if generations[key, default: 0] == generation { refTables[key] = table }
        return table
    }
}
