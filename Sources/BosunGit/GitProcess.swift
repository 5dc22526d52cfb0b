import Foundation
import Subprocess

#if canImport(System)
import System
#else
import SystemPackage
#endif

/// One run of the `git` CLI: arguments, environment, optional standard input, and a time limit.
struct GitInvocation: Sendable {
    var arguments: [String]
    var environment: [String: String]
    var input: Data?
    var timeout: Duration
    /// Standard output beyond this many bytes fails the run (protects memory from a runaway tree).
    var outputLimit: Int = 64 << 20
    /// How the run is named in errors and logs: `git fetch https://host/repo.git` (no credentials).
    var summary: String
}

/// What a finished `git` run printed and how it exited.
struct GitOutput: Sendable {
    var status: Int32
    var stdout: Data
    var stderr: String

    var succeeded: Bool { status == 0 }
    var text: String { String(decoding: stdout, as: UTF8.self) }
    /// Standard error's first lines, for messages (git's hints follow and are noise here).
    var reason: String {
        let lines = stderr.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty && !$0.hasPrefix("hint:") }
        let chosen = lines.prefix(3).map(Self.printable).joined(separator: "; ")
        return chosen.isEmpty ? "exit status \(status)" : chosen
    }

    /// A line as it may reach logs, the API and terminals: a remote can make git echo any
    /// bytes it sent (a garbage answer), so control characters (terminal escapes among them)
    /// become "?" and the line is cut at 300 characters.
    static func printable(_ line: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in line.unicodeScalars.prefix(300) {
            let control = scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
            out.append(control ? "?" : scalar)
        }
        return String(out) + (line.unicodeScalars.count > 300 ? "…" : "")
    }
}

/// Runs `git` through swift-subprocess. Every run has a time limit; when it passes, the whole
/// process group (git and the helpers it started: ssh, remote-https, upload-pack) is stopped
/// before the error is returned.
enum GitProcess {
    static let stderrLimit = 1 << 20

    /// Runs `executable` (git unless told otherwise, looked up on the invocation's PATH).
    static func run(_ invocation: GitInvocation, executable: String = "git") async throws(GitError) -> GitOutput {
        var options = PlatformOptions()
        // Its own session and process group, so the teardown reaches git's children too.
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(500))]
        var environment: [Environment.Key: String] = [:]
        for (key, value) in invocation.environment { environment[Environment.Key(stringLiteral: key)] = value }
        let configuration = Configuration(
            executable: .name(executable), arguments: Arguments(invocation.arguments), environment: .custom(environment),
            platformOptions: options)
        let input = invocation.input ?? Data()
        let limit = invocation.outputLimit

        enum Finish: Sendable {
            case done(GitOutput)
            case timedOut
        }
        do {
            let finish = try await withThrowingTaskGroup(of: Finish.self) { group in
                group.addTask {
                    let result = try await Subprocess.run(
                        configuration, input: .data(input), output: .data(limit: limit),
                        error: .data(limit: stderrLimit))
                    let status: Int32 =
                        switch result.terminationStatus {
                        case .exited(let code): code
                        case .signaled(let signal): 128 + signal
                        }
                    return .done(GitOutput(
                        status: status, stdout: result.standardOutput,
                        stderr: String(decoding: result.standardError, as: UTF8.self)))
                }
                group.addTask {
                    try await Task.sleep(for: invocation.timeout)
                    return .timedOut
                }
                guard let first = try await group.next() else { return Finish.timedOut }
                // Cancelling the run tears the process group down; the group waits for it.
                group.cancelAll()
                return first
            }
            switch finish {
            case .done(let output): return output
            case .timedOut:
                throw GitError(
                    .timeout,
                    "`\(invocation.summary)` did not finish within \(describe(invocation.timeout)) and was stopped; "
                        + "check that the remote answers, or raise the timeout (fetchTimeout) for a large repository")
            }
        } catch let error as GitError {
            throw error
        } catch let error as SubprocessError {
            if error.code == .executableNotFound {
                throw GitError(.failed, "cannot run `\(executable)`: it is not installed or not on PATH; install it")
            }
            if error.code == .outputLimitExceeded {
                throw GitError(.failed, "`\(invocation.summary)` printed more than \(limit) bytes and was stopped")
            }
            throw GitError(.failed, "cannot run `\(invocation.summary)`: \(error)")
        } catch is CancellationError {
            throw GitError(.failed, "`\(invocation.summary)` was cancelled")
        } catch {
            throw GitError(.failed, "cannot run `\(invocation.summary)`: \(error)")
        }
    }

    /// "2s", "1.5s", "120s": durations as people read them in messages.
    static func describe(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds)s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return String(format: "%.1fs", value)
    }
}
