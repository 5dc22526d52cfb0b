import ArgumentParser
import BosunCore
import BosunKubernetes

struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Run Bosun's Kubernetes health rules on objects saved in a file.",
        discussion: """
            Reads objects as `kubectl get -o yaml|json` prints them (several documents, or a List) \
            and prints each one's health and the message Bosun would show: to debug a rule, or to test one.

            Example:
              kubectl get deploy,pods -n shop -o yaml > live.yaml && bosun health -f live.yaml
              bosun health -f live.yaml -o json
            """)

    @Option(name: [.short, .customLong("file")], help: "The file of objects.") var file: String
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() throws {
        let reports: [HealthReport]
        do {
            reports = try HealthCommandSupport.evaluate(file: file)
        } catch {
            throw CLIError("\(error)")
        }
        if output == .json {
            print(HealthCommandSupport.json(reports))
            return
        }
        let color = Console.isTerminal
        var table = Table("KIND", "NAMESPACE", "NAME", "HEALTH", "MESSAGE")
        for r in reports {
            table.add(r.key.kind, r.key.namespace, r.key.name, Color.health(r.health.status, enabled: color), r.health.message)
        }
        print(reports.isEmpty ? "no objects in \(file)" : table.rendered)
    }
}
