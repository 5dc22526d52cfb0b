import ArgumentParser

/// Bosun's benchmarks. Each prints its figures; none asserts on time.
/// Run with `swift run -c release bosun-bench <name>`, or `all`.
@main
struct BosunBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bosun-bench",
        abstract: "Bosun's benchmarks: each prints the figures it measured.",
        subcommands: benchmarks
    )

    /// Every benchmark, each a subcommand defined in its own file.
    static let benchmarks: [any ParsableCommand.Type] = [
        RenderBenchmark.self, EngineBenchmark.self, DiffBenchmark.self, HostBenchmark.self, GitBenchmark.self,
        NomadSimulatorBenchmark.self, WebhookBenchmark.self, SimulatorBenchmark.self, NomadBenchmark.self,
        KubernetesBenchmark.self, AppSetsBenchmark.self, ChartsBenchmark.self, PodmanBenchmark.self, LatencyBenchmark.self,
        SecretsBenchmark.self, ReplicasBenchmark.self,
    ]
}
