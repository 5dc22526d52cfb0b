import ArgumentParser
import BosunCore
import BosunEngine
import Foundation

struct ReplicasCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replicas",
        abstract: "List the replicas sharing a PostgreSQL store: heartbeats and the applications each holds.",
        discussion: """
            Any replica answers (docs/high-availability.md). A replica is alive while its \
            heartbeat is newer than one lease duration, by the database's clock. CONFIG shows \
            `differs` for a replica whose shared configuration is not the answering replica's.

            Example:
              bosun replicas
              bosun replicas -o json | jq '.replicas[] | {name, alive, held: (.applications | length)}'
            """)

    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let answer: ReplicasAnswer = try await server.client().get("/api/v1/replicas")
        if output == .json {
            print(Format.json(answer))
            return
        }
        guard let me = answer.replica else {
            print("this Bosun runs alone (SQLite store): no replicas. Replicas share a PostgreSQL store; see docs/high-availability.md")
            return
        }
        let mine = answer.replicas.first { $0.name == me }?.configHash
        var table = Table("NAME", "ALIVE", "HEARTBEAT", "LEASES", "CONFIG", "API")
        for replica in answer.replicas {
            table.rows.append([
                replica.name + (replica.name == me ? " (this)" : ""), replica.alive ? "yes" : "no",
                Format.ago(replica.heartbeatAt), "\(replica.applications.count)",
                replica.configHash == mine ? "same" : "differs", replica.apiURL,
            ])
        }
        print(table.rendered)
        if let lease = answer.leaseDuration { print("lease duration \(lease); a replica silent for longer loses its applications to the others") }
    }
}
