import ArgumentParser
import BosunCore
import BosunEngine
import BosunGit
import BosunNomad
import BosunRender
import BosunStore
import BosunTesting
import Foundation
import NomadSimulator

/// 200 Nomad jobs (HCL with a vars file) in one repository, one application, against the
/// in-process Nomad simulator with 1 ms latency per request: the first sync (parse, plan and
/// register each job, wait for the deployments) and a steady-state pass, with the requests each
/// sent. A steady-state pass should send one list call, not a request per job.
struct NomadBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nomad", abstract: "Nomad jobs: first sync and steady-state pass, with request counts.")

    @Option(help: "Jobs in the repository.") var jobs = 200
    @Option(help: "Latency the simulator adds to every request, in milliseconds.") var latencyMs = 1
    @Option(help: "How long a placement takes to become healthy in the simulator, in milliseconds.") var deployDelayMs = 100

    func run() async throws {
        quietLogging()
        var options = NomadSimulatorOptions()
        options.latency = .milliseconds(latencyMs)
        options.deployDelay = .milliseconds(deployDelayMs)
        let simulator = try await NomadSimulator.start(options)
        let repo = try GitRepository()
        let dir = try TemporaryDirectory(prefix: "bosun-bench-nomad")
        defer {
            repo.remove()
            dir.remove()
        }
        for j in 0..<jobs {
            try repo.write("jobs/job-\(j).nomad.hcl", Self.job("job-\(j)"))
        }
        try repo.write("vars.hcl", "image = \"nginx:1.27\"\n")
        try repo.commit("\(jobs) jobs")
        try dir.write("bosun.yaml", """
            apiVersion: bosun.dev/v1
            kind: Config
            dataDir: \(dir.appending("data").path)
            server: { listen: "127.0.0.1:0" }
            targets: [{ name: nomad, type: nomad, address: "\(simulator.address)" }]
            security: { repositorySchemes: [file] }
            repositories: [{ name: deploy, url: \(repo.path) }]
            applications:
              - { name: jobs, source: { repository: deploy, revision: main, path: jobs, varsFile: vars.hcl }, destination: { target: nomad }, sync: { auto: true, interval: 1h, healthTimeout: 10m } }
            """)
        let config = try ConfigLoader.load(file: dir.appending("bosun.yaml").path)
        let dataDir = config.dataDirectory
        let store = try SQLiteStore(path: dataDir.appendingPathComponent("bosun.sqlite").path)
        let mirrors = GitMirrors(root: dataDir.appendingPathComponent("git"))
        let environment = TargetEnvironment(dataDirectory: dataDir)
        let target = try NomadTargetFactory.makeTarget(requireTarget(config), environment)
        let engine = Engine(config: config, targets: ["nomad": target], store: store, git: mirrors,
                            renderCache: RenderCache(directory: dataDir.appendingPathComponent("cache/renders")),
                            renderer: Renderer(workDirectory: dataDir.appendingPathComponent("cache/work")))
        print("nomad: \(jobs) HCL jobs in one application, simulator latency \(latencyMs) ms, deployments healthy after \(deployDelayMs) ms")
        let (_, first) = try await measure {
            try await engine.start()
            while await engine.statuses().contains(where: { $0.sync.status != .synced || $0.health.status != .healthy }) {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        figure("first sync (all jobs registered and healthy)", first, "s")
        figure("  requests", Double(target.metrics.total()), "")
        print("    \(target.metrics.summary)")

        // The job watch saw the registers; let the compares it asked for finish before measuring.
        try await Task.sleep(for: .seconds(2))
        target.metrics.reset()
        let (_, steady) = await measure { await engine.pass() }
        figure("steady-state pass (no change)", steady, "s")
        figure("  requests in that pass", Double(target.metrics.total()), "", target: "1 list call, none per job")
        print("    \(target.metrics.summary.isEmpty ? "none" : target.metrics.summary)")

        // One job changed with the Nomad API: the next pass reads only that job again and repairs it.
        target.metrics.reset()
        if var job = await simulator.job("job-7") {
            job["Priority"] = 70
            _ = try await simulator.register(job)
        }
        let (_, drift) = await measure { await engine.pass() }
        figure("pass after one job changed in Nomad", drift, "s")
        figure("  requests in that pass", Double(target.metrics.total()), "")
        print("    \(target.metrics.summary)")
        figure("resident memory of this benchmark process", residentMiB(), "MiB")
        await engine.stop()
        await target.shutdown()
        await simulator.stop()
    }

    static func job(_ id: String) -> String {
        """
        variable "image" {
          type = string
        }

        job "\(id)" {
          group "web" {
            count = 2
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
}

/// The one target entry of the benchmark's config.
private func requireTarget(_ config: Config) throws -> TargetSpec {
    guard let spec = config.targets.first else { throw ValidationError("the benchmark config has no target") }
    return spec
}
