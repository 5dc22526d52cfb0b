import Foundation
import Logging

/// Wall time of `body`, in seconds.
func measure<T>(_ body: () async throws -> T) async rethrows -> (T, Double) {
    let start = ContinuousClock.now
    let value = try await body()
    let elapsed = ContinuousClock.now - start
    return (value, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

/// Resident memory of a process (this one by default), in MiB, from /proc.
func residentMiB(pid: Int32? = nil, field: String = "VmRSS") -> Double {
    let path = pid.map { "/proc/\($0)/status" } ?? "/proc/self/status"
    guard let text = try? String(contentsOfFile: path, encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field + ":") })
    else { return 0 }
    let kb = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "0") ?? 0
    return kb / 1024
}

func figure(_ label: String, _ value: Double, _ unit: String, target: String? = nil) {
    let formatted = value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    print("  \(label.padding(toLength: 52, withPad: " ", startingAt: 0)) \(formatted) \(unit)\(target.map { "   (target: \($0))" } ?? "")")
    fflush(nil)  // figures show as they come, also into a pipe
}

/// Benchmarks print figures, not logs.
func quietLogging() {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = .error
        return handler
    }
}
