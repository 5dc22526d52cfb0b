import Foundation
import Subprocess
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// One run of a process: its id, when it started (to recognise it after a pid is reused), and
/// how it ends.
struct LaunchedProcess: Sendable {
    let pid: Int32
    /// The kernel's start time of the process, from `/proc/<pid>/stat`.
    let startTime: UInt64
    /// Finishes when the process has exited and been reaped.
    let exit: Task<ExitStatus, Never>
}

/// What a launch needs, resolved against the target root and Bosun's environment.
struct LaunchRequest: Sendable {
    var name: String
    var command: [String]
    /// Absolute.
    var workingDirectory: String
    var environment: [String: String]
}

/// Starts processes in their own process group (so a stop reaches their children too), with
/// standard output and error going through a pipe into the process's log file.
enum ProcessLauncher {
    /// Starts `request`; on failure the result says why (the program is not found...).
    static func launch(_ request: LaunchRequest, log: LogFile) async -> Result<LaunchedProcess, LaunchFailure> {
        var fds: [Int32] = [-1, -1]
        guard pipeWithCloseOnExec(&fds) == 0 else {
            return .failure(LaunchFailure(reason: "cannot create a pipe for its output: \(Posix.describe(errno))"))
        }
        let readEnd = fds[0]
        let writeEnd = fds[1]

        var environment: [Environment.Key: String] = [:]
        for (name, value) in request.environment {
            if let key = Environment.Key(rawValue: name) { environment[key] = value }
        }
        let executable = executable(for: request.command[0], in: request.workingDirectory)
        var options = PlatformOptions()
        options.processGroupID = 0  // a group of its own, led by the process
        let arguments = Arguments(Array(request.command.dropFirst()))
        let workingDirectory = FilePath(request.workingDirectory)
        let output = FileDescriptor(rawValue: writeEnd)

        let (started, startedContinuation) = AsyncStream<Int32>.makeStream()
        let run = Task<ExitStatus, Never> {
            do {
                // Both streams go to the one pipe; Bosun closes its copy once the child has it.
                let result = try await Subprocess.run(
                    executable, arguments: arguments, environment: .custom(environment),
                    workingDirectory: workingDirectory, platformOptions: options, input: .none,
                    output: .fileDescriptor(output, closeAfterSpawningProcess: false),
                    error: .fileDescriptor(output, closeAfterSpawningProcess: false)
                ) { execution in
                    startedContinuation.yield(execution.processIdentifier.value)
                    startedContinuation.finish()
                }
                switch result.terminationStatus {
                case .exited(let code): return .exited(code)
                case .signaled(let signal): return .signaled(signal)
                }
            } catch {
                startedContinuation.finish()
                return .failedToStart(describe(error, request: request))
            }
        }
        var iterator = started.makeAsyncIterator()
        let pid = await iterator.next()
        _ = systemClose(writeEnd)
        guard let pid else {
            _ = systemClose(readEnd)
            let status = await run.value
            if case .failedToStart(let reason) = status { return .failure(LaunchFailure(reason: reason)) }
            return .failure(LaunchFailure(reason: status.description))
        }
        LogPump.start(reading: readEnd, into: log, name: request.name)
        let startTime = ProcessTable.entry(pid)?.startTime ?? 0
        return .success(LaunchedProcess(pid: pid, startTime: startTime, exit: run))
    }

    /// A bare name is looked up on PATH; a name with a slash is a path, relative to the working directory.
    static func executable(for program: String, in workingDirectory: String) -> Executable {
        guard program.contains("/") else { return .name(program) }
        if program.hasPrefix("/") { return .path(FilePath(program)) }
        return .path(FilePath(workingDirectory + "/" + program))
    }

    private static func describe(_ error: any Error, request: LaunchRequest) -> String {
        if let error = error as? SubprocessError {
            switch error.code {
            case .executableNotFound:
                return "\"\(request.command[0])\" was not found on PATH (\(request.environment["PATH"] ?? "not set")); install it or give its full path"
            case .failedToChangeWorkingDirectory:
                return "the working directory \(request.workingDirectory) does not exist or cannot be entered"
            default:
                return "\(error)"
            }
        }
        return "\(error)"
    }

    private static func pipeWithCloseOnExec(_ fds: inout [Int32]) -> Int32 {
        fds.withUnsafeMutableBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -1 }
            // Not atomic, but Subprocess closes every descriptor above 2 in the children it
            // spawns, so a launch racing this one cannot inherit the pipe.
            guard pipe(base) == 0 else { return -1 }
            _ = fcntl(base[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(base[1], F_SETFD, FD_CLOEXEC)
            return 0
        }
    }
}

/// Why a process could not be started.
struct LaunchFailure: Error, Sendable {
    var reason: String
}

func systemClose(_ fd: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(fd)
    #else
        Darwin.close(fd)
    #endif
}
