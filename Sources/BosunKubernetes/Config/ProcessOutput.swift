import BosunCore
import Foundation

/// A finished child process: its status and what it printed. Runs without blocking the
/// concurrency pool (the pipes are drained on dispatch threads) and is killed at a timeout.
struct ProcessOutput: Sendable {
    var status: Int32
    var stdout: Data
    var stderr: Data

    static func run(executable: String, arguments: [String], environment: [String: String], timeout: Duration) async throws -> ProcessOutput {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice

        let exited = AsyncStream<Int32>.makeStream()
        process.terminationHandler = { finished in
            exited.continuation.yield(finished.terminationStatus)
            exited.continuation.finish()
        }
        try process.run()
        async let stdout = drain(out.fileHandleForReading)
        async let stderr = drain(err.fileHandleForReading)

        // Returns whether it had to stop the process.
        let watchdog = Task { () -> Bool in
            do { try await Task.sleep(for: timeout) } catch { return false }
            guard process.isRunning else { return false }
            process.terminate()
            return true
        }
        var status: Int32 = -1
        for await code in exited.stream { status = code }
        watchdog.cancel()
        let timedOut = await watchdog.value
        let output = ProcessOutput(status: status, stdout: await stdout, stderr: await stderr)
        if timedOut {
            throw TargetError(.transient, "did not finish within \(DurationText.format(timeout)) and was stopped")
        }
        return output
    }

    private static func drain(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: handle.readDataToEndOfFile())
            }
        }
    }
}
