import Foundation

/// Runs commands for tests.
///
/// Swift's concurrency pool has one thread per core (two here) and does not grow when one
/// blocks: a test that waits for a child process on a pool thread stalls every other test's
/// timers, watches and servers in the same process. So the async functions run the child on a
/// thread of their own and suspend the caller; the blocking ones are for the rare synchronous
/// context (a fixture's `init`) and short commands (`git`).
public enum Shell {
    public struct Failure: Error, CustomStringConvertible {
        public var command: [String]
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var description: String { "\(command.joined(separator: " ")) exited \(status): \(stderr)\(stdout)" }
        public init(command: [String], status: Int32, stdout: String, stderr: String) {
            self.command = command
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
    }

    /// Runs `arguments` (the first is looked up on PATH) and returns the result, whatever the exit status.
    public static func execute(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
    ) async throws -> Result {
        try await offPool { try executeBlocking(arguments, in: directory, environment: environment, input: input) }
    }

    /// Runs `arguments` and returns standard output; throws `Failure` on a non-zero exit.
    @discardableResult
    public static func run(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
    ) async throws -> String {
        try await offPool { try runBlocking(arguments, in: directory, environment: environment, input: input) }
    }

    /// `execute`, blocking the calling thread: only outside async code, or for short commands.
    public static func executeBlocking(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
    ) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let outPipe = Pipe()
        let errPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        let inPipe = Pipe()
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
        try? inPipe.fileHandleForWriting.close()
        // Both pipes drain at once so neither fills up and blocks the child; the second on a
        // thread of its own (a dispatch queue can be slow to get a thread on a busy machine).
        let errData = LockedBox(Data())
        let errDone = DispatchSemaphore(value: 0)
        Thread {
            errData.set(errPipe.fileHandleForReading.readDataToEndOfFile())
            errDone.signal()
        }.start()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        errDone.wait()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// `run`, blocking the calling thread: only outside async code, or for short commands.
    @discardableResult
    public static func runBlocking(
        _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:], input: String? = nil
    ) throws -> String {
        let result = try executeBlocking(arguments, in: directory, environment: environment, input: input)
        guard result.status == 0 else {
            throw Failure(command: arguments, status: result.status, stdout: result.stdout, stderr: result.stderr)
        }
        return result.stdout
    }

    /// Runs blocking work on a thread of its own, suspending (not blocking) the caller.
    public static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Swift.Result { try work() }) }.start()
        }
    }
}

/// A value behind a lock, for test helpers that share state across threads.
public final class LockedBox<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    public init(_ value: T) { self.value = value }
    public func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    public func set(_ newValue: T) { lock.lock(); value = newValue; lock.unlock() }
    public func update<R>(_ body: (inout T) -> R) -> R { lock.lock(); defer { lock.unlock() }; return body(&value) }
}
