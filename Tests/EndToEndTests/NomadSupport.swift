import BosunCore
import BosunTesting
import Foundation
import Testing

/// Nomad for the end-to-end tests: the `nomad-simulator` executable (or a real agent at
/// `BOSUN_E2E_NOMAD_ADDR`), spoken to over HTTP with curl, as an operator would.
final class NomadAPI: @unchecked Sendable {
    let address: String
    let token: String?
    private let process: Process?

    /// A real agent, when `BOSUN_E2E_NOMAD_ADDR` names one (token from `BOSUN_E2E_NOMAD_TOKEN`).
    static var realAgentAddress: String? {
        let value = ProcessInfo.processInfo.environment["BOSUN_E2E_NOMAD_ADDR"] ?? ""
        return value.isEmpty ? nil : value
    }

    init(address: String, token: String?) {
        self.address = address
        self.token = token
        process = nil
    }

    /// Starts the simulator executable built next to `bosun` on a free port.
    init(arguments: [String] = [], token: String? = nil) async throws {
        let process = Process()
        process.executableURL = Binaries.directory.appendingPathComponent("nomad-simulator")
        process.arguments = ["--port", "\(try freePort())", "--deploy-delay-ms", "300"] + arguments
        let output = LockedBox("")
        capture(process, into: output, errors: false)
        try process.run()
        self.process = process
        self.token = token
        var found: String?
        for _ in 0..<200 {
            if let range = output.get().range(of: "listening on ") {
                found = String(output.get()[range.upperBound...].prefix { !$0.isWhitespace })
                break
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard let found else {
            process.terminate()
            throw Shell.Failure(command: ["nomad-simulator"], status: -1, stdout: output.get(), stderr: "did not start")
        }
        address = found
    }

    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }

    /// Sends a request with curl; the status code and body.
    func request(_ method: String, _ path: String, body: JSONValue? = nil) async throws -> (status: Int, body: String) {
        var arguments = ["curl", "-s", "--max-time", "10", "-X", method, "-w", "\n%{http_code}", address + path]
        if let token { arguments += ["-H", "X-Nomad-Token: \(token)"] }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data-binary", body.jsonString()] }
        let result = try await Shell.execute(arguments)
        let text = result.stdout
        guard let newline = text.lastIndex(of: "\n"), let status = Int(text[text.index(after: newline)...]) else {
            throw Shell.Failure(command: arguments, status: result.status, stdout: text, stderr: result.stderr)
        }
        return (status, String(text[..<newline]))
    }

    /// A job as Nomad returns it; nil when there is none.
    func job(_ id: String) async throws -> JSONValue? {
        let answer = try await request("GET", "/v1/job/\(id)")
        return answer.status == 200 ? try JSONParser.parse(answer.body) : nil
    }

    /// Whether Nomad has job `id` (a stopped job still counts; a purged one does not).
    func exists(_ id: String) async throws -> Bool { try await request("GET", "/v1/job/\(id)").status == 200 }

    /// Registers a job directly, as someone using the Nomad CLI would.
    func register(_ job: JSONValue) async throws {
        let answer = try await request("POST", "/v1/jobs", body: ["Job": job])
        guard answer.status == 200 else { throw Shell.Failure(command: ["register"], status: Int32(answer.status), stdout: answer.body, stderr: "") }
    }

    /// Sets the simulator's injected faults.
    func faults(_ faults: JSONValue) async throws {
        _ = try await request("POST", "/_simulator/faults", body: faults)
    }

    /// Removes a job for good (between tests against a real agent).
    func purge(_ id: String) async throws { _ = try await request("DELETE", "/v1/job/\(id)?purge=true") }
}

/// A Git repository of Nomad job files, a config pointing Bosun at `nomad`, and a `bosun serve`.
struct NomadSetup: OnWorkspace {
    let workspace: Workspace

    init(nomad: NomadAPI, files: [String: String], app: String = "jobs", tokenEnv: String? = nil, purge: Bool = true,
         autoRollback: Bool = true, varsFile: String? = "vars.hcl", interval: String = "1s", auto: Bool = true) throws {
        let token = tokenEnv.map { ", tokenEnv: \($0)" } ?? ""
        let vars = varsFile.map { ", varsFile: \($0)" } ?? ""
        workspace = try Workspace("bosun-e2e-nomad", app: app, files: files, message: "jobs one") { repository in
            """
            targets: [{ name: nomad, type: nomad, address: "\(nomad.address)", purge: \(purge)\(token) }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repository) }]
            applications:
              - name: \(app)
                source: { repository: deploy, revision: main, path: jobs\(vars) }
                destination: { target: nomad }
                sync: { auto: \(auto), prune: true, selfHeal: true, interval: \(interval), autoRollback: \(autoRollback), healthTimeout: 20s }
            """
        }
    }

    // MARK: Job files

    /// An HCL job whose image comes from the vars file (`image = "..."`).
    static func hclJob(_ id: String, count: Int = 2, extra: String = "") -> String {
        """
        variable "image" {
          type = string
        }

        job "\(id)" {
          group "web" {
            count = \(count)
        \(extra)
            task "server" {
              driver = "docker"
              config {
                image = var.image
              }
            }
          }
        }
        """
    }

    static func vars(image: String) -> String { "image = \"\(image)\"\n" }

    /// A job as Nomad's API JSON, wrapped as `nomad job run -output` writes it.
    static func jsonJob(_ id: String, image: String = "redis:7", count: Int = 1) -> String {
        """
        {
          "Job": {
            "ID": "\(id)",
            "Name": "\(id)",
            "Type": "service",
            "TaskGroups": [
              {
                "Name": "cache",
                "Count": \(count),
                "Tasks": [{ "Name": "redis", "Driver": "docker", "Config": { "image": "\(image)" } }]
              }
            ]
          }
        }
        """
    }
}

extension JSONValue {
    /// The first task's image of a Nomad job.
    var nomadImage: String? { self["TaskGroups"]?.arrayValue?.first?["Tasks"]?.arrayValue?.first?["Config"]?["image"]?.stringValue }
    var nomadCount: Int? { self["TaskGroups"]?.arrayValue?.first?["Count"]?.intValue }
}
