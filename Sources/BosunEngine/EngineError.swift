import BosunGit
/// An engine error for the API: what kind (so the server picks the HTTP status) and a message.
public struct EngineError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        case notFound
        /// A sync of this application is running; `syncID` names it.
        case conflict
        case invalid
        case unavailable
    }

    public var code: Code
    public var message: String
    public var syncID: Int64?

    public init(_ code: Code, _ message: String, syncID: Int64? = nil) {
        self.code = code
        self.message = message
        self.syncID = syncID
    }

    public var description: String { message }

    /// A failure of resolving or rendering what a person named, for the API: a revision that
    /// does not exist is not found, a source that does not answer is unavailable, the rest is
    /// invalid input.
    static func classifying(_ error: any Error) -> EngineError {
        if let error = error as? EngineError { return error }
        if let git = error as? GitError {
            switch git.code {
            case .unknownRevision, .notFound: return EngineError(.notFound, git.message)
            case .unreachable, .timeout: return EngineError(.unavailable, git.message)
            default: break
            }
        }
        return EngineError(.invalid, "\(error)")
    }

    static func unknownApp(_ name: String, known: [String]) -> EngineError {
        let hint = closestMatchHint(name, known)
        return EngineError(.notFound, "no application named \"\(name)\"\(hint)")
    }
}

import BosunCore

func closestMatchHint(_ name: String, _ known: [String]) -> String {
    if let m = closestMatch(to: name, in: known) { return "; did you mean \"\(m)\"?" }
    return known.isEmpty ? "" : "; known: \(known.sorted().joined(separator: ", "))"
}
