import BosunCore

/// A commit's identity and the metadata Bosun records with every sync: BosunCore's `CommitInfo`
/// (full SHA, "Name <email>", author date, subject), so the API shows what Git said.
public typealias Commit = CommitInfo

extension CommitInfo {
    /// The first seven characters of the SHA, as people write them.
    public var shortSHA: String { String(sha.prefix(7)) }
}
