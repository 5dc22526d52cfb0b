import BosunCore
import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// A program on PATH that a renderer runs (kustomize, kubectl, helm).
struct ExternalTool: Sendable {
    let executable: String

    /// The first of `names` found on PATH.
    static func find(_ names: [String], path: String? = ProcessInfo.processInfo.environment["PATH"]) -> ExternalTool? {
        let dirs = (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":").map(String.init)
        for name in names {
            for dir in dirs {
                let candidate = dir + "/" + name
                if FileManager.default.isExecutableFile(atPath: candidate) { return ExternalTool(executable: candidate) }
            }
        }
        return nil
    }

    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the tool with a timeout; the child is killed when the time is up.
    func run(_ arguments: [String], in directory: String? = nil, timeout: Duration = .seconds(120),
             outputLimit: Int = 256 << 20) async throws -> Output
    {
        let name = URL(fileURLWithPath: executable).lastPathComponent
        return try await withThrowingTaskGroup(of: Output?.self) { group in
            group.addTask {
                var options = PlatformOptions()
                options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
                let result = try await Subprocess.run(
                    .path(FilePath(executable)), arguments: Arguments(arguments),
                    workingDirectory: directory.map { FilePath($0) }, platformOptions: options,
                    output: .string(limit: outputLimit), error: .string(limit: 1 << 20))
                let status: Int32
                switch result.terminationStatus {
                case .exited(let code): status = code
                case .signaled(let signal): status = 128 + signal
                }
                return Output(status: status, stdout: result.standardOutput, stderr: result.standardError)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            guard let first = try await group.next(), let output = first else {
                group.cancelAll()
                throw RenderError(message: "\(name) did not finish within \(DurationText.format(timeout)) and was stopped")
            }
            group.cancelAll()
            return output
        }
    }
}
