import BosunCore
import BosunTesting
import Foundation
import Testing

extension EndToEnd {
    /// The README's run command, as a newcomer runs it.
    @Suite struct QuickstartTests {
        static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        @Test func quickstartDeploysTheExampleAndServesIt() async throws {
            let dir = try TemporaryDirectory(prefix: "bosun-quickstart")
            defer { dir.remove() }
            let api = try freePort()
            let appPort = try freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Binaries.bosun)
            process.arguments = ["quickstart", "--dir", dir.appending("qs").path, "--listen", "127.0.0.1:\(api)", "--app-port", String(appPort)]
            let output = LockedBox("")
            capture(process, into: output)
            try process.run()
            defer {
                if process.isRunning {
                    kill(process.processIdentifier, SIGTERM)
                    process.waitUntilExit()
                }
            }
            try await eventually("the banner", seconds: 60) { output.get().contains("Bosun is running") }
            #expect(output.get().contains("http://127.0.0.1:\(appPort)/"))
            try await eventually("the example page is served", seconds: 60) {
                await httpGet("http://127.0.0.1:\(appPort)/index.html")?.contains("Hello from Bosun") == true
            }
            // The repository it made holds exactly the example.
            let example = Self.repositoryRoot.appendingPathComponent("examples/quickstart")
            for file in ["hello/site.yaml", "hello/web.yaml", "README.md"] {
                let original = try String(contentsOf: example.appendingPathComponent(file), encoding: .utf8)
                let copy = try String(contentsOf: dir.appending("qs/repo/\(file)"), encoding: .utf8)
                #expect(copy == original.replacingOccurrences(of: "8765", with: String(appPort)), "\(file) differs from examples/quickstart; run scripts/embed-quickstart.py")
            }
            let apps = try await bosun("apps", "--server", "http://127.0.0.1:\(api)")
            #expect(apps.stdout.contains("hello"))
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            try await eventually("the example server stopped with Bosun") { await httpGet("http://127.0.0.1:\(appPort)/") == nil }
        }
    }
}
