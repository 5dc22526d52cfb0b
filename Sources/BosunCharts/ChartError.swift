import BosunCore

/// A chart source that cannot be used: the message names the repository (and chart) and says
/// what would fix it. `unavailable` failures (the repository did not answer) keep what runs and
/// show as SourceUnavailable; the others are problems with what the repository holds.
public struct ChartError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The repository or registry did not answer, or answered 5xx: try again later.
        case unavailable
        /// The repository answered something Bosun will not use (bad archive, digest mismatch, bad index).
        case invalid
        /// Nothing matches (no such chart, no version in range).
        case notFound
        /// The credentials were refused.
        case unauthorized
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
