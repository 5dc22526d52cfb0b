import BosunCore
import BosunTesting
import Foundation
import KubernetesSimulator
import Testing

/// The built `kubernetes-simulator` executable, run as a child process the way end-to-end tests
/// and CI run it.
final class SimulatorProcess: @unchecked Sendable {
    let process = Process()
    let url: String
    let output = LockedBox("")

    static let kubectlPath = "/usr/bin/kubectl"
    static var hasKubectl: Bool { FileManager.default.isExecutableFile(atPath: kubectlPath) }

    /// Where the executable is: beside the test bundle (SwiftPM builds it because the test
    /// target depends on it), or in this package's `.build/debug`.
    static func executable() throws -> URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for directory in [beside, beside.deletingLastPathComponent(), package.appendingPathComponent(".build/debug")] {
            let candidate = directory.appendingPathComponent("kubernetes-simulator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw SimulatorError(message: "kubernetes-simulator is not built; run `swift build --product kubernetes-simulator`")
    }

    /// Starts the executable and waits for its "listening on" line.
    init(arguments: [String] = []) throws {
        process.executableURL = try Self.executable()
        process.arguments = ["--port", "0"] + arguments
        let stdout = Pipe()
        process.standardOutput = stdout
        process.standardError = FileHandle.nullDevice
        try process.run()
        let output = self.output
        let reader = stdout.fileHandleForReading
        let found = LockedBox<String?>(nil)
        let done = DispatchSemaphore(value: 0)
        DispatchQueue.global().async {
            while true {
                let data = reader.availableData
                if data.isEmpty { break }
                let text = output.update { text in
                    text += String(decoding: data, as: UTF8.self)
                    return text
                }
                if let range = text.range(of: "listening on "), let end = text[range.upperBound...].firstIndex(of: "\n") {
                    found.set(String(text[range.upperBound..<end]))
                    done.signal()
                }
            }
            done.signal()
        }
        _ = done.wait(timeout: .now() + 30)
        guard let url = found.get() else {
            process.terminate()
            throw SimulatorError(message: "kubernetes-simulator did not say it was listening; it printed: \(output.get())")
        }
        self.url = url
    }

    /// Sends SIGTERM and returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }
}

/// The real kubectl, pointed at a simulator with a kubeconfig of its own.
struct Kubectl {
    let directory: TemporaryDirectory
    let kubeconfig: URL

    init(server: String, token: String? = nil, certificateAuthority: String? = nil) throws {
        directory = try TemporaryDirectory(prefix: "kubectl")
        var cluster = "    server: \(server)\n"
        if let certificateAuthority { cluster += "    certificate-authority: \(certificateAuthority)\n" }
        let user = token.map { "    token: \($0)\n" } ?? "    {}\n"
        kubeconfig = try directory.write(
            "kubeconfig",
            """
            apiVersion: v1
            kind: Config
            clusters:
            - name: sim
              cluster:
            \(cluster)contexts:
            - name: sim
              context: {cluster: sim, user: sim, namespace: default}
            current-context: sim
            users:
            - name: sim
              user:
            \(user)
            """)
    }

    /// Runs kubectl; `input` goes to its standard input.
    func run(_ arguments: String..., input: String? = nil) async throws -> Shell.Result {
        try await run(arguments, input: input)
    }

    func run(_ arguments: [String], input: String? = nil) async throws -> Shell.Result {
        try await Shell.execute(
            [SimulatorProcess.kubectlPath, "--kubeconfig", kubeconfig.path, "--cache-dir", directory.appending("cache").path]
                + arguments,
            environment: ["HOME": directory.path], input: input)
    }

    /// Starts a long-running kubectl (such as `get --watch`) whose output collects in `output`.
    func start(_ arguments: [String]) throws -> (process: Process, output: LockedBox<String>) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: SimulatorProcess.kubectlPath)
        process.arguments = ["--kubeconfig", kubeconfig.path, "--cache-dir", directory.appending("cache").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let output = LockedBox("")
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            output.update { $0 += String(decoding: data, as: UTF8.self) }
        }
        try process.run()
        return (process, output)
    }

    func remove() { directory.remove() }
}

extension Shell.Result {
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}
