import BosunCore
import BosunTesting
import Foundation
import Testing

/// The `nomad-simulator` executable, started as a process and queried over HTTP.
@Suite struct ExecutableTests {
    /// The built executable beside the test bundle.
    static func executable() throws -> URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("nomad-simulator")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: "nomad-simulator next to the tests"])
    }

    @Test func startsPrintsItsAddressServesAndExitsOnSIGTERM() async throws {
        let process = Process()
        process.executableURL = try Self.executable()
        process.arguments = ["--port", "0", "--acl", "--acl-token", "secret", "--deploy-delay-ms", "100"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The first line says where it listens.
        var line = ""
        while !line.hasSuffix("\n") {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            line += String(decoding: data, as: UTF8.self)
        }
        let prefix = "nomad-simulator listening on "
        #expect(line.hasPrefix(prefix))
        let address = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(address.hasPrefix("http://127.0.0.1:"))

        #expect(try await Harness.send("GET", address + "/v1/jobs").status == 403)
        let parsed = try await Harness.send(
            "POST", address + "/v1/jobs/parse", body: ["JobHCL": .string(simpleJob), "Canonicalize": true], token: "secret")
        #expect(parsed.status == 200)
        let registered = try await Harness.send("POST", address + "/v1/jobs", body: ["Job": try parsed.json], token: "secret")
        #expect(registered.status == 200)
        let list = try await Harness.send("GET", address + "/v1/jobs", token: "secret")
        #expect(try list.json.arrayValue?.first?["ID"] == "web")

        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }
}
