#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The signals a `stopSignal` may name, by their usual names.
enum SignalName {
    static let known: [(name: String, number: Int32)] = [
        ("SIGTERM", SIGTERM), ("SIGINT", SIGINT), ("SIGQUIT", SIGQUIT), ("SIGHUP", SIGHUP),
        ("SIGKILL", SIGKILL), ("SIGUSR1", SIGUSR1), ("SIGUSR2", SIGUSR2), ("SIGWINCH", SIGWINCH),
        ("SIGALRM", SIGALRM),
    ]

    /// `SIGTERM`, `TERM` or `sigterm`; nil for anything else.
    static func number(_ text: String) -> Int32? {
        var upper = text.uppercased()
        if !upper.hasPrefix("SIG") { upper = "SIG" + upper }
        return known.first { $0.name == upper }?.number
    }

    /// `SIGTERM` for 15; `signal 42` for one without a name here.
    static func name(_ number: Int32) -> String {
        if let entry = known.first(where: { $0.number == number }) { return entry.name }
        switch number {
        case SIGSEGV: return "SIGSEGV"
        case SIGABRT: return "SIGABRT"
        case SIGBUS: return "SIGBUS"
        case SIGILL: return "SIGILL"
        case SIGFPE: return "SIGFPE"
        case SIGPIPE: return "SIGPIPE"
        default: return "signal \(number)"
        }
    }
}
