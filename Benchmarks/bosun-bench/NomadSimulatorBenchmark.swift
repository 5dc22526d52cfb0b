import ArgumentParser
import BosunCore
import Foundation
import NomadSimulator

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Registers jobs in the Nomad simulator over loopback HTTP, then lists them; prints requests/second.
struct NomadSimulatorBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nomad-sim", abstract: "Register N jobs in the Nomad simulator and list them (requests/second).")

    @Option(help: "How many jobs to register.") var jobs = 200
    @Option(help: "How many list calls to make.") var lists = 50

    func run() async throws {
        var options = NomadSimulatorOptions()
        options.deployDelay = .seconds(60)  // keep scheduling out of the measurement
        let simulator = try await NomadSimulator.start(options)
        let clock = ContinuousClock()

        let parse = try await send("POST", simulator.address + "/v1/jobs/parse", [
            "JobHCL": .string(Self.jobspec), "Canonicalize": true, "Variables": "app = \"bench\"",
        ])
        guard case .object(let template) = try JSONParser.parse(parse) else { throw ValidationError("parse failed: \(parse)") }

        let registerStart = clock.now
        for i in 0..<jobs {
            var job = template
            job["ID"] = .string("bench-\(i)")
            job["Name"] = .string("bench-\(i)")
            _ = try await send("POST", simulator.address + "/v1/jobs", ["Job": .object(job)])
        }
        let registerTime = clock.now - registerStart

        let listStart = clock.now
        var listed = 0
        for _ in 0..<lists {
            let text = try await send("GET", simulator.address + "/v1/jobs?meta=true", nil)
            listed = (try JSONParser.parse(text).arrayValue?.count) ?? 0
        }
        let listTime = clock.now - listStart
        await simulator.stop()

        func rate(_ count: Int, _ d: Duration) -> String { String(format: "%.0f", Double(count) / max(d.seconds, 1e-9)) }
        print("nomad-sim: registered \(jobs) jobs in \(DurationText.format(registerTime)) (\(rate(jobs, registerTime)) requests/s)")
        print("nomad-sim: listed \(listed) jobs \(lists) times in \(DurationText.format(listTime)) (\(rate(lists, listTime)) requests/s)")
    }

    private func send(_ method: String, _ url: String, _ body: JSONValue?) async throws -> String {
        guard let target = URL(string: url) else { throw ValidationError("bad URL \(url)") }
        var request = URLRequest(url: target)
        request.httpMethod = method
        if let body { request.httpBody = body.jsonData() }
        let (data, _) = try await URLSession.shared.data(for: request)
        return String(decoding: data, as: UTF8.self)
    }

    static let jobspec = """
        variable "app" { type = string }
        job "bench" {
          meta = { "bosun.app" = var.app }
          group "web" {
            count = 2
            task "server" {
              driver = "docker"
              config {
                image = "nginx:1.27"
              }
            }
          }
        }
        """
}
