import ArgumentParser
import BosunCore

struct AppsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apps",
        abstract: "List applications with their sync and health.",
        discussion: """
            Example:
              bosun apps
              bosun apps -o json | jq -r '.[] | select(.health.status != "Healthy") | .name'
            """)

    @OptionGroup var server: ServerOptions
    @Option(name: .shortAndLong, help: "text or json.") var output: OutputFormat = .text

    func run() async throws {
        let apps: [ApplicationSummary] = try await server.client().get("/api/v1/applications")
        if output == .json {
            print(Format.json(apps))
            return
        }
        let color = Console.isTerminal
        // The SET column shows only when an application set generates some of them.
        let sets = apps.contains { $0.applicationSet != nil }
        var table = sets ? Table("NAME", "SET", "TARGET", "SYNC", "HEALTH", "REVISION", "COMMIT") : Table("NAME", "TARGET", "SYNC", "HEALTH", "REVISION", "COMMIT")
        for app in apps {
            var cells = [app.name, app.target, Color.sync(app.sync.status, enabled: color) + (app.pinned ? " (pinned)" : ""),
                         Color.health(app.health.status, enabled: color), Format.short(app.sync.revision), app.subject ?? ""]
            if sets { cells.insert(app.applicationSet ?? "-", at: 1) }
            table.rows.append(cells)
        }
        print(apps.isEmpty ? "no applications" : table.rendered)
    }
}
