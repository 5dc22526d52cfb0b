import Foundation

/// A commit's identity and the metadata Bosun records with every sync.
public struct Commit: Sendable, Hashable, Codable {
    /// Full 40-hex SHA.
    public var sha: String
    /// "Name <email>".
    public var author: String
    /// The author date.
    public var date: Date
    /// The first line of the message.
    public var subject: String

    public init(sha: String, author: String, date: Date, subject: String) {
        self.sha = sha
        self.author = author
        self.date = date
        self.subject = subject
    }

    /// The first seven characters of the SHA, as people write them.
    public var shortSHA: String { String(sha.prefix(7)) }
}
