import ArgumentParser
import BosunCore
import BosunKubernetes

struct HealthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health",
        abstract: "Run Bosun's Kubernetes health rules on objects saved in a file.",
        discussion: """
            Reads objects as `kubectl get -o yaml|json` prints them (several documents, or a List) \
            and prints each one's health, the message Bosun would show and the rule that decided: \
            to debug a rule, or to test one. With --config, the config's healthRules come first for \
            their kinds, so a rule can be tried on saved objects before it is deployed; --config may \
            also name a file of rules kept in Git for `include:` (kind: Applications).

            Example:
              kubectl get deploy,pods -n shop -o yaml > live.yaml && bosun health -f live.yaml
              kubectl get certificates -A -o yaml > certs.yaml && bosun health -f certs.yaml --config bosun.yaml
              bosun health -f live.yaml -o json
            """)

    @Option(name: [.short, .customLong("file")], help: "The file of objects.") var file: String
    @Option(name: [.short, .long], help: "A config, or an included kind: Applications file, whose healthRules to apply (checked as `bosun validate` does).")
    var config: String?
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() throws {
        var rules: [HealthRuleSet] = []
        if let config {
            do {
                rules = try ConfigLoader.healthRules(inFile: config)
            } catch {
                throw CLIError(error.description)
            }
        }
        let reports: [HealthReport]
        do {
            reports = try HealthCommandSupport.evaluate(file: file, rules: rules)
        } catch {
            throw CLIError("\(error)")
        }
        if output == .json {
            print(HealthCommandSupport.json(reports))
            return
        }
        let color = Console.isTerminal
        var table = Table("KIND", "NAMESPACE", "NAME", "HEALTH", "RULE", "MESSAGE")
        for r in reports {
            table.add(r.key.kind, r.key.namespace, r.key.name, Color.health(r.health.status, enabled: color), r.rule, r.health.message)
        }
        print(reports.isEmpty ? "no objects in \(file)" : table.rendered)
    }
}
