import Foundation

/// A mirror's branches, tags and HEAD, read once per fetch.
struct RefTable: Sendable {
    struct Tag: Sendable {
        /// The tag object (annotated) or the commit (lightweight).
        var object: String
        /// The commit it leads to; nil for a tag of a tree or blob.
        var commit: String?
    }

    var branches: [String: String] = [:]
    var tags: [String: Tag] = [:]
    /// The commit HEAD leads to, when it leads to one.
    var head: String?
    /// The branch HEAD names (`main`), when it names one.
    var headBranch: String?

    /// Parses `git for-each-ref --format='%(objectname) %(objecttype) %(refname) %(*objectname) %(*objecttype)'`.
    init(forEachRef text: String, headFile: String?) {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            guard fields.count >= 3 else { continue }
            let (object, type, name) = (fields[0], fields[1], fields[2])
            let peeled = fields.count > 3 ? fields[3] : ""
            let peeledType = fields.count > 4 ? fields[4] : ""
            if name.hasPrefix("refs/heads/") {
                branches[String(name.dropFirst("refs/heads/".count))] = object
            } else if name.hasPrefix("refs/tags/") {
                let commit: String? =
                    type == "commit" ? object : (type == "tag" && peeledType == "commit" && !peeled.isEmpty ? peeled : nil)
                tags[String(name.dropFirst("refs/tags/".count))] = Tag(object: object, commit: commit)
            }
        }
        let head = headFile?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if head.hasPrefix("ref: refs/heads/") {
            let branch = String(head.dropFirst("ref: refs/heads/".count))
            headBranch = branch
            self.head = branches[branch]
        } else if head.count >= 40, head.allSatisfy(\.isHexDigit) {
            self.head = head
        }
    }

    /// Every branch and tag name, for suggestions.
    var names: [String] { Array(branches.keys) + Array(tags.keys) }

    var refs: [GitRef] {
        branches.map { GitRef(name: $0.key, kind: .branch, sha: $0.value) }.sorted { $0.name < $1.name }
            + tags.map { GitRef(name: $0.key, kind: .tag, sha: $0.value.commit ?? $0.value.object) }.sorted { $0.name < $1.name }
    }
}

extension String {
    /// 40 (SHA-1) or 64 (SHA-256) hex digits.
    var isFullObjectID: Bool { (count == 40 || count == 64) && allSatisfy(\.isHexDigit) }
}
