import BosunCore

/// How a run of a process ended.
enum ExitStatus: Sendable, Hashable, Codable {
    case exited(Int32)
    case signaled(Int32)
    /// It never ran: the program was not found, the working directory is missing...
    case failedToStart(String)

    var isSuccess: Bool { self == .exited(0) }

    /// `exit status 3`, `killed by SIGKILL`, `could not start: ...`.
    var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by \(SignalName.name(signal))"
        case .failedToStart(let reason): "could not start: \(reason)"
        }
    }

    /// The form in a live object's `status.lastExit`.
    var json: JSONValue {
        switch self {
        case .exited(let code): ["exitCode": .int(Int(code)), "reason": .string(description)]
        case .signaled(let signal): ["signal": .string(SignalName.name(signal)), "reason": .string(description)]
        case .failedToStart: ["error": .string(description), "reason": .string(description)]
        }
    }
}
